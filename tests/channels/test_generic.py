"""Generic custom-shop adapter: Standard Webhooks both ways, CAS through 409."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

from buzzstock.channels.base import OrderStatus, PushOutcome
from buzzstock.channels.generic import GenericShopAdapter, GenericShopConfig
from buzzstock.channels.inbound import OrderLineBook
from buzzstock.channels.signatures import standard_webhook_headers
from buzzstock.channels.transport import ChannelTransport
from buzzstock.sim.channel_fakes import FakeShop, GenericShopFake
from buzzstock.sim.local_server import serve

from .helpers import FAST, webhook_sink


@pytest.fixture
def fake() -> Iterator[GenericShopFake]:
    shop = GenericShopFake(FakeShop({"MUG-1": 12, "MUG-2": 1}))
    with shop.running():
        yield shop


def adapter_for(fake: GenericShopFake, secret: str | None = None) -> GenericShopAdapter:
    config = GenericShopConfig(base_url=fake.base_url, secret=secret or fake.secret)
    return GenericShopAdapter(config, transport=ChannelTransport(fake.base_url, settings=FAST))


def test_signed_push_and_stale_compare_and_swap(fake: GenericShopFake) -> None:
    fake.shop.sell("MUG-1", 2)

    async def scenario() -> None:
        adapter = adapter_for(fake)
        stale = await adapter.set_quantity("MUG-1", 20, expected_previous=12)
        assert (stale.outcome, stale.observed_quantity) == (PushOutcome.STALE, 10)
        done = await adapter.set_quantity("MUG-1", 18, expected_previous=10, push_id="o-1")
        assert done.outcome is PushOutcome.ACKNOWLEDGED
        replay = await adapter.set_quantity("MUG-1", 18, expected_previous=10, push_id="o-1")
        assert replay.outcome is PushOutcome.ACKNOWLEDGED
        assert await adapter.read_quantities(["MUG-1", "MUG-2"]) == {"MUG-1": 18, "MUG-2": 1}
        gone = await adapter.set_quantity("NOPE", 1, expected_previous=None)
        assert gone.outcome is PushOutcome.REJECTED
        await adapter.aclose()

    asyncio.run(scenario())
    assert [u.quantity for u in fake.shop.updates] == [18]


def test_wrong_secret_and_429(fake: GenericShopFake) -> None:
    async def scenario() -> None:
        wrong = adapter_for(fake, "whsec_" + "QUJD" * 8)
        assert (await wrong.set_quantity("MUG-2", 0, expected_previous=None)).outcome is (
            PushOutcome.REJECTED
        )
        await wrong.aclose()
        fake.shop.throttle_next(1, 4)
        adapter = adapter_for(fake)
        throttled = await adapter.set_quantity("MUG-2", 0, expected_previous=None)
        assert (throttled.outcome, throttled.retry_after) == (PushOutcome.THROTTLED, 4.0)
        await adapter.aclose()

    asyncio.run(scenario())
    assert fake.shop.quantity("MUG-2") == 1 and fake.shop.auth_failures == 1


def test_order_webhooks_dedupe_and_replays_are_refused(fake: GenericShopFake) -> None:
    order = fake.shop.sell("MUG-1", 3)
    assert order is not None
    fake.shop.cancel(order.order_id)
    fake.shop.sell("MUG-2", 1)

    async def scenario() -> None:
        adapter = adapter_for(fake)
        with webhook_sink(adapter) as sink:
            await fake.deliver_events(sink.url, duplicates=1.0, shuffle=True)
            assert len(sink.inbox) == 3
            book = OrderLineBook()
            for notification in sink.inbox.values():
                for line in notification.orders:
                    book.apply(line)
            assert book.units_sold() == 1
            assert book.status_of(order.order_id, "MUG-1") is OrderStatus.CANCELLED
            body = json.dumps(
                {
                    "type": "order.created",
                    "timestamp": "2026-01-01T00:00:00Z",
                    "data": {"order_id": "x", "lines": []},
                }
            ).encode()
            old = standard_webhook_headers("msg_old", int(time.time()) - 3600, body, fake.secret)
            async with httpx.AsyncClient() as client:
                assert (await client.post(sink.url, content=body, headers=old)).status_code == 401
        await adapter.aclose()

    asyncio.run(scenario())


def test_recent_orders(fake: GenericShopFake) -> None:
    since = datetime.now(UTC) - timedelta(minutes=1)
    order = fake.shop.sell("MUG-2", 1)
    assert order is not None

    async def scenario() -> list[tuple[str, str, int, OrderStatus]]:
        adapter = adapter_for(fake)
        orders = await adapter.recent_orders(since)
        await adapter.aclose()
        return [(o.channel_order_id, o.sku_ref, o.quantity, o.status) for o in orders]

    assert asyncio.run(scenario()) == [(order.order_id, "MUG-2", 1, OrderStatus.CREATED)]


def test_deliveries_without_an_answer_or_with_a_5xx_are_retried_on_the_next_call(
    fake: GenericShopFake,
) -> None:
    fake.shop.sell("MUG-1", 1)
    fake.shop.sell("MUG-2", 1)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        nobody_listens = f"http://127.0.0.1:{probe.getsockname()[1]}/hook"
    unavailable = Starlette(
        routes=[Route("/hook", lambda _: Response(status_code=503), methods=["POST"])]
    )

    async def scenario() -> None:
        adapter = adapter_for(fake)
        assert await fake.deliver_events(nobody_listens) == [0, 0]
        with serve(unavailable) as base_url:
            assert await fake.deliver_events(f"{base_url}/hook") == [503, 503]
        with webhook_sink(adapter) as sink:
            assert await fake.deliver_events(sink.url) == [200, 200]
            assert len(sink.inbox) == 2
            assert await fake.deliver_events(sink.url) == [], "nothing is delivered twice"
        await adapter.aclose()

    asyncio.run(scenario())
