"""L-5: streaming growth detector that judges a volume against the product's own baseline.

Every bucket (an hour by default) the detector compares the volume of the last 24 h with what the
product's own history expects for that window:

* the baseline is the median of the 24 h windows that ended at the same time of day on each of
  the last ``baseline_days`` days (so the daily cycle cancels), leaving out windows that overlap
  an alert episode (so a trend does not become its own baseline);
* the weekly cycle enters through a weekday factor: the median of the same-weekday windows (7,
  14, 21, 28 days back) over the overall median, clipped to [0.5, 2], used from three weeks of
  history on and shrunk towards 1 by n / (n + 2) for n weeks;
* ``growth = volume / expected - 1`` is what the seed's tiers (L-5) are applied to, but a tier
  counts only when the excess is statistically significant: the Anscombe-transformed counts
  ``2(√(x+3/8) − √(e+3/8))`` are ~N(0, 1) for Poisson counts at any size, divided by the
  square root of the product's own over-dispersion (variance / mean of its baseline windows). A
  quiet product's 3 → 9 mentions scores z ≈ 2.4 (not significant); 50 → 150 scores z ≈ 10.

Every assessment uses only buckets that have closed: its time is the end of its last bucket.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import IntEnum
from itertools import pairwise

from buzzstock.listen.mention import LineError, parse_timestamp
from buzzstock.listen.settings import DEFAULT_LISTEN_SETTINGS, ListenSettings

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
# Over-dispersion assumed before the product's history can estimate its own, and how many
# baseline windows that assumption is worth.
DISPERSION_PRIOR = 2.0
DISPERSION_PRIOR_WEIGHT = 3
MAX_DISPERSION = 50.0
ANSCOMBE_SHIFT = 3 / 8
# A weekday factor from fewer weeks than this is noise; with more it is trusted n / (n + 2).
MIN_WEEKS_FOR_WEEKDAY = 3
WEEKDAY_SHRINK_WEEKS = 2


class Tier(IntEnum):
    """L-5: the user-facing alert levels."""

    YELLOW = 1
    ORANGE = 2
    RED = 3

    @property
    def label(self) -> str:
        return self.name.lower()


def _median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def growth_tier(growth: float, settings: ListenSettings = DEFAULT_LISTEN_SETTINGS) -> Tier | None:
    """L-5: yellow from +100 %, orange from +150 %, red above +250 % (bounds are settings)."""
    if growth > settings.red_growth:
        return Tier.RED
    if growth >= settings.orange_growth:
        return Tier.ORANGE
    if growth >= settings.yellow_growth:
        return Tier.YELLOW
    return None


def anscombe_z(observed: float, expected: float, dispersion: float) -> float:
    """Significance of ``observed`` over ``expected`` counts, in standard deviations."""
    difference = math.sqrt(observed + ANSCOMBE_SHIFT) - math.sqrt(expected + ANSCOMBE_SHIFT)
    return 2 * difference / math.sqrt(dispersion)


@dataclass(frozen=True, slots=True)
class Assessment:
    """What the detector knows at ``at`` (the end of the last closed bucket)."""

    at: datetime
    volume: float
    expected: float
    growth: float
    z: float
    ready: bool
    significant: bool
    tier: Tier | None


class GrowthDetector:
    """L-5: one product's (or one platform's) streaming detector over equal buckets."""

    def __init__(
        self,
        settings: ListenSettings = DEFAULT_LISTEN_SETTINGS,
        bucket: timedelta = HOUR,
    ) -> None:
        if DAY % bucket != timedelta(0):
            raise ValueError("the bucket must divide a day evenly")
        self.settings = settings
        self.bucket = bucket
        self.steps_per_day = DAY // bucket
        self._prefix: list[float] = [0.0]
        self._flag_prefix: list[int] = [0]
        self._flags: list[bool] = []
        self._start: datetime | None = None

    @property
    def buckets(self) -> int:
        return len(self._flags)

    def window_sum(self, end: int, length: int) -> float:
        """Sum of the ``length`` buckets ending (exclusive) at bucket index ``end``."""
        return self._prefix[end] - self._prefix[max(0, end - length)]

    def mark_in_episode(self, buckets: int) -> None:
        """Leave the last ``buckets`` buckets out of future baselines (they belong to a trend)."""
        count = len(self._flags)
        first = max(0, count - buckets)
        for index in range(first, count):
            self._flags[index] = True
            self._flag_prefix[index + 1] = self._flag_prefix[index] + 1

    def baseline(self) -> tuple[float, float]:
        """(expected 24 h volume, over-dispersion) for the window ending now."""
        steps = self.steps_per_day
        now = len(self._flags)
        prefix = self._prefix
        flags = self._flag_prefix
        clean: list[float] = []
        clean_weekday: list[float] = []
        every: list[float] = []
        every_weekday: list[float] = []
        for lag in range(1, self.settings.baseline_days + 1):
            end = now - lag * steps
            if end < steps:
                break
            value = prefix[end] - prefix[end - steps]
            weekly = lag % 7 == 0
            every.append(value)
            if weekly:
                every_weekday.append(value)
            if flags[end] == flags[end - steps]:
                clean.append(value)
                if weekly:
                    clean_weekday.append(value)
        values, same_weekday = (clean, clean_weekday) if len(clean) >= 2 else (every, every_weekday)
        level = _median(values)
        expected = level
        if len(same_weekday) >= MIN_WEEKS_FOR_WEEKDAY and level > 0:
            factor = min(max(_median(same_weekday) / level, 0.5), 2.0)
            shrink = len(same_weekday) / (len(same_weekday) + WEEKDAY_SHRINK_WEEKS)
            expected = level * (1 + (factor - 1) * shrink)
        dispersion = DISPERSION_PRIOR
        if len(values) >= 2:
            mean = sum(values) / len(values)
            variance = sum((value - mean) ** 2 for value in values) / (len(values) - 1)
            observed = variance / mean if mean > 0 else DISPERSION_PRIOR
            weight = len(values)
            dispersion = (observed * weight + DISPERSION_PRIOR * DISPERSION_PRIOR_WEIGHT) / (
                weight + DISPERSION_PRIOR_WEIGHT
            )
        return max(expected, 1.0), min(max(dispersion, 1.0), MAX_DISPERSION)

    def push(self, bucket_start: datetime, count: float) -> Assessment:
        """Add the count of the bucket starting at ``bucket_start`` and assess the last 24 h."""
        if self._start is None:
            self._start = bucket_start
        self._flags.append(False)
        self._prefix.append(self._prefix[-1] + count)
        self._flag_prefix.append(self._flag_prefix[-1])
        at = bucket_start + self.bucket
        steps = self.steps_per_day
        volume = self.window_sum(len(self._flags), steps)
        history = len(self._flags) * self.bucket
        if (
            history < timedelta(hours=self.settings.min_history_hours)
            or len(self._flags) < 2 * steps
        ):
            return Assessment(at, volume, volume, 0.0, 0.0, False, False, None)
        expected, dispersion = self.baseline()
        growth = volume / expected - 1
        z = anscombe_z(volume, expected, dispersion)
        significant = (
            z >= self.settings.significance_z
            and volume - expected >= self.settings.min_excess_mentions
        )
        tier = growth_tier(growth, self.settings) if significant else None
        return Assessment(at, volume, expected, growth, z, True, significant, tier)


@dataclass(frozen=True, slots=True)
class AlertEpisode:
    """L-5: one alert the streaming detector raised: its tier and growth as known at ``start``."""

    start: datetime
    end: datetime
    tier: Tier
    growth: float

    def to_json(self) -> dict[str, object]:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "tier": self.tier.label,
            "growth": round(self.growth, 4),
        }


class EpisodeTracker:
    """L-5/L-6: turns assessments into alert episodes.

    An alert opens when a significant tier appears; a higher tier later closes it and opens the
    escalated alert (so each alert's tier and growth are what was known at its start); the
    episode ends once the volume has stayed below yellow for ``episode_end_hours``. ``onset`` is
    the first hour of the uninterrupted rise (z at least ``onset_z``) that led to the episode's
    first alert: L-6's cooling-off counts how long the heat has held from there.
    """

    def __init__(self, detector: GrowthDetector) -> None:
        self.detector = detector
        self.closed: list[AlertEpisode] = []
        self.current: AlertEpisode | None = None
        self.episode_start: datetime | None = None
        self.onset: datetime | None = None
        self._elevated_since: datetime | None = None
        self._quiet_since: datetime | None = None
        self._quiet_buckets = 0

    @property
    def in_episode(self) -> bool:
        return self.current is not None

    def observe(self, assessment: Assessment) -> AlertEpisode | None:
        """Feed one assessment; returns the alert opened (or escalated to) now, if any."""
        detector = self.detector
        tier = assessment.tier
        current = self.current
        if current is None:
            if assessment.z < detector.settings.onset_z:
                self._elevated_since = None
            elif self._elevated_since is None:
                self._elevated_since = assessment.at
            if tier is None:
                return None
            self.current = AlertEpisode(assessment.at, assessment.at, tier, assessment.growth)
            self.episode_start = assessment.at
            self.onset = self._elevated_since or assessment.at
            detector.mark_in_episode(detector.steps_per_day)
            self._quiet_buckets = 0
            return self.current
        detector.mark_in_episode(1)
        if tier is not None:
            self._quiet_buckets = 0
            self._quiet_since = None
            if tier > current.tier:
                self.closed.append(
                    AlertEpisode(current.start, assessment.at, current.tier, current.growth)
                )
                self.current = AlertEpisode(assessment.at, assessment.at, tier, assessment.growth)
                return self.current
            return None
        if self._quiet_buckets == 0:
            self._quiet_since = assessment.at
        self._quiet_buckets += 1
        if self._quiet_buckets * detector.bucket >= timedelta(
            hours=detector.settings.episode_end_hours
        ):
            end = self._quiet_since or assessment.at
            self.closed.append(AlertEpisode(current.start, end, current.tier, current.growth))
            self.current = None
            self.episode_start = None
            self.onset = None
            self._elevated_since = None
            self._quiet_buckets = 0
        return None

    def finish(self, at: datetime) -> list[AlertEpisode]:
        """All alerts, the open one ending at ``at`` (the end of the data)."""
        episodes = list(self.closed)
        if self.current is not None:
            episodes.append(
                AlertEpisode(self.current.start, at, self.current.tier, self.current.growth)
            )
        return episodes


@dataclass(frozen=True, slots=True)
class CountSeries:
    """Regular counts: ``counts[i]`` covers ``[start + i·bucket, start + (i+1)·bucket)``."""

    start: datetime
    bucket: timedelta
    counts: tuple[float, ...]

    @property
    def end(self) -> datetime:
        return self.start + self.bucket * len(self.counts)


def parse_count_csv(text: str) -> tuple[list[tuple[datetime, float]], list[LineError]]:
    """Rows of a ``timestamp,count`` CSV (header optional; naive timestamps are UTC)."""
    rows: list[tuple[datetime, float]] = []
    errors: list[LineError] = []
    for number, fields in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not fields or not "".join(fields).strip():
            continue
        if number == 1 and fields[0].strip().casefold() in ("timestamp", "time", "date", "ts"):
            continue
        if len(fields) != 2:
            errors.append(
                LineError(number, f"expected 2 fields (timestamp,count), got {len(fields)}")
            )
            continue
        try:
            moment = parse_timestamp(fields[0], UTC)
        except ValueError as error:
            errors.append(LineError(number, str(error)))
            continue
        try:
            count = float(fields[1])
        except ValueError:
            errors.append(LineError(number, f"count is not a number: {fields[1]!r}"))
            continue
        if not math.isfinite(count) or count < 0:
            errors.append(LineError(number, f"count must be a non-negative number: {fields[1]!r}"))
            continue
        rows.append((moment, count))
    if not rows and not errors:
        errors.append(LineError(1, "no data rows"))
    return rows, errors


def regular_series(rows: Sequence[tuple[datetime, float]]) -> CountSeries:
    """Aggregate rows to the detector's bucket: hourly for finer data, the data's own interval
    when it is coarser (it must divide a day). Missing buckets count zero; repeats are summed."""
    ordered = sorted(rows)
    gaps = [later[0] - earlier[0] for earlier, later in pairwise(ordered)]
    positive = [gap for gap in gaps if gap > timedelta(0)]
    interval = min(positive) if positive else HOUR
    if interval <= HOUR:
        bucket = HOUR
    elif DAY % interval == timedelta(0):
        bucket = interval
    else:
        raise ValueError(f"the interval {interval} does not divide a day; use hourly or daily data")
    epoch = datetime(1970, 1, 1, tzinfo=UTC)

    def floor(moment: datetime) -> datetime:
        return moment - (moment - epoch) % bucket

    start = floor(ordered[0][0])
    size = (floor(ordered[-1][0]) - start) // bucket + 1
    counts = [0.0] * size
    for moment, count in ordered:
        counts[(floor(moment) - start) // bucket] += count
    return CountSeries(start, bucket, tuple(counts))


def detect_alerts(
    series: CountSeries, settings: ListenSettings = DEFAULT_LISTEN_SETTINGS
) -> list[AlertEpisode]:
    """L-5: the alerts a streaming detector raises on ``series``, each decided before its start."""
    detector = GrowthDetector(settings, series.bucket)
    tracker = EpisodeTracker(detector)
    for index, count in enumerate(series.counts):
        tracker.observe(detector.push(series.start + index * series.bucket, count))
    return tracker.finish(series.end)


def assess_series(
    counts: Iterable[float], start: datetime, settings: ListenSettings = DEFAULT_LISTEN_SETTINGS
) -> list[Assessment]:
    """Hourly assessments of a count series (with episode bookkeeping), for inspection and tests."""
    detector = GrowthDetector(settings)
    tracker = EpisodeTracker(detector)
    assessments = []
    for index, count in enumerate(counts):
        assessment = detector.push(start + index * HOUR, count)
        tracker.observe(assessment)
        assessments.append(assessment)
    return assessments
