"""L-8/L-9: trend lifecycle phase, a 30-day Bass-diffusion heat forecast with uncertainty, the
best buying window, a risk level, and the decline signal."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

import numpy as np
from scipy.optimize import OptimizeWarning, curve_fit

from buzzstock.listen.settings import DEFAULT_LISTEN_SETTINGS, ListenSettings

FORECAST_DRAWS = 200
MIN_FIT_DAYS = 3


class Phase(StrEnum):
    """L-8: where a trend stands."""

    QUIET = "quiet"
    EARLY_SPREAD = "early_spread"
    RAPID_RISE = "rapid_rise"
    PEAK = "peak"
    EARLY_DECLINE = "early_decline"


def smoothed(values: Sequence[float], weight: float) -> list[float]:
    """Exponentially smoothed series (``weight`` on the newest value)."""
    result: list[float] = []
    for value in values:
        result.append(value if not result else weight * value + (1 - weight) * result[-1])
    return result


def declining_days(
    daily: Sequence[float], settings: ListenSettings = DEFAULT_LISTEN_SETTINGS
) -> int:
    """L-9: how many of the latest days in a row the smoothed volume fell by more than
    ``decline_drop`` on the day before."""
    series = smoothed(daily, settings.decline_smoothing)
    run = 0
    for index in range(len(series) - 1, 0, -1):
        previous = series[index - 1]
        if previous > 0 and series[index] < previous * (1 - settings.decline_drop):
            run += 1
        else:
            break
    return run


def decline_signal(
    daily: Sequence[float], settings: ListenSettings = DEFAULT_LISTEN_SETTINGS
) -> bool:
    """L-9: volume down more than 15 % three days in a row (on the smoothed daily series)."""
    return declining_days(daily, settings) >= settings.decline_days


def phase_of(
    growth: float,
    in_trend: bool,
    daily: Sequence[float],
    settings: ListenSettings = DEFAULT_LISTEN_SETTINGS,
) -> Phase:
    """L-8: early spread (< +100 %), rapid rise (+100–200 %), peak (> +200 %), early decline
    (the smoothed daily volume has started to fall from its high)."""
    if not in_trend and growth < settings.early_spread_max_growth:
        return Phase.QUIET
    series = smoothed(daily, settings.decline_smoothing)
    if (
        len(series) >= 2
        and series[-1] < max(series) * (1 - settings.decline_drop)
        and (series[-1] < series[-2])
    ):
        return Phase.EARLY_DECLINE
    if growth > settings.peak_min_growth:
        return Phase.PEAK
    if growth >= settings.early_spread_max_growth:
        return Phase.RAPID_RISE
    return Phase.EARLY_SPREAD


def bass_cumulative(t: np.ndarray, m: float, p: float, q: float) -> np.ndarray:
    """Bass diffusion: cumulative adopters after ``t`` days (market ``m``, innovation ``p``,
    imitation ``q``)."""
    decay = np.exp(-(p + q) * t)
    return np.asarray(m * (1 - decay) / (1 + (q / p) * decay))


@dataclass(frozen=True, slots=True)
class Forecast:
    """L-8: expected daily heat (mentions) for the next days, with an 80 % band."""

    first_day: date
    expected: tuple[float, ...]
    low: tuple[float, ...]
    high: tuple[float, ...]
    peak_day: date
    best_window_start: date
    best_window_end: date
    risk: str

    def to_json(self) -> dict[str, object]:
        return {
            "first_day": self.first_day.isoformat(),
            "expected": [round(value, 1) for value in self.expected],
            "low": [round(value, 1) for value in self.low],
            "high": [round(value, 1) for value in self.high],
            "peak_day": self.peak_day.isoformat(),
            "best_window": [self.best_window_start.isoformat(), self.best_window_end.isoformat()],
            "risk": self.risk,
        }


def forecast(
    daily_since_start: Sequence[float],
    baseline_per_day: float,
    today: date,
    fake_heat_probability: float = 0.0,
    settings: ListenSettings = DEFAULT_LISTEN_SETTINGS,
) -> Forecast | None:
    """L-8: fit a Bass curve to the trend's excess daily volume and project ``forecast_days``.

    The band comes from 200 draws of the fitted parameters (their covariance); the best window
    to replenish runs from today to the expected peak (stock should land before it). Risk is
    high with fake heat, a wide band or a trend already past its peak. None before three days.
    """
    if len(daily_since_start) < MIN_FIT_DAYS:
        return None
    excess = np.clip(np.asarray(daily_since_start, dtype=float) - baseline_per_day, 0, None)
    days = np.arange(1, len(excess) + 1, dtype=float)
    cumulative = np.cumsum(excess)
    total = float(cumulative[-1])
    if total <= 0:
        return None
    start = (max(total * 3, 1.0), 0.01, 0.4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OptimizeWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            params, covariance = curve_fit(
                bass_cumulative,
                days,
                cumulative,
                p0=start,
                bounds=([total, 1e-4, 1e-3], [total * 50, 0.5, 3.0]),
                maxfev=5000,
            )
        except (RuntimeError, ValueError):
            return None
    horizon = np.arange(len(excess), len(excess) + settings.forecast_days + 1, dtype=float)
    rng = np.random.default_rng(0)
    if np.all(np.isfinite(covariance)):
        draws = rng.multivariate_normal(params, covariance, FORECAST_DRAWS, check_valid="ignore")
    else:
        draws = np.tile(params, (FORECAST_DRAWS, 1))
    draws[:, 0] = np.clip(draws[:, 0], total, None)
    draws[:, 1] = np.clip(draws[:, 1], 1e-4, 0.5)
    draws[:, 2] = np.clip(draws[:, 2], 1e-3, 3.0)
    paths = np.array([np.diff(bass_cumulative(horizon, *draw)) for draw in draws])
    expected = np.diff(bass_cumulative(horizon, *params)) + baseline_per_day
    low = np.percentile(paths, 10, axis=0) + baseline_per_day
    high = np.percentile(paths, 90, axis=0) + baseline_per_day
    _, p, q = (float(value) for value in params)
    peak_offset = math.log(q / p) / (p + q) if q > p else 0.0
    peak_day = today + timedelta(days=max(0.0, peak_offset - len(excess)))
    past_peak = peak_offset <= len(excess)
    width = float(np.max(high - low)) / max(float(np.max(expected)), 1.0)
    if fake_heat_probability >= settings.fake_heat_probability_alert / 2 or past_peak:
        risk = "high"
    elif width > 1.0:
        risk = "medium"
    else:
        risk = "low"
    return Forecast(
        first_day=today + timedelta(days=1),
        expected=tuple(float(value) for value in expected),
        low=tuple(float(value) for value in low),
        high=tuple(float(value) for value in high),
        peak_day=peak_day,
        best_window_start=today,
        best_window_end=max(today, peak_day),
        risk=risk,
    )
