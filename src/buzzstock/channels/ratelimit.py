"""Per-channel rate limiting: a token bucket adaptive on 429s, and Shopify's cost bucket.

S-6: platforms limit API calls (default 120 per minute). The bucket's refill rate is derived so
that the burst plus everything refilled within one window never exceeds the window's budget:
no window of ``window_seconds`` ever sees more than ``calls`` requests, whatever the timing.
Time and sleeping are injected so tests run on a virtual clock.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from email.utils import parsedate_to_datetime

from buzzstock.channels.settings import ChannelSettings

MonotonicClock = Callable[[], float]
Sleeper = Callable[[float], Awaitable[None]]

TOKEN_EPSILON = 1e-9
"""Rounding slack: without it a refill landing a hair below one token would ask for a sleep
shorter than the clock's resolution and spin."""


class TokenBucket:
    """S-6: at most ``rate_limit_calls`` calls in any ``rate_limit_window_seconds`` window.

    Adaptive: ``throttled(retry_after)`` blocks every caller until the platform's
    ``Retry-After`` has passed, keeps at most one token (no burst after a 429) and slows the
    refill; ``succeeded()`` wins the rate
    back step by step.
    """

    def __init__(
        self,
        settings: ChannelSettings = ChannelSettings(),
        *,
        clock: MonotonicClock = time.monotonic,
        sleep: Sleeper = asyncio.sleep,
    ) -> None:
        self._settings = settings
        self._clock = clock
        self._sleep = sleep
        self._capacity = float(settings.rate_limit_burst)
        self._full_rate = (
            settings.rate_limit_calls - settings.rate_limit_burst
        ) / settings.rate_limit_window_seconds
        self._rate_share = 1.0
        self._tokens = self._capacity
        self._updated_at = clock()
        self._blocked_until = float("-inf")
        self._lock = asyncio.Lock()

    @property
    def rate_per_second(self) -> float:
        """The refill rate in effect now (lowered after 429s)."""
        return self._full_rate * self._rate_share

    def _refill(self, now: float) -> None:
        elapsed = max(0.0, now - self._updated_at)
        self._tokens = min(self._capacity, self._tokens + elapsed * self.rate_per_second)
        self._updated_at = max(self._updated_at, now)

    def delay_before_next(self) -> float:
        """Seconds a call made now would wait (0 when it could go at once)."""
        now = self._clock()
        self._refill(now)
        if now < self._blocked_until:
            return self._blocked_until - now
        if self._tokens >= 1.0 - TOKEN_EPSILON:
            return 0.0
        return (1.0 - self._tokens) / self.rate_per_second

    async def acquire(self) -> float:
        """Wait for a token and take it; returns the seconds waited. Callers queue in order."""
        waited = 0.0
        async with self._lock:
            while True:
                delay = self.delay_before_next()
                if delay <= 0.0:
                    self._tokens -= 1.0
                    return waited
                await self._sleep(delay)
                waited += delay

    def throttled(self, retry_after: float | None) -> float:
        """Record an HTTP 429 (or a platform throttle error); returns the pause applied."""
        pause = self._settings.default_retry_after_seconds if retry_after is None else retry_after
        now = self._clock()
        self._refill(now)
        self._blocked_until = max(self._blocked_until, now + max(0.0, pause))
        # One call may go as soon as the block ends, the rest at the slowed rate: the bucket
        # keeps at most one token and refills nothing while blocked, so no burst follows a 429.
        self._tokens = min(self._tokens, 1.0)
        self._updated_at = self._blocked_until
        self._rate_share = max(
            self._settings.throttle_min_rate_share,
            self._rate_share * self._settings.throttle_slowdown_factor,
        )
        return pause

    def succeeded(self) -> None:
        now = self._clock()
        self._refill(now)
        self._rate_share = min(1.0, self._rate_share + self._settings.throttle_recovery_step)


class CostBucket:
    """Shopify GraphQL's leaky bucket of query-cost points, mirrored from every response.

    S-6: the figures change by plan and over time, so they are read from
    ``extensions.cost.throttleStatus`` (``maximumAvailable``, ``currentlyAvailable``,
    ``restoreRate``) instead of being hard-coded; until the first response the bucket trusts
    the caller's estimate.
    """

    def __init__(
        self,
        *,
        maximum: float = 1000.0,
        restore_rate: float = 50.0,
        clock: MonotonicClock = time.monotonic,
        sleep: Sleeper = asyncio.sleep,
    ) -> None:
        self._maximum = maximum
        self._available = maximum
        self._restore_rate = restore_rate
        self._clock = clock
        self._sleep = sleep
        self._updated_at = clock()
        self._lock = asyncio.Lock()

    @property
    def available(self) -> float:
        self._restore(self._clock())
        return self._available

    @property
    def restore_rate(self) -> float:
        return self._restore_rate

    def _restore(self, now: float) -> None:
        elapsed = max(0.0, now - self._updated_at)
        self._available = min(self._maximum, self._available + elapsed * self._restore_rate)
        self._updated_at = now

    def wait_for(self, cost: float) -> float:
        """Seconds until ``cost`` points are available."""
        now = self._clock()
        self._restore(now)
        missing = min(cost, self._maximum) - self._available
        return 0.0 if missing <= TOKEN_EPSILON else missing / self._restore_rate

    async def reserve(self, cost: float) -> float:
        waited = 0.0
        async with self._lock:
            while (delay := self.wait_for(cost)) > 0:
                await self._sleep(delay)
                waited += delay
            self._available -= min(cost, self._maximum)
            return waited

    def observe(self, *, maximum: float, currently_available: float, restore_rate: float) -> None:
        self._maximum = maximum
        self._available = min(maximum, currently_available)
        self._restore_rate = max(restore_rate, 1e-6)
        self._updated_at = self._clock()


def parse_retry_after(value: str | None, *, now_epoch: float) -> float | None:
    """``Retry-After`` as seconds: either delta-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - now_epoch)
