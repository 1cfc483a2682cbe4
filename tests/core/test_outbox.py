"""The outbox delivers every recorded event at least once, signed, with backoff and dead letters.

Subscribers are real HTTP servers on 127.0.0.1; every test runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import json
import multiprocessing
import random
import socket
import threading
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import create_engine, delete, select, text

from buzzstock.core.clock import ManualClock, as_utc
from buzzstock.core.context import Context
from buzzstock.core.db import create_db_engine, upgrade
from buzzstock.core.deliveries import dead_letters, delivery_stats, retry_dead_letter
from buzzstock.core.errors import Conflict, InvalidInput, NotFound
from buzzstock.core.events import (
    Event,
    outbox_deliveries,
    outbox_events,
    record_event,
    webhook_subscriptions,
)
from buzzstock.core.handler_registry import HandlerRegistry
from buzzstock.core.outbox import (
    DEAD,
    DELIVERED,
    IN_FLIGHT,
    PENDING,
    Dispatcher,
    backoff_ceiling_seconds,
    retry_delay,
    run_worker,
)
from buzzstock.core.settings import OutboxSettings
from buzzstock.core.subscriptions import add_subscription, list_subscriptions, remove_subscription
from buzzstock.core.webhooks import HEADER_ID, HEADER_TIMESTAMP, WebhookVerificationError, verify
from buzzstock.settings import Settings

POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
FAST_OUTBOX = OutboxSettings(
    max_attempts=8,
    backoff_base_seconds=1.0,
    backoff_max_seconds=8.0,
    request_timeout_seconds=2.0,
    batch_size=50,
)


# --- fixtures -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    """One fresh database for this module; each test starts from empty outbox tables."""
    name = f"bz_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:
        admin.dispose()
        pytest.skip(f"PostgreSQL is not available at {POSTGRES_ADMIN_URL}: {error}")
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    engine = create_db_engine(url, pool_size=1)
    upgrade(engine)
    engine.dispose()
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Any) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/outbox.db"
    url: str = request.getfixturevalue("postgres_url")
    engine = create_db_engine(url, pool_size=1)
    with engine.begin() as connection:
        for table in (outbox_deliveries, outbox_events, webhook_subscriptions):
            connection.execute(delete(table))
    engine.dispose()
    return url


def make_context(database_url: str, outbox: OutboxSettings = FAST_OUTBOX) -> Context:
    engine = create_db_engine(database_url, pool_size=4)
    upgrade(engine)
    settings = Settings(database_url=database_url, outbox=outbox)
    start = datetime.now(UTC).replace(microsecond=0)
    return Context(engine=engine, settings=settings, clock=ManualClock(start))


@pytest.fixture
def ctx(database_url: str) -> Iterator[Context]:
    context = make_context(database_url)
    yield context
    context.close()


def manual_clock(ctx: Context) -> ManualClock:
    assert isinstance(ctx.clock, ManualClock)
    return ctx.clock


# --- a real HTTP subscriber ---------------------------------------------------------------------


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    status: int
    received_at: datetime


NEVER_ANSWERED = 0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Subscriber:
    """An HTTP endpoint that answers scripted statuses (then 200) and records every request."""

    def __init__(self, now: Callable[[], datetime]) -> None:
        self.port = free_port()
        self.now = now
        self.script: deque[int] = deque()
        self.always: int = 200
        self.received: list[Received] = []
        self.hold_first_request = False
        self.first_request_arrived = threading.Event()
        self.release = threading.Event()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self) -> None:
        subscriber = self

        class Handle(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                with subscriber._lock:
                    hold = subscriber.hold_first_request and not subscriber.received
                    status = subscriber.script.popleft() if subscriber.script else subscriber.always
                    request = Received(
                        self.path,
                        {k.lower(): v for k, v in self.headers.items()},
                        body,
                        NEVER_ANSWERED if hold else status,
                        subscriber.now(),
                    )
                    subscriber.received.append(request)
                if hold:
                    subscriber.first_request_arrived.set()
                    subscriber.release.wait(30)
                try:
                    self.send_response(status)
                    self.send_header("content-length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except OSError:
                    return  # the sender is gone (killed while waiting for this answer)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handle)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()

    def stop(self) -> None:
        self.release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def accepted(self, path: str = "/hook") -> Counter[str]:
        """How many times each event id was accepted (answered 2xx) on ``path``."""
        return Counter(
            request.headers[HEADER_ID]
            for request in self.received
            if request.path == path and 200 <= request.status < 300
        )


@pytest.fixture
def subscriber(ctx: Context) -> Iterator[Subscriber]:
    endpoint = Subscriber(ctx.clock.now)
    yield endpoint
    endpoint.stop()


# --- helpers ------------------------------------------------------------------------------------


def record(ctx: Context, event_type: str, payload: dict[str, Any]) -> str:
    with ctx.engine.begin() as connection:
        return record_event(connection, event_type, payload, ctx.clock.now())


def delivery_rows(ctx: Context) -> list[dict[str, Any]]:
    with ctx.engine.connect() as connection:
        return [
            dict(row)
            for row in connection.execute(
                select(outbox_deliveries).order_by(outbox_deliveries.c.id)
            ).mappings()
        ]


def drain(ctx: Context, dispatcher: Dispatcher, rounds: int = 12) -> None:
    """Run passes, letting the manual clock jump past the longest backoff between rounds."""
    for _ in range(rounds):
        dispatcher.run_until_idle()
        stats = delivery_stats(ctx)
        if stats[PENDING] == 0 and stats[IN_FLIGHT] == 0 and stats["events_awaiting_fan_out"] == 0:
            return
        manual_clock(ctx).advance(timedelta(seconds=ctx.settings.outbox.backoff_max_seconds))


# --- subscriber down, then back -----------------------------------------------------------------


def test_subscriber_down_then_back_receives_every_event_once_with_valid_signatures(
    ctx: Context, subscriber: Subscriber
) -> None:
    all_id, all_secret = add_subscription(ctx, subscriber.url("/all"), ["*"])
    low_id, low_secret = add_subscription(ctx, subscriber.url("/low"), ["stock.low_*"])
    reserved = [record(ctx, "stock.reserved", {"sku": "MASK-1", "quantity": n}) for n in range(5)]
    low = [record(ctx, "stock.low_stock", {"sku": "MASK-1", "rule": "S-5"}) for _ in range(2)]

    with Dispatcher(ctx, rng=random.Random(7)) as dispatcher:
        while_down = dispatcher.run_until_idle()
        assert while_down.delivered == 0
        assert while_down.retried == 9  # 7 events to /all, 2 to /low, all refused
        assert all("ConnectError" in (row["last_error"] or "") for row in delivery_rows(ctx))

        subscriber.script.extend([503, 503, 503])
        subscriber.start()
        drain(ctx, dispatcher)

    assert delivery_stats(ctx)[DELIVERED] == 9
    assert subscriber.accepted("/all") == Counter(reserved + low)
    assert subscriber.accepted("/low") == Counter(low)
    assert sum(request.status == 503 for request in subscriber.received) == 3
    secrets = {"/all": all_secret, "/low": low_secret}
    for request in subscriber.received:
        verify(secrets[request.path], request.headers, request.body, now=request.received_at)
        document = json.loads(request.body)
        assert document["id"] == request.headers[HEADER_ID]
        assert request.headers["content-type"] == "application/json"
        sent_at = int(request.headers[HEADER_TIMESTAMP])
        assert abs(sent_at - request.received_at.timestamp()) <= 1
    assert {all_id, low_id} == {subscription.id for subscription in list_subscriptions(ctx)}


def test_signature_made_for_one_subscription_fails_for_another(
    ctx: Context, subscriber: Subscriber
) -> None:
    add_subscription(ctx, subscriber.url(), ["*"])
    subscriber.start()
    record(ctx, "stock.reserved", {"sku": "A"})
    with Dispatcher(ctx) as dispatcher:
        dispatcher.run_until_idle()
    (request,) = subscriber.received
    _, other_secret = add_subscription(ctx, subscriber.url("/other"), ["*"])
    with pytest.raises(WebhookVerificationError):
        verify(other_secret, request.headers, request.body, now=request.received_at)


# --- retries, backoff and dead letters ----------------------------------------------------------


def test_failing_subscriber_is_dead_lettered_after_max_attempts_and_can_be_retried(
    database_url: str,
) -> None:
    ctx = make_context(database_url, FAST_OUTBOX.model_copy(update={"max_attempts": 3}))
    subscriber = Subscriber(ctx.clock.now)
    subscriber.always = 500
    subscriber.start()
    try:
        add_subscription(ctx, subscriber.url(), ["*"])
        event_id = record(ctx, "stock.reserved", {"sku": "A"})
        with Dispatcher(ctx) as dispatcher:
            drain(ctx, dispatcher)
            manual_clock(ctx).advance(timedelta(hours=1))
            dispatcher.run_until_idle()
            assert len(subscriber.received) == 3
            assert delivery_stats(ctx)[DEAD] == 1

            (letter,) = dead_letters(ctx)
            assert letter.event_id == event_id
            assert letter.event_type == "stock.reserved"
            assert letter.payload == {"sku": "A"}
            assert letter.attempts == 3
            assert letter.last_error is not None and "HTTP 500" in letter.last_error

            subscriber.always = 200
            retry_dead_letter(ctx, letter.delivery_id)
            assert delivery_stats(ctx)[PENDING] == 1
            dispatcher.run_until_idle()
        assert delivery_stats(ctx)[DELIVERED] == 1
        assert dead_letters(ctx) == []
        assert subscriber.accepted() == Counter([event_id])
        with pytest.raises(Conflict):
            retry_dead_letter(ctx, letter.delivery_id)
        with pytest.raises(NotFound):
            retry_dead_letter(ctx, 987654)
    finally:
        subscriber.stop()
        ctx.close()


def test_retry_waits_grow_exponentially_with_full_jitter_up_to_the_cap(ctx: Context) -> None:
    registry = HandlerRegistry()

    def always_fails(_ctx: Context, _event: Event) -> None:
        raise RuntimeError("warehouse system offline")

    registry.register("fails", ["*"], always_fails)
    record(ctx, "stock.reserved", {"sku": "A"})
    clock = manual_clock(ctx)
    waits: list[float] = []
    with Dispatcher(ctx, registry=registry, rng=random.Random(3)) as dispatcher:
        for attempt in range(1, ctx.settings.outbox.max_attempts):
            assert dispatcher.run_once().retried == 1
            (row,) = delivery_rows(ctx)
            assert row["attempts"] == attempt
            assert row["last_error"] == "RuntimeError: warehouse system offline"
            wait = (as_utc(row["next_attempt_at"]) - clock.now()).total_seconds()
            assert 0 <= wait <= backoff_ceiling_seconds(attempt, ctx.settings.outbox)
            assert dispatcher.run_once().claimed == 0 or wait == 0
            waits.append(wait)
            clock.set(as_utc(row["next_attempt_at"]))
        assert dispatcher.run_once().dead == 1
    assert max(waits) <= ctx.settings.outbox.backoff_max_seconds
    assert delivery_stats(ctx)[DEAD] == 1


def test_backoff_ceiling_doubles_from_the_base_and_is_capped() -> None:
    settings = OutboxSettings(backoff_base_seconds=1.0, backoff_max_seconds=60.0)
    ceilings = [backoff_ceiling_seconds(n, settings) for n in range(1, 10)]
    assert ceilings == [1, 2, 4, 8, 16, 32, 60, 60, 60]
    rng = random.Random(11)
    means = [
        sum(retry_delay(n, settings, rng).total_seconds() for _ in range(2000)) / 2000
        for n in (1, 3, 5, 12)
    ]
    assert means[0] < means[1] < means[2] < means[3]
    assert means[3] == pytest.approx(30, rel=0.1)


@given(
    failures=st.integers(min_value=1, max_value=10_000),
    base=st.floats(min_value=0.01, max_value=100),
    cap=st.floats(min_value=0.01, max_value=86_400),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_every_retry_wait_is_between_zero_and_the_capped_ceiling(
    failures: int, base: float, cap: float, seed: int
) -> None:
    settings = OutboxSettings(backoff_base_seconds=base, backoff_max_seconds=cap)
    ceiling = backoff_ceiling_seconds(failures, settings)
    assert ceiling <= cap
    assert ceiling >= backoff_ceiling_seconds(failures - 1, settings)
    assert 0 <= retry_delay(failures, settings, random.Random(seed)).total_seconds() <= ceiling


# --- in-process handlers ------------------------------------------------------------------------


def test_handlers_receive_matching_events_once_each_even_after_a_failure(ctx: Context) -> None:
    registry = HandlerRegistry()
    purchasing: list[Event] = []
    audit: list[str] = []
    failures_left = [1]

    def notify_purchasing(handler_ctx: Context, event: Event) -> None:
        assert handler_ctx is ctx
        if failures_left[0]:
            failures_left[0] -= 1
            raise ConnectionError("mail server busy")
        purchasing.append(event)

    registry.register("purchasing", ["stock.low_stock"], notify_purchasing)
    registry.register("audit", ["*"], lambda _ctx, event: audit.append(event.event_id))
    low = record(ctx, "stock.low_stock", {"sku": "MASK-1", "available": 80, "rule": "S-5"})
    others = [record(ctx, "stock.reserved", {"sku": "MASK-1"}) for _ in range(3)]

    with Dispatcher(ctx, registry=registry) as dispatcher:
        drain(ctx, dispatcher)

    assert [event.event_id for event in purchasing] == [low]
    assert purchasing[0].payload == {"sku": "MASK-1", "available": 80, "rule": "S-5"}
    assert purchasing[0].event_type == "stock.low_stock"
    assert Counter(audit) == Counter([low, *others])
    assert delivery_stats(ctx)[DELIVERED] == 5


def test_deliveries_for_a_handler_this_worker_lacks_wait_for_one_that_has_it(ctx: Context) -> None:
    with_handler = HandlerRegistry()
    seen: list[str] = []
    with_handler.register("reorder", ["*"], lambda _ctx, event: seen.append(event.event_id))
    event_id = record(ctx, "stock.low_stock", {"sku": "A"})
    with Dispatcher(ctx, registry=with_handler) as fanning:
        fanning.fan_out()
    with Dispatcher(ctx, registry=HandlerRegistry()) as without_handler:
        assert without_handler.run_until_idle().claimed == 0
    assert delivery_stats(ctx)[PENDING] == 1
    with Dispatcher(ctx, registry=with_handler) as dispatcher:
        dispatcher.run_until_idle()
    assert seen == [event_id]


# --- subscriptions ------------------------------------------------------------------------------


def test_bad_subscriptions_are_refused_and_change_nothing(ctx: Context) -> None:
    for url, types, secret in [
        ("ftp://example.com/hook", ["*"], None),
        ("not a url", ["*"], None),
        ("https://example.com/hook", [], None),
        ("https://example.com/hook", ["stock reserved"], None),
        ("https://example.com/hook", ["*"], "whsec_short"),
    ]:
        with pytest.raises(InvalidInput):
            add_subscription(ctx, url, types, secret)
    assert list_subscriptions(ctx, include_removed=True) == []


def test_removed_subscription_gets_nothing_more_and_its_backlog_is_dead_lettered(
    ctx: Context, subscriber: Subscriber
) -> None:
    chosen_secret = "whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldY"
    kept_id, kept_secret = add_subscription(ctx, subscriber.url("/kept"), ["*"])
    gone_id, gone_secret = add_subscription(ctx, subscriber.url("/gone"), ["*"], chosen_secret)
    assert gone_secret == chosen_secret
    record(ctx, "stock.reserved", {"sku": "A"})
    with Dispatcher(ctx) as dispatcher:
        dispatcher.run_until_idle()  # nobody listening yet: both deliveries wait for a retry
        assert remove_subscription(ctx, gone_id) == 1
        with pytest.raises(NotFound):
            remove_subscription(ctx, gone_id)
        subscriber.start()
        record(ctx, "stock.reserved", {"sku": "B"})
        drain(ctx, dispatcher)
    assert [s.id for s in list_subscriptions(ctx)] == [kept_id]
    assert {s.id for s in list_subscriptions(ctx, include_removed=True)} == {kept_id, gone_id}
    assert {request.path for request in subscriber.received} == {"/kept"}
    assert sum(subscriber.accepted("/kept").values()) == 2
    (letter,) = dead_letters(ctx)
    assert letter.consumer == f"webhook:{gone_id}"
    assert letter.last_error == "subscription removed before delivery"
    assert kept_secret != gone_secret


def test_an_abandoned_claim_for_a_since_removed_subscription_is_dead_lettered_not_retried(
    ctx: Context, subscriber: Subscriber
) -> None:
    subscriber.start()
    subscription_id, _ = add_subscription(ctx, subscriber.url(), ["*"])
    record(ctx, "stock.reserved", {"sku": "A"})
    lease = timedelta(seconds=30)
    with Dispatcher(ctx, lease=lease) as crashed:
        crashed.fan_out()
        crashed.claim()
    assert remove_subscription(ctx, subscription_id) == 0  # nothing pending: the one is in flight
    manual_clock(ctx).advance(lease)
    with Dispatcher(ctx, lease=lease) as survivor:
        stats = survivor.run_until_idle()
    assert (stats.reclaimed_leases, stats.dead, stats.retried) == (1, 1, 0)
    assert subscriber.received == []
    (letter,) = dead_letters(ctx)
    assert letter.last_error == "subscription removed before delivery"


# --- crashes and several workers ----------------------------------------------------------------


def test_a_claim_abandoned_mid_flight_is_delivered_after_its_lease_expires(
    ctx: Context, subscriber: Subscriber
) -> None:
    subscriber.start()
    add_subscription(ctx, subscriber.url(), ["*"])
    event_id = record(ctx, "stock.reserved", {"sku": "A"})
    lease = timedelta(seconds=30)
    crashed = Dispatcher(ctx, lease=lease)
    crashed.fan_out()
    (abandoned,) = crashed.claim()  # the worker dies here: claimed, never delivered
    crashed.close()

    with Dispatcher(ctx, lease=lease) as survivor:
        assert survivor.run_until_idle().claimed == 0
        assert delivery_stats(ctx)[IN_FLIGHT] == 1
        manual_clock(ctx).advance(lease)
        stats = survivor.run_until_idle()
    assert stats.reclaimed_leases == 1
    assert stats.delivered == 1
    assert subscriber.accepted() == Counter([event_id])
    (row,) = delivery_rows(ctx)
    assert row["state"] == DELIVERED
    assert row["attempts"] == 1
    assert "lease expired" in row["last_error"]

    # The crashed worker coming back late cannot overwrite the outcome it no longer owns.
    late = Dispatcher(ctx)
    stats = late.run_once()
    late.complete(abandoned, late.deliver(abandoned), stats)
    late.close()
    assert stats.lost_leases == 1
    assert delivery_stats(ctx)[DELIVERED] == 1


def test_a_worker_process_killed_mid_delivery_loses_nothing(
    ctx: Context, subscriber: Subscriber
) -> None:
    subscriber.hold_first_request = True
    subscriber.start()
    add_subscription(ctx, subscriber.url(), ["*"])
    event_id = record(ctx, "stock.reserved", {"sku": "A"})

    spawn = multiprocessing.get_context("spawn")
    stop = spawn.Event()
    worker = spawn.Process(target=run_worker, args=(ctx.settings, stop, 0.05))
    worker.start()
    try:
        assert subscriber.first_request_arrived.wait(30), "the worker never posted"
        worker.kill()
        worker.join(10)
    finally:
        stop.set()
        worker.join(10)
    subscriber.release.set()

    (row,) = delivery_rows(ctx)
    assert row["state"] == IN_FLIGHT
    manual_clock(ctx).set(as_utc(row["next_attempt_at"]))
    with Dispatcher(ctx) as survivor:
        assert survivor.run_until_idle().delivered == 1
    assert subscriber.accepted() == Counter([event_id])
    assert len(subscriber.received) == 2  # the unanswered try, then the delivery
    assert delivery_stats(ctx)[DELIVERED] == 1


def test_two_worker_processes_share_the_outbox_and_deliver_each_event_once(
    database_url: str,
) -> None:
    ctx = make_context(database_url, FAST_OUTBOX.model_copy(update={"batch_size": 4}))
    subscriber = Subscriber(lambda: datetime.now(UTC))
    subscriber.start()
    try:
        _, secret = add_subscription(ctx, subscriber.url(), ["*"])
        expected = [record(ctx, "stock.reserved", {"sku": "A", "n": n}) for n in range(60)]
        spawn = multiprocessing.get_context("spawn")
        stop = spawn.Event()
        workers = [
            spawn.Process(target=run_worker, args=(ctx.settings, stop, 0.02)) for _ in range(2)
        ]
        for worker in workers:
            worker.start()
        deadline = time.monotonic() + 20
        while delivery_stats(ctx)[DELIVERED] < len(expected) and time.monotonic() < deadline:
            time.sleep(0.05)
        stop.set()
        for worker in workers:
            worker.join(10)
        assert [worker.exitcode for worker in workers] == [0, 0]
        assert subscriber.accepted() == Counter(expected)
        assert len(subscriber.received) == len(expected)
        for request in subscriber.received:
            verify(secret, request.headers, request.body, now=request.received_at)
        assert delivery_stats(ctx) == {
            PENDING: 0,
            IN_FLIGHT: 0,
            DELIVERED: len(expected),
            DEAD: 0,
            "events_awaiting_fan_out": 0,
        }
    finally:
        subscriber.stop()
        ctx.close()
