"""The HTTP path every adapter shares: rate limit, timeouts, retries with full-jitter backoff.

S-6: retry on timeouts and 5xx with ``sleep = random(0, min(cap, base * 2**n))``; on 429 honour
``Retry-After`` through the channel's token bucket. Pushes return at the first 429 (the outbox
resends the latest value later, so a burst is coalesced); reads retry through it.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Mapping
from typing import Any

import httpx

from buzzstock.channels.base import ChannelRejected, ChannelThrottled, ChannelUnavailable
from buzzstock.channels.ratelimit import Sleeper, TokenBucket, parse_retry_after
from buzzstock.channels.settings import ChannelSettings


class ChannelTransport:
    def __init__(
        self,
        base_url: str,
        *,
        settings: ChannelSettings = ChannelSettings(),
        limiter: TokenBucket | None = None,
        client: httpx.AsyncClient | None = None,
        sleep: Sleeper = asyncio.sleep,
        rng: random.Random | None = None,
        headers: Mapping[str, str] | None = None,
        auth: httpx.Auth | tuple[str, str] | None = None,
    ) -> None:
        self.settings = settings
        self.limiter = limiter or TokenBucket(settings)
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._client = client or httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            timeout=settings.request_timeout_seconds,
            headers=dict(headers or {}),
            auth=auth,
        )

    @property
    def client(self) -> httpx.AsyncClient:
        return self._client

    def backoff(self, attempt: int) -> float:
        ceiling = min(
            self.settings.backoff_cap_seconds, self.settings.backoff_base_seconds * 2**attempt
        )
        return self._rng.uniform(0.0, ceiling)

    async def request(
        self,
        method: str,
        url: str,
        *,
        retry_throttled: bool,
        **kwargs: Any,
    ) -> httpx.Response:
        """Send one request; returns any response below 400 or a 4xx other than 429.

        Raises ``ChannelThrottled`` on 429 (at once for pushes, after ``max_attempts`` for
        reads) and ``ChannelUnavailable`` when timeouts or 5xx outlast every attempt.
        """
        last_problem = "no attempt made"
        for attempt in range(self.settings.max_attempts):
            await self.limiter.acquire()
            try:
                response = await self._client.request(method, url, **kwargs)
            except httpx.TransportError as error:
                last_problem = f"{type(error).__name__}: {error}"
                await self._sleep(self.backoff(attempt))
                continue
            if response.status_code == 429:
                retry_after = self.limiter.throttled(
                    parse_retry_after(response.headers.get("retry-after"), now_epoch=time.time())
                )
                if not retry_throttled or attempt == self.settings.max_attempts - 1:
                    raise ChannelThrottled(retry_after, f"HTTP 429 from {url}")
                continue
            if response.status_code >= 500:
                last_problem = f"HTTP {response.status_code} from {url}"
                await self._sleep(self.backoff(attempt))
                continue
            self.limiter.succeeded()
            return response
        raise ChannelUnavailable(last_problem)

    async def json(self, method: str, url: str, *, retry_throttled: bool, **kwargs: Any) -> Any:
        """``request`` and decode JSON, turning 4xx into ``ChannelRejected``."""
        response = await self.request(method, url, retry_throttled=retry_throttled, **kwargs)
        if response.status_code >= 400:
            raise ChannelRejected(f"HTTP {response.status_code} from {url}: {response.text[:300]}")
        if not response.content:
            return {}
        return response.json()

    async def aclose(self) -> None:
        await self._client.aclose()
