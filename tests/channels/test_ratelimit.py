"""Rate limiter properties on a virtual clock: the window budget holds whatever the timing."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from buzzstock.channels.ratelimit import CostBucket, TokenBucket, parse_retry_after
from buzzstock.channels.settings import ChannelSettings


class VirtualTime:
    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


def most_calls_in_any_window(stamps: list[float], window: float) -> int:
    best = 0
    for index, start in enumerate(stamps):
        best = max(best, sum(1 for t in stamps[index:] if t <= start + window + 1e-9))
    return best


@settings(max_examples=60, deadline=None)
@given(
    calls=st.integers(min_value=3, max_value=40),
    burst=st.integers(min_value=1, max_value=10),
    gaps=st.lists(st.floats(min_value=0, max_value=3), min_size=1, max_size=120),
    throttles=st.lists(st.integers(min_value=0, max_value=119), max_size=4),
)
def test_never_more_than_the_budget_in_any_window(
    calls: int, burst: int, gaps: list[float], throttles: list[int]
) -> None:
    burst = min(burst, calls - 1)
    config = ChannelSettings(
        rate_limit_calls=calls, rate_limit_window_seconds=10.0, rate_limit_burst=burst
    )
    time = VirtualTime()
    bucket = TokenBucket(config, clock=time.clock, sleep=time.sleep)
    stamps: list[float] = []

    async def run() -> None:
        for index, gap in enumerate(gaps):
            time.now += gap
            await bucket.acquire()
            stamps.append(time.now)
            if index in throttles:
                blocked = bucket.throttled(1.5)
                assert blocked == 1.5
                assert bucket.delay_before_next() >= 1.5 - 1e-9
            else:
                bucket.succeeded()

    asyncio.run(run())
    assert most_calls_in_any_window(stamps, 10.0) <= calls


def test_default_is_120_calls_per_minute_even_when_hammered() -> None:
    time = VirtualTime()
    bucket = TokenBucket(clock=time.clock, sleep=time.sleep)

    async def run() -> list[float]:
        stamps = []
        for _ in range(600):
            await bucket.acquire()
            stamps.append(time.now)
        return stamps

    stamps = asyncio.run(run())
    assert most_calls_in_any_window(stamps, 60.0) == 120
    assert stamps[-1] == pytest.approx((600 - 10) / (110 / 60), rel=1e-6)


def test_429_slows_the_rate_and_success_wins_it_back() -> None:
    time = VirtualTime()
    bucket = TokenBucket(clock=time.clock, sleep=time.sleep)
    full = bucket.rate_per_second
    bucket.throttled(None)
    assert bucket.rate_per_second == pytest.approx(full * 0.5)
    assert bucket.delay_before_next() == pytest.approx(1.0)
    for _ in range(10):
        bucket.succeeded()
    assert bucket.rate_per_second == pytest.approx(full)


def test_concurrent_callers_share_one_bucket() -> None:
    time = VirtualTime()
    config = ChannelSettings(
        rate_limit_calls=20, rate_limit_window_seconds=10.0, rate_limit_burst=5
    )
    bucket = TokenBucket(config, clock=time.clock, sleep=time.sleep)
    stamps: list[float] = []

    async def caller() -> None:
        for _ in range(10):
            await bucket.acquire()
            stamps.append(time.now)

    async def run() -> None:
        await asyncio.gather(*(caller() for _ in range(6)))

    asyncio.run(run())
    stamps.sort()
    assert len(stamps) == 60
    assert most_calls_in_any_window(stamps, 10.0) <= 20


def test_cost_bucket_waits_for_restored_points() -> None:
    time = VirtualTime()
    bucket = CostBucket(maximum=100, restore_rate=50, clock=time.clock, sleep=time.sleep)
    bucket.observe(maximum=100, currently_available=10, restore_rate=50)

    async def run() -> float:
        return await bucket.reserve(60)

    assert asyncio.run(run()) == pytest.approx(1.0)
    assert bucket.available == pytest.approx(0.0)


def test_retry_after_accepts_seconds_and_http_dates() -> None:
    now = datetime(2026, 3, 1, 20, 0, tzinfo=UTC)
    later = format_datetime(now + timedelta(seconds=30), usegmt=True)
    assert parse_retry_after("2.5", now_epoch=now.timestamp()) == 2.5
    assert parse_retry_after(later, now_epoch=now.timestamp()) == pytest.approx(30)
    assert parse_retry_after(None, now_epoch=0) is None
    assert parse_retry_after("soon", now_epoch=0) is None
