"""L-3/L-4: hourly series per product × platform, growth figures, the three-layer check and the
heat index.

Heat index (one number, 100 ≈ the product's normal state)::

    heat = 100 × V^0.6 × I^0.2 × T^0.2 × (0.5 + P) × (1 + 0.1 × (S − 1))

* V — authentic 24 h mentions / the product's expected 24 h mentions (detector baseline);
* I — authentic 24 h interactions / their usual 24 h value (median of the past 14 days);
* T — save rate (saves / views, 72 h) / the industry average save rate, clipped to [0.25, 4];
* P — share of positive mentions (72 h, authentic): 50 % positive is neutral (factor 1);
* S — platforms where the rise is real (cross-platform spread, at least 1).

All ratios are floored at 0.05 so a silent product has a small, not zero or undefined, heat.
"""

from __future__ import annotations

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
    "intent",
    "micro_organic",
    "mid_organic",
)
F = {name: index for index, name in enumerate(FIELDS)}
RATIO_FLOOR = 0.05

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
        stop = self.hours if end is None else end
        index = F[field]
        arrays = [self._data[platform]] if platform in self._data else []
        if platform is None:
            arrays = list(self._data.values())
        return float(sum(array[max(0, stop - hours) : stop, index].sum() for array in arrays))

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
        volume = series.window("authentic", 24, platform)
        usual = series.usual("authentic", 24, platform, before=baseline_before)
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
    """L-3: share of positive mentions among authentic mentions."""
    total = series.window("authentic", hours)
    return float(series.window("positive", hours) / total) if total > 0 else 0.0


@dataclass(frozen=True, slots=True)
class HeatInputs:
    volume_ratio: float
    interaction_ratio: float
    save_rate_ratio: float
    positive_share: float
    platforms_rising: int


def heat_index(inputs: HeatInputs) -> float:
    """L-3: the single heat index (formula in the module docstring)."""
    volume = max(inputs.volume_ratio, RATIO_FLOOR)
    interactions = max(inputs.interaction_ratio, RATIO_FLOOR)
    saves = min(max(inputs.save_rate_ratio, 0.25), 4.0)
    spread = 1 + 0.1 * (max(inputs.platforms_rising, 1) - 1)
    return float(
        100 * volume**0.6 * interactions**0.2 * saves**0.2 * (0.5 + inputs.positive_share) * spread
    )


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
    inputs = HeatInputs(
        volume_ratio=series.window("authentic", 24) / max(expected_24h, 1.0),
        interaction_ratio=interactions / usual_interactions if usual_interactions > 0 else 1.0,
        save_rate_ratio=rate / settings.save_rate_industry_average,
        positive_share=share,
        platforms_rising=len(rising),
    )
    interaction_growth = growth(series, "interactions", 168)
    return ProductMetrics(
        growth_24h=growth(series, "authentic", 24),
        growth_72h=growth(series, "authentic", 72),
        growth_week=growth(series, "authentic", 168),
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
