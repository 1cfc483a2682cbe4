"""What every platform fake shares: the shop state, its HTTP server and webhook delivery.

A fake keeps per-SKU quantities, sells from them (never beyond what it shows, like the real
platform), records when each stock update arrived and was applied (sync-latency measurement),
emulates 429 + ``Retry-After`` and slow acknowledgements, and delivers its order events signed
in its platform's format, optionally duplicated and shuffled.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from buzzstock.sim.local_server import serve


@dataclass(frozen=True)
class ReceivedUpdate:
    sku_ref: str
    quantity: int
    received_at: float
    """``time.monotonic()`` when the request arrived."""
    applied_at: float
    """``time.monotonic()`` when the value took effect (after the ack delay)."""


@dataclass
class FakeOrder:
    order_id: str
    lines: dict[str, int]
    status: str
    created_at: datetime
    updated_at: datetime


@dataclass
class FakeEvent:
    event_id: str
    order: FakeOrder
    status: str
    at: datetime
    extra: dict[str, str] = field(default_factory=dict)


class FakeShop:
    """Thread-safe shop state (the server runs in its own thread)."""

    def __init__(
        self,
        quantities: Mapping[str, int] | None = None,
        *,
        ack_delay: float | Callable[[], float] = 0.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.lock = threading.Lock()
        self.clock = clock
        """When buyers order: the hub's clock in tests that drive one, the wall otherwise."""
        self.quantities: dict[str, int] = dict(quantities or {})
        self.updates: list[ReceivedUpdate] = []
        self.orders: dict[str, FakeOrder] = {}
        self.accepted_units: dict[str, int] = {}
        self.pending_events: list[FakeEvent] = []
        self.auth_failures = 0
        self.requests = 0
        self._throttles: list[float] = []
        self._outages = 0
        self._ack_delay = ack_delay
        self._sequence = 1000

    def next_id(self) -> int:
        with self.lock:
            self._sequence += 1
            return self._sequence

    def ack_delay(self) -> float:
        delay = self._ack_delay() if callable(self._ack_delay) else self._ack_delay
        return max(0.0, delay)

    def throttle_next(self, count: int, retry_after: float) -> None:
        """The next ``count`` API requests get HTTP 429 with this ``Retry-After``."""
        with self.lock:
            self._throttles.extend([retry_after] * count)

    def fail_next(self, count: int) -> None:
        """The next ``count`` API requests get HTTP 503 (a platform outage)."""
        with self.lock:
            self._outages += count

    def take_throttle(self) -> float | None:
        with self.lock:
            self.requests += 1
            return self._throttles.pop(0) if self._throttles else None

    def take_outage(self) -> bool:
        with self.lock:
            if self._outages <= 0:
                return False
            self._outages -= 1
            return True

    def quantity(self, sku_ref: str) -> int:
        with self.lock:
            return self.quantities.get(sku_ref, 0)

    def apply_update(self, sku_ref: str, quantity: int, received_at: float) -> None:
        with self.lock:
            self.quantities[sku_ref] = quantity
            self.updates.append(ReceivedUpdate(sku_ref, quantity, received_at, time.monotonic()))

    def adjust(self, sku_ref: str, delta: int, received_at: float) -> None:
        """Add ``delta`` to the shown quantity (it may go below zero, selling nothing then)."""
        with self.lock:
            quantity = self.quantities.get(sku_ref, 0) + delta
            self.quantities[sku_ref] = quantity
            self.updates.append(ReceivedUpdate(sku_ref, quantity, received_at, time.monotonic()))

    def compare_and_set(
        self, sku_ref: str, expected: int | None, quantity: int, received_at: float
    ) -> int | None:
        """Apply ``quantity`` if the current value is ``expected`` (or ``expected`` is None);
        returns the current value when stale, None when applied."""
        with self.lock:
            current = self.quantities.get(sku_ref, 0)
            if expected is not None and expected != current:
                return current
            self.quantities[sku_ref] = quantity
            self.updates.append(ReceivedUpdate(sku_ref, quantity, received_at, time.monotonic()))
            return None

    def sell(
        self, sku_ref: str, quantity: int = 1, *, now: datetime | None = None
    ) -> FakeOrder | None:
        """A buyer orders on the platform: refused when it shows fewer units (like the real one)."""
        moment = now or self.clock()
        with self.lock:
            if self.quantities.get(sku_ref, 0) < quantity:
                return None
            self.quantities[sku_ref] -= quantity
            self._sequence += 1
            order = FakeOrder(str(self._sequence), {sku_ref: quantity}, "created", moment, moment)
            self.orders[order.order_id] = order
            self.accepted_units[sku_ref] = self.accepted_units.get(sku_ref, 0) + quantity
            self.pending_events.append(FakeEvent(uuid.uuid4().hex, order, "created", moment))
            return order

    def cancel(self, order_id: str, *, now: datetime | None = None) -> None:
        moment = now or self.clock()
        with self.lock:
            order = self.orders[order_id]
            if order.status == "cancelled":
                return
            order.status = "cancelled"
            order.updated_at = moment
            for sku_ref, units in order.lines.items():
                self.quantities[sku_ref] = self.quantities.get(sku_ref, 0) + units
                self.accepted_units[sku_ref] -= units
            self.pending_events.append(FakeEvent(uuid.uuid4().hex, order, "cancelled", moment))

    def take_events(self) -> list[FakeEvent]:
        with self.lock:
            events, self.pending_events = self.pending_events, []
            return events

    def requeue_events(self, events: list[FakeEvent]) -> None:
        """Put back events whose delivery failed, ahead of the newer ones."""
        with self.lock:
            self.pending_events[:0] = events


