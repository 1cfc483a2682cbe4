"""The outbox dispatcher: every recorded event reaches every consumer at least once.

Capabilities write events with ``buzzstock.core.events.record_event`` in the transaction of their
state change. A ``Dispatcher`` pass then

1. fans new events out: one ``outbox_deliveries`` row per matching consumer, either an in-process
   handler (``handler:<name>``) or an HTTP subscription (``webhook:<subscription id>``), and marks
   the events fanned out, all in one transaction;
2. claims due deliveries by giving them a lease (state ``in_flight``, lease expiry stored in
   ``next_attempt_at``), committed before any delivery starts; on PostgreSQL the claim uses
   ``SELECT ... FOR UPDATE SKIP LOCKED`` so several workers share the outbox without handing the
   same delivery out twice at the same time (on SQLite ``BEGIN IMMEDIATE`` serialises claims);
3. delivers outside any transaction: calls the handler, or POSTs ``Event.body()`` signed per
   Standard Webhooks (``buzzstock.core.webhooks``); a 2xx answer counts as delivered;
4. records the outcome, only if it still holds the lease: delivered, or a retry after exponential
   backoff with full jitter, or ``dead`` after ``max_attempts`` failures.

At least once: a worker that dies between claim and outcome leaves its lease behind; once the lease
expires another pass reclaims the delivery (counting the lost try as a failed attempt) and delivers
it again. Consumers therefore see an event more than once in rare cases and must be idempotent by
event id (the ``webhook-id`` header carries it). Order between events is not guaranteed.

Every worker must register the same in-process handlers (import the same modules): a pass fans out
to the handlers registered in its process and only claims deliveries whose consumer it can serve.

In-process handlers are registered in ``buzzstock.core.handler_registry``; HTTP subscribers are
managed in ``buzzstock.core.subscriptions``; dead letters, retrying them and counts per state are
in ``buzzstock.core.deliveries``.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any, Protocol

import httpx
from sqlalchemy import Connection, false, insert, or_, select, true, update
from sqlalchemy.exc import DBAPIError

from buzzstock.core.clock import as_utc
from buzzstock.core.context import Context, open_context
from buzzstock.core.events import Event, outbox_deliveries, outbox_events, webhook_subscriptions
from buzzstock.core.handler_registry import (
    HANDLER_PREFIX,
    HandlerRegistry,
    event_type_matches,
    handlers,
)
from buzzstock.core.settings import CoreSettings, OutboxSettings
from buzzstock.core.webhooks import signed_headers

logger = logging.getLogger(__name__)

PENDING = "pending"
IN_FLIGHT = "in_flight"
DELIVERED = "delivered"
DEAD = "dead"
STATES = (PENDING, IN_FLIGHT, DELIVERED, DEAD)

WEBHOOK_PREFIX = "webhook:"
MAX_ERROR_CHARS = 1000
LEASE_EXPIRED_ERROR = "lease expired: the worker stopped before reporting the delivery"
LEASE_MARGIN = timedelta(seconds=60)
# 2**60 times any positive base exceeds every sensible cap; larger exponents would overflow floats.
MAX_BACKOFF_EXPONENT = 60


class StopSignal(Protocol):
    """``threading.Event`` or ``multiprocessing.Event``."""

    def is_set(self) -> bool: ...

    def wait(self, timeout: float | None = None) -> bool: ...


def backoff_ceiling_seconds(failed_attempts: int, settings: OutboxSettings) -> float:
    """Longest wait after the n-th failure: base * 2**(n-1), capped at backoff_max_seconds."""
    exponent = min(max(failed_attempts - 1, 0), MAX_BACKOFF_EXPONENT)
    return float(min(settings.backoff_max_seconds, settings.backoff_base_seconds * 2**exponent))


def retry_delay(failed_attempts: int, settings: OutboxSettings, rng: random.Random) -> timedelta:
    """Full jitter: a uniform wait between zero and the ceiling, so retries spread out."""
    return timedelta(seconds=rng.uniform(0.0, backoff_ceiling_seconds(failed_attempts, settings)))


# --- dispatcher ---------------------------------------------------------------------------------


@dataclass
class DispatchStats:
    fanned_out_events: int = 0
    deliveries_created: int = 0
    claimed: int = 0
    reclaimed_leases: int = 0
    delivered: int = 0
    retried: int = 0
    dead: int = 0
    lost_leases: int = 0

    @property
    def idle(self) -> bool:
        """Nothing was fanned out or claimed: the outbox has no due work right now."""
        return self.fanned_out_events == 0 and self.claimed == 0 and self.dead == 0

    def add(self, other: DispatchStats) -> None:
        for item in fields(self):
            setattr(self, item.name, getattr(self, item.name) + getattr(other, item.name))


@dataclass(frozen=True)
class ClaimedDelivery:
    """A delivery this dispatcher holds a lease on, with what it needs to deliver it."""

    delivery_id: int
    consumer: str
    attempts: int
    lease_until: datetime
    event: Event
    url: str | None = None
    secret: str | None = None
    subscription_active: bool = field(default=True)


@dataclass(frozen=True)
class DeliveryOutcome:
    ok: bool
    error: str | None = None
    permanent: bool = False
    """A failure that no retry can fix (the subscription is gone): dead-lettered at once."""


class Dispatcher:
    """Moves events from the outbox to their consumers; see the module docstring.

    ``http_client`` is used as given (and not closed); without one the dispatcher makes its own
    and closes it in ``close()``. ``lease`` overrides how long a claim stays exclusive (by
    default: the request timeout times the batch's size plus a minute). ``rng`` makes the jitter
    reproducible.
    """

    def __init__(
        self,
        ctx: Context,
        http_client: httpx.Client | None = None,
        *,
        registry: HandlerRegistry | None = None,
        lease: timedelta | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.ctx = ctx
        self.settings: OutboxSettings = ctx.settings.outbox
        self.registry = registry if registry is not None else handlers
        self._lease = lease
        self._rng = rng or random.Random()
        self._owns_client = http_client is None
        self._client = http_client or httpx.Client(
            timeout=self.settings.request_timeout_seconds, follow_redirects=False
        )

    def __enter__(self) -> Dispatcher:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._owns_client:
            self._client.close()

    # One pass -------------------------------------------------------------------------------

    def run_once(self, stop: StopSignal | None = None) -> DispatchStats:
        """Fan out new events, claim due deliveries, deliver them and record the outcomes.

        When ``stop`` is set during the pass, the deliveries not yet started are handed back
        (pending again at once) instead of waiting for their lease to expire.
        """
        stats = self.fan_out()
        claimed = self.claim(stats)
        for index, delivery in enumerate(claimed):
            if stop is not None and stop.is_set():
                self.hand_back(claimed[index:])
                break
            self.complete(delivery, self.deliver(delivery), stats)
        return stats

    def hand_back(self, deliveries: list[ClaimedDelivery]) -> None:
        """Give up the leases of claimed deliveries that were not started: due again now."""
        table = outbox_deliveries.c
        now = as_utc(self.ctx.clock.now())
        with self.ctx.engine.begin() as connection:
            for delivery in deliveries:
                connection.execute(
                    update(outbox_deliveries)
                    .where(
                        table.id == delivery.delivery_id,
                        table.state == IN_FLIGHT,
                        table.next_attempt_at == delivery.lease_until,
                    )
                    .values(state=PENDING, next_attempt_at=now)
                )

    def run_until_idle(self, max_passes: int = 100) -> DispatchStats:
        """Run passes until one finds nothing due (or ``max_passes``); returns the summed stats.

        Deliveries waiting for a retry time in the future do not count as due.
        """
        total = DispatchStats()
        for _ in range(max_passes):
            stats = self.run_once()
            total.add(stats)
            if stats.idle:
                break
        return total

    def run_forever(self, stop_event: StopSignal, poll_interval: float = 1.0) -> None:
        """The worker loop: pass after pass, sleeping ``poll_interval`` s when idle, until stopped.

        A database error (e.g. the database restarting) is logged and the loop carries on after
        the poll interval: nothing is lost, unfinished claims come back when their lease expires.
        """
        while not stop_event.is_set():
            try:
                stats = self.run_once(stop_event)
            except DBAPIError:
                logger.exception("outbox pass failed; retrying in %.1f s", poll_interval)
                stop_event.wait(poll_interval)
                continue
            if stats.idle:
                stop_event.wait(poll_interval)

    # Steps ----------------------------------------------------------------------------------

    def fan_out(self) -> DispatchStats:
        """One delivery per matching consumer for a batch of new events, in one transaction."""
        stats = DispatchStats()
        now = as_utc(self.ctx.clock.now())
        registered = self.registry.all()
        with self.ctx.engine.begin() as connection:
            events = (
                connection.execute(
                    select(
                        outbox_events.c.seq,
                        outbox_events.c.event_id,
                        outbox_events.c.event_type,
                    )
                    .where(outbox_events.c.fanned_out == false())
                    .order_by(outbox_events.c.seq)
                    .limit(self.settings.batch_size)
                    .with_for_update(skip_locked=True)
                )
                .mappings()
                .all()
            )
            if not events:
                return stats
            subscriptions = (
                connection.execute(
                    select(webhook_subscriptions.c.id, webhook_subscriptions.c.event_types).where(
                        webhook_subscriptions.c.active == true()
                    )
                )
                .mappings()
                .all()
            )
            rows: list[dict[str, Any]] = []
            for event in events:
                consumers = [h.consumer for h in registered if h.wants(event["event_type"])]
                consumers += [
                    WEBHOOK_PREFIX + subscription["id"]
                    for subscription in subscriptions
                    if event_type_matches(subscription["event_types"], event["event_type"])
                ]
                rows += [
                    {
                        "event_id": event["event_id"],
                        "consumer": consumer,
                        "state": PENDING,
                        "attempts": 0,
                        "next_attempt_at": now,
                    }
                    for consumer in consumers
                ]
            if rows:
                connection.execute(insert(outbox_deliveries), rows)
            connection.execute(
                update(outbox_events)
                .where(outbox_events.c.seq.in_([event["seq"] for event in events]))
                .values(fanned_out=True)
            )
        stats.fanned_out_events = len(events)
        stats.deliveries_created = len(rows)
        return stats

    def claim(self, stats: DispatchStats | None = None) -> list[ClaimedDelivery]:
        """Lease a batch of due deliveries (and expired leases) to this dispatcher; committed.

        A delivery whose lease expired was abandoned by a worker that stopped mid-delivery: the
        lost try counts as a failed attempt, so a consumer that crashes its worker every time is
        dead-lettered eventually instead of retried forever.
        """
        stats = stats if stats is not None else DispatchStats()
        now = as_utc(self.ctx.clock.now())
        table = outbox_deliveries.c
        handler_consumers = [handler.consumer for handler in self.registry.all()]
        with self.ctx.engine.begin() as connection:
            due = (
                connection.execute(
                    select(table.id, table.event_id, table.consumer, table.state, table.attempts)
                    .where(
                        table.state.in_((PENDING, IN_FLIGHT)),
                        table.next_attempt_at <= now,
                        or_(
                            table.consumer.like(WEBHOOK_PREFIX + "%"),
                            table.consumer.in_(handler_consumers),
                        ),
                    )
                    .order_by(table.next_attempt_at, table.id)
                    .limit(self.settings.batch_size)
                    .with_for_update(skip_locked=True)
                )
                .mappings()
                .all()
            )
            if not due:
                return []
            lease_until = now + self._lease_for(len(due))
            claimable: list[dict[str, Any]] = []
            for row in due:
                attempts = row["attempts"]
                if row["state"] == IN_FLIGHT:
                    attempts += 1
                    stats.reclaimed_leases += 1
                    if attempts >= self.settings.max_attempts:
                        connection.execute(
                            update(outbox_deliveries)
                            .where(table.id == row["id"])
                            .values(
                                state=DEAD,
                                attempts=attempts,
                                next_attempt_at=now,
                                last_error=LEASE_EXPIRED_ERROR,
                            )
                        )
                        stats.dead += 1
                        continue
                    connection.execute(
                        update(outbox_deliveries)
                        .where(table.id == row["id"])
                        .values(
                            state=IN_FLIGHT,
                            attempts=attempts,
                            next_attempt_at=lease_until,
                            last_error=LEASE_EXPIRED_ERROR,
                        )
                    )
                claimable.append({**row, "attempts": attempts})
            fresh_ids = [row["id"] for row in due if row["state"] == PENDING]
            if fresh_ids:
                connection.execute(
                    update(outbox_deliveries)
                    .where(table.id.in_(fresh_ids))
                    .values(state=IN_FLIGHT, next_attempt_at=lease_until)
                )
            claimed = self._load(connection, claimable, lease_until)
        stats.claimed += len(claimed)
        return claimed

    def deliver(self, delivery: ClaimedDelivery) -> DeliveryOutcome:
        """Hand one event to its consumer; never raises for a consumer's failure."""
        if delivery.consumer.startswith(HANDLER_PREFIX):
            return self._call_handler(delivery)
        return self._post(delivery)

    def complete(
        self, delivery: ClaimedDelivery, outcome: DeliveryOutcome, stats: DispatchStats
    ) -> None:
        """Record the outcome, only while this dispatcher still holds the lease."""
        now = as_utc(self.ctx.clock.now())
        table = outbox_deliveries.c
        values: dict[str, Any]
        if outcome.ok:
            values = {"state": DELIVERED, "delivered_at": now}
        else:
            attempts = delivery.attempts + 1
            error = (outcome.error or "unknown error")[:MAX_ERROR_CHARS]
            if attempts >= self.settings.max_attempts or outcome.permanent:
                values = {
                    "state": DEAD,
                    "attempts": attempts,
                    "next_attempt_at": now,
                    "last_error": error,
                }
            else:
                values = {
                    "state": PENDING,
                    "attempts": attempts,
                    "next_attempt_at": now + retry_delay(attempts, self.settings, self._rng),
                    "last_error": error,
                }
        with self.ctx.engine.begin() as connection:
            updated = connection.execute(
                update(outbox_deliveries)
                .where(
                    table.id == delivery.delivery_id,
                    table.state == IN_FLIGHT,
                    table.attempts == delivery.attempts,
                    table.next_attempt_at == delivery.lease_until,
                )
                .values(**values)
            ).rowcount
        if updated == 0:
            # Another worker reclaimed the expired lease and owns the outcome now.
            stats.lost_leases += 1
            logger.warning(
                "lease on delivery %s expired before its outcome was recorded",
                delivery.delivery_id,
            )
        elif values["state"] == DELIVERED:
            stats.delivered += 1
        elif values["state"] == DEAD:
            stats.dead += 1
        else:
            stats.retried += 1

    # Helpers --------------------------------------------------------------------------------

    def _lease_for(self, count: int) -> timedelta:
        if self._lease is not None:
            return self._lease
        return timedelta(seconds=self.settings.request_timeout_seconds * count) + LEASE_MARGIN

    def _load(
        self, connection: Connection, rows: list[dict[str, Any]], lease_until: datetime
    ) -> list[ClaimedDelivery]:
        if not rows:
            return []
        event_rows = connection.execute(
            select(outbox_events).where(
                outbox_events.c.event_id.in_({row["event_id"] for row in rows})
            )
        ).mappings()
        events = {
            row["event_id"]: Event(
                event_id=row["event_id"],
                event_type=row["event_type"],
                payload=row["payload"],
                occurred_at=as_utc(row["occurred_at"]),
            )
            for row in event_rows
        }
        subscription_ids = {
            row["consumer"][len(WEBHOOK_PREFIX) :]
            for row in rows
            if row["consumer"].startswith(WEBHOOK_PREFIX)
        }
        subscriptions = {
            row["id"]: row
            for row in connection.execute(
                select(webhook_subscriptions).where(
                    webhook_subscriptions.c.id.in_(subscription_ids)
                )
            ).mappings()
        }
        claimed: list[ClaimedDelivery] = []
        for row in rows:
            subscription = subscriptions.get(row["consumer"][len(WEBHOOK_PREFIX) :])
            claimed.append(
                ClaimedDelivery(
                    delivery_id=row["id"],
                    consumer=row["consumer"],
                    attempts=row["attempts"],
                    lease_until=lease_until,
                    event=events[row["event_id"]],
                    url=subscription["url"] if subscription else None,
                    secret=subscription["secret"] if subscription else None,
                    subscription_active=bool(subscription and subscription["active"]),
                )
            )
        return claimed

    def _call_handler(self, delivery: ClaimedDelivery) -> DeliveryOutcome:
        handler = self.registry.get(delivery.consumer[len(HANDLER_PREFIX) :])
        if handler is None:
            return DeliveryOutcome(False, f"handler {delivery.consumer!r} is not registered")
        try:
            handler.fn(self.ctx, delivery.event)
        except Exception as error:
            logger.warning("handler %s failed on %s", handler.name, delivery.event.event_id)
            return DeliveryOutcome(False, f"{type(error).__name__}: {error}")
        return DeliveryOutcome(True)

    def _post(self, delivery: ClaimedDelivery) -> DeliveryOutcome:
        if not delivery.subscription_active or delivery.url is None or delivery.secret is None:
            return DeliveryOutcome(False, "subscription removed before delivery", permanent=True)
        body = delivery.event.body()
        headers = signed_headers(
            delivery.secret, delivery.event.event_id, body, now=self.ctx.clock.now()
        )
        headers["content-type"] = "application/json"
        try:
            response = self._client.post(
                delivery.url,
                content=body.encode("utf-8"),
                headers=headers,
                timeout=self.settings.request_timeout_seconds,
            )
        except (httpx.HTTPError, httpx.InvalidURL) as error:
            return DeliveryOutcome(False, f"{type(error).__name__}: {error}")
        if response.is_success:
            return DeliveryOutcome(True)
        return DeliveryOutcome(
            False, f"HTTP {response.status_code} from {delivery.url}: {response.text[:200]}"
        )


def run_worker(settings: CoreSettings, stop_event: StopSignal, poll_interval: float = 1.0) -> None:
    """Entry point of one worker process (``buzzstock worker``, multiprocessing targets).

    Opens its own connection to the configured store (no migration) and dispatches until
    ``stop_event`` is set. Handlers must be registered by modules imported in this process.
    """
    ctx = open_context(settings, migrate=False, pool_size=2)
    try:
        with Dispatcher(ctx) as dispatcher:
            dispatcher.run_forever(stop_event, poll_interval)
    finally:
        ctx.close()
