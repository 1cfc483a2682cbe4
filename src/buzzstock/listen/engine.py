"""The in-memory listening pipeline: mentions in (in time order) → language, sentiment,
authenticity, hourly metrics per product × platform → alerts, trend states and events.

Three detectors watch each product: the trend detector counts authentic mentions that are not
negative (fake heat and complaints never look like demand), the raw detector counts every
mention (a surge made of suspects is fake heat), and the complaint detector counts authentic
negative mentions (a rise of those is a complaint wave, for the respond capability).

It keeps no database and reads no clock: time advances with the mentions (or ``advance_to``).
The stored service persists mentions and records the returned events in the outbox.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from buzzstock.listen.alerts import confirmation_due, gated_tier
from buzzstock.listen.authenticity import FakeHeat, ProductAuthenticity, fake_heat, minhash_bands
from buzzstock.listen.complaints import negative_excess, speaks_of_a_complaint
from buzzstock.listen.detect import Assessment, EpisodeTracker, GrowthDetector, Tier
from buzzstock.listen.events import (
    ComplaintWave,
    FakeHeatSuspected,
    Layers,
    ListenEvent,
    TrendAlertRaised,
    TrendConfirmed,
    TrendDeclining,
)
from buzzstock.listen.lifecycle import (
    Forecast,
    Phase,
    decline_signal,
    declining_days,
    forecast,
    phase_of,
)
from buzzstock.listen.mention import Mention, with_snapshot
from buzzstock.listen.metrics import (
    FIELDS,
    SUPPORTIVE,
    F,
    HourlySeries,
    ProductMetrics,
    has_purchase_intent,
    product_metrics,
)
from buzzstock.listen.mining import attribute_counts
from buzzstock.listen.sentiment import DEFAULT_SCORER, SentimentBackend
from buzzstock.listen.settings import DEFAULT_LISTEN_SETTINGS, ListenSettings
from buzzstock.listen.watchlist import Matcher

HOUR = timedelta(hours=1)
DECLINE_WATCH_AFTER_EPISODE = timedelta(days=3)
ATTRIBUTE_MEMORY = 2000


@dataclass(slots=True)
class _Pending:
    mention: Mention
    label: str
    bands: tuple[int, ...]


@dataclass
class _ProductState:
    product_id: str
    series: HourlySeries
    authenticity: ProductAuthenticity
    detector: GrowthDetector
    tracker: EpisodeTracker
    raw_detector: GrowthDetector
    raw_tracker: EpisodeTracker
    pending: list[_Pending] = field(default_factory=list)
    evidence: deque[tuple[int, Counter[str]]] = field(default_factory=deque)
    episode_start: datetime | None = None
    episode_start_hour: int = 0
    alert_tier: Tier | None = None
    confirmed_at: datetime | None = None
    declining_reported: bool = False
    last_episode_end: datetime | None = None
    fake_reported_for: datetime | None = None
    fake: FakeHeat | None = None
    complaints_since: datetime | None = None
    complaint_reported: bool = False
    complaint_quiet_hours: int = 0
    growth: float = 0.0
    expected: float = 0.0
    texts: deque[str] = field(default_factory=lambda: deque(maxlen=ATTRIBUTE_MEMORY))


@dataclass(frozen=True, slots=True)
class TrendState:
    """What a seller sees about one product now (``buzzstock trends``)."""

    product_id: str
    heat: float
    tier: str | None
    phase: Phase
    confirmed: bool
    alert_since: datetime | None
    growth: float
    metrics: ProductMetrics
    fake_heat: FakeHeat
    daily: tuple[float, ...]
    forecast: Forecast | None
    attributes: dict[str, int]

    def to_json(self) -> dict[str, object]:
        return {
            "product_id": self.product_id,
            "heat": round(self.heat, 1),
            "tier": self.tier,
            "phase": self.phase.value,
            "confirmed": self.confirmed,
            "alert_since": self.alert_since.isoformat() if self.alert_since else None,
            "growth": round(self.growth, 4),
            "metrics": self.metrics.to_json(),
            "fake_heat": self.fake_heat.to_json(),
            "daily": [round(value, 1) for value in self.daily],
            "forecast": self.forecast.to_json() if self.forecast else None,
            "attributes": self.attributes,
        }


class Pipeline:
    """L-1 … L-10 over a stream of mentions, in memory."""

    def __init__(
        self,
        settings: ListenSettings = DEFAULT_LISTEN_SETTINGS,
        matcher: Matcher | None = None,
        scorer: SentimentBackend = DEFAULT_SCORER,
    ) -> None:
        self.settings = settings
        self.matcher = matcher
        self.scorer = scorer
        self.events: list[ListenEvent] = []
        self.hour_start: datetime | None = None
        self.hours_closed = 0
        self.first_hour: datetime | None = None
        self._products: dict[str, _ProductState] = {}
        self._seen: dict[tuple[str, str], Mention] = {}

    @property
    def now(self) -> datetime | None:
        """End of the last closed hour."""
        return self.hour_start

    def _product(self, product_id: str) -> _ProductState:
        state = self._products.get(product_id)
        if state is None:
            assert self.first_hour is not None
            detector = GrowthDetector(self.settings)
            raw_detector = GrowthDetector(self.settings)
            state = _ProductState(
                product_id=product_id,
                series=HourlySeries(self.first_hour),
                authenticity=ProductAuthenticity(self.settings),
                detector=detector,
                tracker=EpisodeTracker(detector),
                raw_detector=raw_detector,
                raw_tracker=EpisodeTracker(raw_detector),
            )
            for hour in range(self.hours_closed):
                moment = self.first_hour + hour * HOUR
                state.series.append_hour({})
                detector.push(moment, 0.0)
                raw_detector.push(moment, 0.0)
            self._products[product_id] = state
        return state

    def ingest(self, mention: Mention) -> list[ListenEvent]:
        """Take one mention (mentions arrive in time order); returns events of hours it closed.

        L-1: a post already seen only updates its counters.
        """
        hour = mention.created_at.replace(minute=0, second=0, microsecond=0)
        events: list[ListenEvent] = []
        if self.first_hour is None:
            self.first_hour = hour
            self.hour_start = hour
        else:
            events = self.advance_to(hour)
        known = self._seen.get(mention.key)
        if known is not None:
            self._seen[mention.key] = with_snapshot(known, mention)
            return events
        products = mention.products
        if not products and self.matcher is not None:
            products = self.matcher.products(mention.text)
        if not products:
            return events
        self._seen[mention.key] = mention
        label = (
            "negative"
            if speaks_of_a_complaint(mention.text)
            else self.scorer.score(mention.text).label
        )
        bands = minhash_bands(mention.text)
        for product_id in products:
            state = self._product(product_id)
            state.authenticity.add(mention, bands)
            state.pending.append(_Pending(mention, label, bands))
        return events

    def ingest_all(self, mentions: Iterable[Mention]) -> list[ListenEvent]:
        events: list[ListenEvent] = []
        for mention in mentions:
            events.extend(self.ingest(mention))
        return events

    def advance_to(self, moment: datetime) -> list[ListenEvent]:
        """Close every hour that ended at or before ``moment``."""
        events: list[ListenEvent] = []
        while self.hour_start is not None and self.hour_start + HOUR <= moment:
            events.extend(self._close_hour(self.hour_start))
            self.hour_start += HOUR
        self.events.extend(events)
        return events

    def _close_hour(self, hour_start: datetime) -> list[ListenEvent]:
        settings = self.settings
        at = hour_start + HOUR
        events: list[ListenEvent] = []
        local_midnight = (at + timedelta(hours=settings.market_utc_offset_hours)).hour == 0
        for state in self._products.values():
            rows: dict[str, np.ndarray] = {}
            signals: Counter[str] = Counter()
            for pending in state.pending:
                mention = pending.mention
                judgement = state.authenticity.judge(mention, pending.bands)
                row = rows.get(mention.platform)
                if row is None:
                    row = rows[mention.platform] = np.zeros(len(FIELDS))
                row[F["raw"]] += 1
                if judgement.suspect:
                    signals.update(judgement.signals)
                    continue
                state.texts.append(mention.text)
                row[F["authentic"]] += 1
                if pending.label == "negative":
                    # A complaint is no sign of demand: it counts only as a negative mention.
                    row[F["negative"]] += 1
                    continue
                if pending.label == "positive":
                    row[F["positive"]] += 1
                row[F["interactions"]] += mention.interactions
                row[F["views"]] += mention.views
                row[F["saves"]] += mention.saves
                row[F["wishlist_preorders"]] += mention.wishlist_adds + mention.preorders
                row[F["preorders"]] += mention.preorders
                if has_purchase_intent(mention.text):
                    row[F["intent"]] += 1
                if not mention.ad_disclosed:
                    if mention.author_followers >= settings.mid_tier_min_followers:
                        row[F["mid_organic"]] += 1
                    elif mention.author_followers >= settings.micro_influencer_min_followers:
                        row[F["micro_organic"]] += 1
            state.pending.clear()
            state.series.append_hour(rows)
            hour_index = state.series.hours
            state.evidence.append((hour_index, signals))
            while state.evidence and state.evidence[0][0] <= hour_index - 24:
                state.evidence.popleft()
            authentic = sum(row[F["authentic"]] for row in rows.values())
            negative = sum(row[F["negative"]] for row in rows.values())
            raw = sum(row[F["raw"]] for row in rows.values())
            events.extend(self._complaints(state, at))
            events.extend(
                self._assess(state, hour_start, at, authentic - negative, raw, local_midnight)
            )
        self.hours_closed += 1
        return events

    def _complaints(self, state: _ProductState, at: datetime) -> list[ListenEvent]:
        """A complaint wave: far more negative mentions than the product's volume explains; one
        event per wave, which ends after ``episode_end_hours`` without excess."""
        series = state.series
        baseline_end = max(0, series.hours - 24)
        baseline_hours = 24 * self.settings.baseline_days
        excess = negative_excess(
            series.window("negative", 24),
            series.window("authentic", 24),
            series.window("negative", baseline_hours, end=baseline_end),
            series.window("authentic", baseline_hours, end=baseline_end),
            self.settings,
        )
        if not excess.elevated:
            state.complaint_quiet_hours += 1
            if state.complaint_quiet_hours >= self.settings.episode_end_hours:
                state.complaints_since = None
                state.complaint_reported = False
            return []
        state.complaint_quiet_hours = 0
        state.complaints_since = state.complaints_since or at
        if not excess.significant or state.complaint_reported:
            return []
        state.complaint_reported = True
        authentic_24h = series.window("authentic", 24)
        return [
            ComplaintWave(
                sku=state.product_id,
                at=at,
                since=state.complaints_since,
                negative_mentions=int(excess.negative),
                expected=round(excess.expected, 1),
                negative_share=round(excess.negative / authentic_24h, 4),
                platforms=tuple(
                    platform
                    for platform in series.platforms
                    if series.window("negative", 24, platform) > 0
                ),
            )
        ]

    def _assess(
        self,
        state: _ProductState,
        hour_start: datetime,
        at: datetime,
        supportive: float,
        raw: float,
        local_midnight: bool,
    ) -> list[ListenEvent]:
        settings = self.settings
        events: list[ListenEvent] = []
        assessment = state.detector.push(hour_start, supportive)
        raw_assessment = state.raw_detector.push(hour_start, raw)
        state.growth = assessment.growth
        state.expected = assessment.expected
        was_in_episode = state.tracker.in_episode
        opened = state.tracker.observe(assessment)
        state.raw_tracker.observe(raw_assessment)
        events.extend(self._fake_heat(state, at, assessment, raw_assessment))
        fake_probability = state.fake.probability if state.fake else 0.0
        if not state.tracker.in_episode:
            if was_in_episode:
                state.last_episode_end = at
                state.alert_tier = None
            if local_midnight and self._decline_watch(state, at):
                events.extend(self._decline(state, at))
            return events
        if opened is not None and not was_in_episode:
            state.episode_start = state.tracker.onset or opened.start
            assert self.first_hour is not None
            onset_hour = int((state.episode_start - self.first_hour) / HOUR)
            state.episode_start_hour = max(0, onset_hour - 24)
            state.alert_tier = None
            state.confirmed_at = None
            state.declining_reported = False
        if opened is not None or state.confirmed_at is None:
            metrics = product_metrics(
                state.series, assessment.expected, state.episode_start_hour, settings
            )
            current_tier = state.tracker.current.tier if state.tracker.current else Tier.YELLOW
            tier = gated_tier(
                current_tier, metrics.positive_share, len(metrics.platforms_rising), settings
            )
            if state.alert_tier is None or tier > state.alert_tier:
                state.alert_tier = tier
                events.append(
                    TrendAlertRaised(
                        sku=state.product_id,
                        at=at,
                        tier=tier.label,
                        growth=round(float(assessment.growth), 4),
                        heat=round(float(metrics.heat), 1),
                        positive_share=round(float(metrics.positive_share), 4),
                        platforms=metrics.platforms_rising,
                        fake_heat_probability=round(float(fake_probability), 4),
                    )
                )
            if (
                state.confirmed_at is None
                and state.episode_start is not None
                and confirmation_due(
                    state.episode_start, at, metrics.layers.passed, fake_probability, settings
                )
            ):
                state.confirmed_at = at
                events.append(self._confirmed(state, at, assessment, metrics, fake_probability))
        if local_midnight:
            events.extend(self._decline(state, at))
        return events

    def _confirmed(
        self,
        state: _ProductState,
        at: datetime,
        assessment: Assessment,
        metrics: ProductMetrics,
        fake_probability: float,
    ) -> TrendConfirmed:
        """L-6: the confirmation with every figure decide reads (D-4, D-6, D-7)."""
        assert state.episode_start is not None and state.alert_tier is not None
        settings = self.settings
        daily = state.series.daily(SUPPORTIVE, 21, settings.market_utc_offset_hours)
        preorders = int(state.series.window_since("preorders", state.episode_start_hour + 24))
        return TrendConfirmed(
            sku=state.product_id,
            at=at,
            alert_since=state.episode_start,
            tier=state.alert_tier.label,
            heat=round(float(metrics.heat), 1),
            positive_share=round(float(metrics.positive_share), 4),
            platforms=metrics.platforms_rising,
            cross_platform_verified=len(metrics.platforms_rising) >= settings.red_min_platforms,
            growth=round(float(assessment.growth), 4),
            phase=phase_of(assessment.growth, True, daily, settings).value,
            layers=Layers(
                content=metrics.layers.content,
                discussion=metrics.layers.discussion,
                transaction=metrics.layers.transaction,
            ),
            fake_heat_probability=round(float(fake_probability), 4),
            validation_demand=preorders or None,
        )

    def _fake_heat(
        self, state: _ProductState, at: datetime, authentic: Assessment, raw: Assessment
    ) -> list[ListenEvent]:
        """L-7: the share of a surge made of suspect mentions; raised once per raw surge."""
        if not (state.raw_tracker.in_episode or state.tracker.in_episode):
            state.fake = None
            return []
        evidence: Counter[str] = Counter()
        for _, signals in state.evidence:
            evidence.update(signals)
        suspects = raw.volume - state.series.window("authentic", 24)
        state.fake = fake_heat(int(raw.volume), int(suspects), raw.expected, dict(evidence))
        surge_start = state.raw_tracker.episode_start
        if (
            surge_start is None
            or state.fake.probability < self.settings.fake_heat_probability_alert
            or state.fake_reported_for == surge_start
        ):
            return []
        state.fake_reported_for = surge_start
        return [
            FakeHeatSuspected(
                sku=state.product_id,
                at=at,
                probability=round(float(state.fake.probability), 4),
                raw_growth=round(float(raw.growth), 4),
                evidence=dict(state.fake.evidence),
            )
        ]

    def _decline_watch(self, state: _ProductState, at: datetime) -> bool:
        return (
            state.last_episode_end is not None
            and at - state.last_episode_end <= DECLINE_WATCH_AFTER_EPISODE
        )

    def _decline(self, state: _ProductState, at: datetime) -> list[ListenEvent]:
        """L-9: once per trend, when the smoothed daily volume fell three days running."""
        if state.declining_reported:
            return []
        daily = state.series.daily(SUPPORTIVE, 21, self.settings.market_utc_offset_hours)
        if not decline_signal(daily, self.settings):
            return []
        state.declining_reported = True
        metrics = product_metrics(
            state.series, state.expected, state.episode_start_hour, self.settings
        )
        return [
            TrendDeclining(
                sku=state.product_id,
                at=at,
                declining_days=declining_days(daily, self.settings),
                heat=round(float(metrics.heat), 1),
                positive_share=round(float(metrics.positive_share), 4),
                platforms=metrics.platforms_rising,
            )
        ]

    def trend_states(self, with_forecast: bool = True) -> list[TrendState]:
        """The current state of every product heard of, hottest first."""
        settings = self.settings
        states = []
        for state in self._products.values():
            in_trend = state.tracker.in_episode
            baseline_before = state.episode_start_hour if in_trend else state.series.hours
            metrics = product_metrics(state.series, state.expected, baseline_before, settings)
            daily = state.series.daily(SUPPORTIVE, 21, settings.market_utc_offset_hours)
            phase = phase_of(state.growth, in_trend, daily, settings)
            fake = state.fake or fake_heat(0, 0, 0.0, {})
            projection = None
            if with_forecast and in_trend and state.episode_start is not None and self.now:
                days_in = max(1, (self.now - state.episode_start).days + 1)
                projection = forecast(
                    daily[-days_in:],
                    state.expected,
                    self.now.date(),
                    fake.probability,
                    settings,
                )
            states.append(
                TrendState(
                    product_id=state.product_id,
                    heat=metrics.heat,
                    tier=state.alert_tier.label if in_trend and state.alert_tier else None,
                    phase=phase,
                    confirmed=in_trend and state.confirmed_at is not None,
                    alert_since=state.episode_start if in_trend else None,
                    growth=state.growth,
                    metrics=metrics,
                    fake_heat=fake,
                    daily=tuple(daily[-14:]),
                    forecast=projection,
                    attributes=dict(attribute_counts(state.texts).most_common(5)),
                )
            )
        return sorted(states, key=lambda trend: trend.heat, reverse=True)
