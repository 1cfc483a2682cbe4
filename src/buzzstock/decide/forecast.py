"""D-9: the heat curve and the 2–4 week demand forecast a supplier sees for its own products.

The forecast is deliberately simple and explainable: a straight line through the logarithm of
the daily heat over the recent history (exponential growth or decay), projected week by week.
Demand follows heat at the rate this product has actually sold per heat point and day so far;
without sales there is no demand figure, only the heat projection.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class DailyHeat:
    """Average heat on ``day`` (0 = today, negative = days ago)."""

    day: int
    heat: float


@dataclass(frozen=True)
class WeekForecast:
    week: int
    average_heat: float
    units: float | None


@dataclass(frozen=True)
class HeatForecast:
    daily_growth: float
    weeks: tuple[WeekForecast, ...]


def forecast_heat(
    history: Sequence[DailyHeat], weeks: int, units_per_heat_day: float | None
) -> HeatForecast:
    """D-9: average heat (and units) for each of the next ``weeks`` weeks.

    ``daily_growth`` is the fitted day-over-day factor minus one (0.1 = +10 % a day). One day
    of history gives a flat projection.
    """
    usable = [point for point in history if point.heat > 0]
    if not usable:
        return HeatForecast(
            0.0, tuple(WeekForecast(week, 0.0, None) for week in range(1, weeks + 1))
        )
    days = np.array([point.day for point in usable], dtype=float)
    logs = np.log(np.array([point.heat for point in usable], dtype=float))
    if len(set(days.tolist())) < 2:
        slope, intercept = 0.0, float(logs.mean())
    else:
        slope, intercept = (float(value) for value in np.polyfit(days, logs, 1))
    result = []
    for week in range(1, weeks + 1):
        span = range(7 * (week - 1) + 1, 7 * week + 1)
        average = sum(math.exp(intercept + slope * day) for day in span) / 7
        units = None if units_per_heat_day is None else average * 7 * units_per_heat_day
        result.append(
            WeekForecast(week, round(average, 1), None if units is None else round(units, 1))
        )
    return HeatForecast(round(math.exp(slope) - 1, 4), tuple(result))
