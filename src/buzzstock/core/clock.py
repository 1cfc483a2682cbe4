"""The injectable clock: every rule reads time from here, never from the wall directly."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class AdvancingClock(Clock, Protocol):
    """A clock that can be moved forward (the demo, tests, the backtest)."""

    def advance(self, delta: timedelta) -> datetime: ...


class ShiftedClock:
    """The wall clock moved forward on request: a demo skips waiting (an undo window, a
    delivery) while everything else keeps running in real time."""

    def __init__(self) -> None:
        self._offset = timedelta(0)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return datetime.now(UTC) + self._offset

    def advance(self, delta: timedelta) -> datetime:
        with self._lock:
            self._offset += delta
        return self.now()


class ManualClock:
    """A clock that only moves when told to: for tests, the simulator and the backtest."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 3, 1, 20, 0, tzinfo=UTC)
        if self._now.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start")
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, delta: timedelta) -> datetime:
        with self._lock:
            self._now += delta
            return self._now

    def set(self, instant: datetime) -> None:
        if instant.tzinfo is None:
            raise ValueError("ManualClock needs timezone-aware instants")
        with self._lock:
            self._now = instant


def as_utc(value: datetime) -> datetime:
    """Read back a stored timestamp as UTC (SQLite returns naive datetimes)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def utc_timestamp(value: datetime) -> float:
    return as_utc(value).timestamp()


ZERO = timedelta(0)