def problem(status: int, body: Mapping[str, object], retry_after: float | None = None) -> Response:
    headers = {} if retry_after is None else {"Retry-After": f"{retry_after:g}"}
    return JSONResponse(dict(body), status_code=status, headers=headers)


class PlatformFake(ABC):
    """One platform's fake: a Starlette app over a ``FakeShop``."""

    def __init__(self, shop: FakeShop | None = None) -> None:
        self.shop = shop or FakeShop()
        self.base_url = ""
        self.app = self.build_app()

    @abstractmethod
    def build_app(self) -> Starlette:
        """The platform's routes, speaking its documented format."""

    def throttled(self) -> Response | None:
        """A 503 or 429 when one was scheduled with ``shop.fail_next`` / ``throttle_next``."""
        if self.shop.take_outage():
            return problem(503, {"error": "service unavailable"})
        retry_after = self.shop.take_throttle()
        if retry_after is None:
            return None
        return problem(429, {"error": "rate limited"}, retry_after)

    async def applied(self, request_started: float, updates: Mapping[str, int]) -> None:
        await asyncio.sleep(self.shop.ack_delay())
        for sku_ref, quantity in updates.items():
            self.shop.apply_update(sku_ref, quantity, request_started)

    @contextmanager
    def running(self) -> Iterator[str]:
        with serve(self.app) as base_url:
            self.base_url = base_url
            yield base_url


class OrderEmitter(PlatformFake):
    """A fake whose platform pushes order events to a webhook URL."""

    @abstractmethod
    def render(self, event: FakeEvent, target_url: str) -> tuple[dict[str, str], bytes]:
        """Headers and raw body of one delivery, signed as the platform signs it."""

    async def deliver_events(
        self,
        target_url: str,
        *,
        duplicates: float = 0.0,
        shuffle: bool = False,
        rng: random.Random | None = None,
        client: httpx.AsyncClient | None = None,
        concurrency: int = 1,
    ) -> list[int]:
        """POST every pending event; ``duplicates`` is the share delivered twice, and up to
        ``concurrency`` deliveries are in flight at once (platforms do not wait for one
        delivery's answer before sending the next). Returns the HTTP status of each delivery,
        0 for one that got no answer in time. As the platforms do, an event whose delivery got
        no answer, a 429 or a 5xx stays pending for the next call (a later retry)."""
        chooser = rng or random.Random(0)
        deliveries: list[tuple[FakeEvent, dict[str, str], bytes]] = []
        for event in self.shop.take_events():
            headers, body = self.render(event, target_url)
            deliveries.append((event, headers, body))
            if chooser.random() < duplicates:
                deliveries.append((event, headers, body))
        if shuffle:
            chooser.shuffle(deliveries)
        owned = client is None
        http = client or httpx.AsyncClient(timeout=10.0)
        slots = asyncio.Semaphore(max(1, concurrency))
        retry: dict[str, FakeEvent] = {}

        async def post(event: FakeEvent, headers: dict[str, str], body: bytes) -> int:
            async with slots:
                try:
                    status = (
                        await http.post(target_url, content=body, headers=headers)
                    ).status_code
                except httpx.TransportError:
                    status = 0
            if status in (0, 429) or status >= 500:
                retry[event.event_id] = event
            return status

        try:
            return list(await asyncio.gather(*(post(*delivery) for delivery in deliveries)))
        finally:
            self.shop.requeue_events(list(retry.values()))
            if owned:
                await http.aclose()


def received(request: Request) -> float:
    """Arrival time of a request (monotonic), taken before any emulated delay."""
    started: float = request.scope.setdefault("buzzstock.received_at", time.monotonic())
    return started
