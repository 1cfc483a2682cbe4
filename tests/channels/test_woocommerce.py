"""WooCommerce adapter: stock_quantity single and batch, Basic auth, signed webhooks."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from buzzstock.channels.base import OrderStatus, PushOutcome, QuantityUpdate
from buzzstock.channels.inbound import OrderLineBook
from buzzstock.channels.transport import ChannelTransport
from buzzstock.channels.woocommerce import WooCommerceAdapter, WooCommerceConfig
from buzzstock.sim.channel_fakes import FakeShop, WooCommerceFake

from .helpers import FAST, webhook_sink


@pytest.fixture
def fake() -> Iterator[WooCommerceFake]:
    woo = WooCommerceFake(FakeShop({"31": 6, "32": 2, "40:41": 8}))
    with woo.running():
        yield woo


def adapter_for(fake: WooCommerceFake, *, secret: str | None = None) -> WooCommerceAdapter:
    base = fake.base_url + "/wp-json/wc/v3"
    config = WooCommerceConfig(
        base_url=base,
        consumer_key=fake.consumer_key,
        consumer_secret=secret or fake.consumer_secret,
        webhook_secret=fake.webhook_secret,
    )
    transport = ChannelTransport(
        base, settings=FAST, auth=(config.consumer_key, config.consumer_secret)
    )
    return WooCommerceAdapter(config, transport=transport)


def test_single_and_batch_updates(fake: WooCommerceFake) -> None:
    async def scenario() -> None:
        adapter = adapter_for(fake)
        single = await adapter.set_quantity("40:41", 3, expected_previous=None)
        assert (single.outcome, single.observed_quantity) == (PushOutcome.ACKNOWLEDGED, 3)
        results = await adapter.set_quantities(
            [QuantityUpdate("31", 1), QuantityUpdate("99", 4), QuantityUpdate("40:41", 0)]
        )
        assert [r.outcome for r in results] == [
            PushOutcome.ACKNOWLEDGED,
            PushOutcome.REJECTED,
            PushOutcome.ACKNOWLEDGED,
        ]
        assert await adapter.read_quantities(["31", "32", "40:41"]) == {
            "31": 1,
            "32": 2,
            "40:41": 0,
        }
        await adapter.aclose()

    asyncio.run(scenario())
    assert len(fake.shop.updates) == 3


def test_batch_429_throttles_every_item(fake: WooCommerceFake) -> None:
    fake.shop.throttle_next(1, 2)

    async def scenario() -> list[tuple[PushOutcome, float | None]]:
        adapter = adapter_for(fake)
        results = await adapter.set_quantities([QuantityUpdate("31", 1), QuantityUpdate("32", 1)])
        await adapter.aclose()
        return [(r.outcome, r.retry_after) for r in results]

    assert asyncio.run(scenario()) == [(PushOutcome.THROTTLED, 2.0)] * 2


def test_bad_consumer_secret_is_rejected(fake: WooCommerceFake) -> None:
    async def scenario() -> PushOutcome:
        adapter = adapter_for(fake, secret="cs_wrong")
        result = await adapter.set_quantity("31", 0, expected_previous=None)
        await adapter.aclose()
        return result.outcome

    assert asyncio.run(scenario()) is PushOutcome.REJECTED
    assert fake.shop.quantity("31") == 6


def test_webhooks_with_retries_fold_once(fake: WooCommerceFake) -> None:
    order = fake.shop.sell("40:41", 2)
    assert order is not None
    fake.shop.sell("31", 1)
    fake.shop.cancel(order.order_id)

    async def scenario() -> None:
        adapter = adapter_for(fake)
        with webhook_sink(adapter) as sink:
            await fake.deliver_events(sink.url, duplicates=0.5, shuffle=True)
            assert len(sink.inbox) == 3
            book = OrderLineBook()
            for notification in sink.inbox.values():
                for line in notification.orders:
                    book.apply(line)
            assert book.units_sold() == 1
            assert book.status_of(order.order_id, "40:41") is OrderStatus.CANCELLED
        await adapter.aclose()

    asyncio.run(scenario())


def test_unsigned_order_is_refused_but_the_creation_ping_is_accepted(
    fake: WooCommerceFake,
) -> None:
    fake.shop.sell("31", 1)
    headers, body = fake.render(fake.shop.take_events()[0], "")

    async def scenario() -> None:
        adapter = adapter_for(fake)
        with webhook_sink(adapter) as sink:
            async with httpx.AsyncClient() as client:
                unsigned = {k: v for k, v in headers.items() if k != "X-WC-Webhook-Signature"}
                assert (
                    await client.post(sink.url, content=body, headers=unsigned)
                ).status_code == 401
                ping = await client.post(
                    sink.url,
                    content=b"webhook_id=12",
                    headers={"content-type": "application/x-www-form-urlencoded"},
                )
                assert ping.status_code == 200
            assert [n.topic for n in sink.inbox.values()] == ["ping"]
            assert all(not n.orders for n in sink.inbox.values())
        await adapter.aclose()

    asyncio.run(scenario())


def test_orders_modified_after_for_reconciliation(fake: WooCommerceFake) -> None:
    since = datetime.now(UTC) - timedelta(minutes=1)
    order = fake.shop.sell("32", 2)
    assert order is not None

    async def scenario() -> list[tuple[str, str, int]]:
        adapter = adapter_for(fake)
        orders = await adapter.recent_orders(since)
        await adapter.aclose()
        return [(o.channel_order_id, o.sku_ref, o.quantity) for o in orders]

    assert asyncio.run(scenario()) == [(order.order_id, "32", 2)]
