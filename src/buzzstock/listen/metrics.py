"""L-3/L-4: hourly series per product × platform, growth figures, the three-layer check and the
heat index.

Heat index: one number on one scale, read by every capability (docs/listen.md)::

    heat = 100 + 50 × log2(R)        (never below 0)
    R    = V^0.6 × I^0.2 × T^0.2 × E × (1 + 0.1 × (S − 1))

* V — (authentic non-negative 24 h mentions + k) / (their expected 24 h volume + k), with
  ``k = heat_volume_prior`` mentions: a few extra posts on a quiet product are not heat;
* I — (24 h interactions of those mentions + k mentions' usual interactions) / (their usual
  24 h value, median of the past 14 days, + the same), clipped to [0.25, 8]; 1 when the product
  has no usual interactions;
* T — save rate of the last 72 h, shrunk towards the industry average by k mentions' views,
  over the industry average, clipped to [0.25, 4]; 1 without views;
* E — sentiment: (0.5 + P) / (0.5 + ``positive_share_buy``), P the positive share of the
  mentions that take a side (72 h); 1 when nobody took a side;
* S — platforms where the rise is real (cross-platform spread, at least 1).

100 is the product's normal state; each doubling of R adds 50: 150 is a rise that doubled the
signal (the L-5 yellow growth), 200 one that quadrupled it. Suspect (fake-heat) and negative
mentions never count, so bought heat and complaint waves do not raise it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from buzzstock.listen.mention import (
    CONTENT_PLATFORMS,
    DISCUSSION_PLATFORMS,
    TRANSACTION_PLATFORMS,
)
from buzzstock.listen.settings import DEFAULT_LISTEN_SETTINGS, ListenSettings

HOUR = timedelta(hours=1)
FIELDS = (
    "raw",
    "authentic",
    "interactions",
    "positive",
    "negative",
    "views",
    "saves",
    "wishlist_preorders",
    "preorders",
    "intent",
    "micro_organic",
    "mid_organic",
)
F = {name: index for index, name in enumerate(FIELDS)}
SUPPORTIVE = "supportive"
"""Derived field: authentic mentions that are not negative, the volume that counts as demand."""
HEAT_POINTS_PER_DOUBLING = 50.0

_INTENT = re.compile(
    r"where (?:can|do|to|should) (?:i |we |you )?(?:buy|get|order)|where to get|"
    r"link (?:please|pls)|"
    r"link\?|in stock|pre-?order|restock|how (?:do|can) i (?:buy|get)|"
    r"哪里(?:可以)?(?:买|购买)|求链接|求同款|链接|预订|预售|有货吗|在哪买"
)


def has_purchase_intent(text: str) -> bool:
    """L-4 discussion layer: the post asks where to buy, for a link, stock or a pre-order."""
    return _INTENT.search(text.casefold()) is not None


class HourlySeries:
    """L-3: hourly counters of one product, per platform (``FIELDS`` columns per hour)."""

    def __init__(self, start: datetime) -> None:
        self.start = start
        self.hours = 0
        self._capacity = 24 * 8
        self._data: dict[str, np.ndarray] = {}

    def _grow(self) -> None:
        self._capacity *= 2
        for platform, array in self._data.items():
            grown = np.zeros((self._capacity, len(FIELDS)))
            grown[: array.shape[0]] = array
            self._data[platform] = grown

    def append_hour(self, rows: dict[str, np.ndarray]) -> None:
        """Add one closed hour: ``rows[platform]`` is a vector over ``FIELDS``."""
        if self.hours >= self._capacity:
            self._grow()
        for platform, row in rows.items():
            array = self._data.get(platform)
            if array is None:
                array = np.zeros((self._capacity, len(FIELDS)))
                self._data[platform] = array
            array[self.hours] = row
        self.hours += 1

    @property
    def platforms(self) -> list[str]:
        return sorted(self._data)

    def column(self, field: str, platform: str | None = None) -> np.ndarray:
        """Hourly values of ``field`` (all platforms summed when ``platform`` is None)."""
        if field == SUPPORTIVE:
            supportive: np.ndarray = self.column("authentic", platform) - self.column(
                "negative", platform
            )
            return supportive
        index = F[field]
        if platform is not None:
            array = self._data.get(platform)
            return np.zeros(self.hours) if array is None else array[: self.hours, index]
        total = np.zeros(self.hours)
        for array in self._data.values():
            total += array[: self.hours, index]
        return total

    def window(
        self, field: str, hours: int, platform: str | None = None, end: int | None = None
    ) -> float:
        """Sum of ``field`` over the ``hours`` hours before hour index ``end`` (default: now)."""
        if field == SUPPORTIVE:
            return self.window("authentic", hours, platform, end) - self.window(
                "negative", hours, platform, end
            )
        stop = self.hours if end is None else end
        index = F[field]
        arrays = [self._data[platform]] if platform in self._data else []
        if platform is None:
            arrays = list(self._data.values())
        return float(sum(array[max(0, stop - hours) : stop, index].sum() for array in arrays))

    def window_since(self, field: str, start: int) -> float:
        """Sum of ``field`` from hour index ``start`` up to now."""
        return self.window(field, max(0, self.hours - start))

    def usual(
        self,
        field: str,
        hours: int = 24,
        platform: str | None = None,
        before: int | None = None,
        days: int = 14,
    ) -> float:
        """Median of the ``hours`` windows ending at the same hour on each of the past ``days``
        days before hour index ``before`` (default: now)."""
        stop = self.hours if before is None else before
        ends = stop - 24 * np.arange(1, days + 1)
        ends = ends[ends - hours >= 0]
        if len(ends) == 0:
            return 0.0
        cumulative = np.concatenate(([0.0], np.cumsum(self.column(field, platform))))
        return float(np.median(cumulative[ends] - cumulative[ends - hours]))

    def daily(
        self, field: str = "authentic", days: int = 14, utc_offset_hours: float = 0
    ) -> list[float]:
        """Totals of the last ``days`` whole local days."""
        column = self.column(field)
        shift = int((self.start.hour + utc_offset_hours) % 24)
        totals: list[float] = []
        first_midnight = (24 - shift) % 24
        index = first_midnight
        while index + 24 <= self.hours:
            totals.append(float(column[index : index + 24].sum()))
            index += 24
        return totals[-days:]


def growth(
    series: HourlySeries, field: str, hours: int, platform: str | None = None
) -> float | None:
    """L-3: change of the last ``hours`` over the ``hours`` before (0.5 = +50 %); None if the
    earlier window is empty or not yet observed."""
    if series.hours < 2 * hours:
        return None
    previous = series.window(field, hours, platform, series.hours - hours)
    if previous <= 0:
        return None
    return series.window(field, hours, platform) / previous - 1


@dataclass(frozen=True, slots=True)
class LayerCheck:
    """L-4: content, discussion and transaction layers of the three-layer validation."""

    content: bool
    discussion: bool
    transaction: bool

    @property
    def passed(self) -> bool:
        return self.content and self.discussion and self.transaction


def rising_platforms(
    series: HourlySeries, baseline_before: int, settings: ListenSettings = DEFAULT_LISTEN_SETTINGS
) -> list[str]:
    """L-3: platforms where the authentic 24 h volume is really up on the platform's own usual
    volume (measured before hour ``baseline_before``, the start of the trend)."""
    rising = []
    for platform in series.platforms:
        volume = series.window(SUPPORTIVE, 24, platform)
        usual = series.usual(SUPPORTIVE, 24, platform, before=baseline_before)
        if volume >= settings.platform_rise_min_mentions and volume >= (
            1 + settings.platform_rise_min_growth
        ) * max(usual, 1.0):
            rising.append(platform)
    return rising


def three_layer_check(
    series: HourlySeries, baseline_before: int, settings: ListenSettings = DEFAULT_LISTEN_SETTINGS
) -> LayerCheck:
    """L-4: does the rise show in content, in discussion (asking where to buy) and in
    transactions (saves, wishlists, pre-orders)?"""
    rising = set(rising_platforms(series, baseline_before, settings))
    content = bool(rising & CONTENT_PLATFORMS)
    intent = sum(series.window("intent", 72, platform) for platform in DISCUSSION_PLATFORMS)
    usual_intent = sum(
        series.usual("intent", 72, platform, before=baseline_before)
        for platform in DISCUSSION_PLATFORMS
    )
    discussion = intent >= settings.discussion_min_intent_posts and intent >= 2 * usual_intent
    rate = save_rate(series)
    wishlist = series.window("wishlist_preorders", 72)
    usual_wishlist = series.usual("wishlist_preorders", 72, before=baseline_before)
    transaction = (
        rate >= settings.transaction_save_rate_ratio * settings.save_rate_industry_average
        or (wishlist >= 3 and wishlist >= 2 * usual_wishlist)
        or bool(rising & TRANSACTION_PLATFORMS)
    )
    return LayerCheck(content, discussion, transaction)


def save_rate(series: HourlySeries, hours: int = 72) -> float:
    """L-3: saves per view of authentic posts (seed: 12 % strong, 4 % industry average)."""
    views = series.window("views", hours)
    return float(series.window("saves", hours) / views) if views > 0 else 0.0


def positive_share(series: HourlySeries, hours: int = 72) -> float:
    """L-3: share of positive mentions among the authentic mentions that take a side (positive
    or negative); questions and neutral posts are no opinion. 0 when nobody took a side."""
    positive = series.window("positive", hours)
    opinions = positive + series.window("negative", hours)
    return float(positive / opinions) if opinions > 0 else 0.0


@dataclass(frozen=True, slots=True)
class HeatInputs:
    volume_ratio: float
    interaction_ratio: float
    save_rate_ratio: float
    sentiment: float
    platforms_rising: int


def heat_index(inputs: HeatInputs) -> float:
    """L-3: the single heat index (formula and scale in the module docstring)."""
    interactions = min(max(inputs.interaction_ratio, 0.25), 8.0)
    saves = min(max(inputs.save_rate_ratio, 0.25), 4.0)
    spread = 1 + 0.1 * (max(inputs.platforms_rising, 1) - 1)
    ratio = inputs.volume_ratio**0.6 * interactions**0.2 * saves**0.2 * inputs.sentiment * spread
    return max(0.0, 100 + HEAT_POINTS_PER_DOUBLING * math.log2(ratio))


@dataclass(frozen=True, slots=True)
class ProductMetrics:
    """L-3: the figures a seller sees for one product at one moment.

    ``interaction_surge``: week-over-week interaction growth reached the category threshold
    (L-5); ``supports_buying``: the positive share reached the seed's 85 % (L-3).
    """

    growth_24h: float | None
    growth_72h: float | None
    growth_week: float | None
    interaction_growth_week: float | None
    positive_share: float
    micro_organic_posts_72h: int
    mid_tier_organic_posts_72h: int
    platforms_rising: tuple[str, ...]
    save_rate: float
    wishlist_preorders_72h: int
    layers: LayerCheck
    heat: float
    interaction_surge: bool
    supports_buying: bool

    def to_json(self) -> dict[str, object]:
        def rounded(value: float | None) -> float | None:
            return None if value is None else round(value, 4)

        return {
            "growth_24h": rounded(self.growth_24h),
            "growth_72h": rounded(self.growth_72h),
            "growth_week": rounded(self.growth_week),
            "interaction_growth_week": rounded(self.interaction_growth_week),
            "positive_share": round(self.positive_share, 4),
            "micro_organic_posts_72h": self.micro_organic_posts_72h,
            "mid_tier_organic_posts_72h": self.mid_tier_organic_posts_72h,
            "platforms_rising": list(self.platforms_rising),
            "save_rate": round(self.save_rate, 4),
            "wishlist_preorders_72h": self.wishlist_preorders_72h,
            "layers": {
                "content": self.layers.content,
                "discussion": self.layers.discussion,
                "transaction": self.layers.transaction,
            },
            "heat": round(self.heat, 1),
            "interaction_surge": self.interaction_surge,
            "supports_buying": self.supports_buying,
        }


def product_metrics(
    series: HourlySeries,
    expected_24h: float,
    baseline_before: int,
    settings: ListenSettings = DEFAULT_LISTEN_SETTINGS,
) -> ProductMetrics:
    """L-3/L-4: all figures of one product now (authentic mentions only)."""
    rising = rising_platforms(series, baseline_before, settings)
    share = positive_share(series)
    rate = save_rate(series)
    usual_interactions = series.usual("interactions", 24, before=baseline_before)
    interactions = series.window("interactions", 24)
    prior = settings.heat_volume_prior
    expected = max(expected_24h, 1.0)
    opinions = series.window("positive", 72) + series.window("negative", 72)
    # Interactions and saves are shrunk like the volume: by what ``prior`` ordinary mentions
    # of this product would bring, so that one post with many likes is not a trend.
    per_mention = usual_interactions / expected
    mentions_72h = series.window(SUPPORTIVE, 72)
    views_72h = series.window("views", 72)
    prior_views = prior * views_72h / mentions_72h if mentions_72h > 0 else 0.0
    average = settings.save_rate_industry_average
    inputs = HeatInputs(
        volume_ratio=(series.window(SUPPORTIVE, 24) + prior) / (expected + prior),
        interaction_ratio=(interactions + prior * per_mention)
        / (usual_interactions + prior * per_mention)
        if usual_interactions > 0
        else 1.0,
        save_rate_ratio=(series.window("saves", 72) + average * prior_views)
        / ((views_72h + prior_views) * average)
        if views_72h > 0 and average > 0
        else 1.0,
        sentiment=(0.5 + share) / (0.5 + settings.positive_share_buy) if opinions > 0 else 1.0,
        platforms_rising=len(rising),
    )
    interaction_growth = growth(series, "interactions", 168)
    return ProductMetrics(
        growth_24h=growth(series, SUPPORTIVE, 24),
        growth_72h=growth(series, SUPPORTIVE, 72),
        growth_week=growth(series, SUPPORTIVE, 168),
        interaction_growth_week=interaction_growth,
        positive_share=share,
        micro_organic_posts_72h=int(series.window("micro_organic", 72)),
        mid_tier_organic_posts_72h=int(series.window("mid_organic", 72)),
        platforms_rising=tuple(rising),
        save_rate=rate,
        wishlist_preorders_72h=int(series.window("wishlist_preorders", 72)),
        layers=three_layer_check(series, baseline_before, settings),
        heat=heat_index(inputs),
        interaction_surge=(
            interaction_growth is not None
            and interaction_growth >= settings.interaction_wow_growth_alert
        ),
        supports_buying=share >= settings.positive_share_buy,
    )
