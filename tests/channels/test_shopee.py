"""Shopee adapter: partner-signed update_stock, thin pushes signed over url|body."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from buzzstock.channels.base import OrderStatus, PushOutcome
from buzzstock.channels.inbound import OrderLineBook
from buzzstock.channels.shopee import ShopeeAdapter, ShopeeConfig
from buzzstock.channels.transport import ChannelTransport
from buzzstock.sim.channel_fakes import FakeShop, ShopeeFake

from .helpers import FAST, webhook_sink


@pytest.fixture
def fake() -> Iterator[ShopeeFake]:
    shopee = ShopeeFake(FakeShop({"800:1": 9, "800:2": 5}))
    with shopee.running():
        yield shopee


def adapter_for(
    fake: ShopeeFake, callback_url: str = "", *, partner_key: str | None = None
) -> ShopeeAdapter:
    config = ShopeeConfig(
        base_url=fake.base_url,
        partner_id=fake.partner_id,
        partner_key=partner_key or fake.partner_key,
        shop_id=fake.shop_id,
        access_token=fake.access_token,
        callback_url=callback_url
        or "https://hub.example/api/v1/channels/shopee-my/webhooks/shopee",
    )
    return ShopeeAdapter(config, transport=ChannelTransport(fake.base_url, settings=FAST))


def test_update_stock_and_model_list(fake: ShopeeFake) -> None:
    async def scenario() -> dict[str, int]:
        adapter = adapter_for(fake)
        result = await adapter.set_quantity("800:2", 11, expected_previous=5)
        assert result.outcome is PushOutcome.ACKNOWLEDGED
        missing = await adapter.set_quantity("800:7", 1, expected_previous=None)
        assert missing.outcome is PushOutcome.REJECTED
        quantities = await adapter.read_quantities(["800:1", "800:2"])
        await adapter.aclose()
        return quantities

    assert asyncio.run(scenario()) == {"800:1": 9, "800:2": 11}


def test_wrong_partner_key_is_refused(fake: ShopeeFake) -> None:
    async def scenario() -> PushOutcome:
        adapter = adapter_for(fake, partner_key="bad")
        result = await adapter.set_quantity("800:1", 0, expected_previous=None)
        await adapter.aclose()
        return result.outcome

    assert asyncio.run(scenario()) is PushOutcome.REJECTED
    assert fake.shop.quantity("800:1") == 9


def test_429_with_retry_after(fake: ShopeeFake) -> None:
    fake.shop.throttle_next(1, 0.75)

    async def scenario() -> tuple[PushOutcome, float | None]:
        adapter = adapter_for(fake)
        result = await adapter.set_quantity("800:1", 0, expected_previous=None)
        await adapter.aclose()
        return result.outcome, result.retry_after

    assert asyncio.run(scenario()) == (PushOutcome.THROTTLED, 0.75)


def test_pushes_dedupe_on_the_composite_key_and_fetch_details(fake: ShopeeFake) -> None:
    order = fake.shop.sell("800:1", 2)
    assert order is not None
    fake.shop.cancel(order.order_id)
    fake.shop.sell("800:2", 5)

    async def scenario() -> None:
        with webhook_sink(adapter_for(fake)) as sink:
            adapter = adapter_for(fake, sink.url)
            sink.adapter = adapter
            await fake.deliver_events(sink.url, duplicates=1.0, shuffle=True)
            assert len(sink.inbox) == 3
            book = OrderLineBook()
            for notification in sink.inbox.values():
                for line in await adapter.orders_for_notification(notification):
                    book.apply(line)
            assert book.units_sold("800:2") == 5
            assert book.status_of(order.order_id, "800:1") is OrderStatus.CANCELLED
            await adapter.aclose()

    asyncio.run(scenario())


def test_push_signed_for_another_url_is_refused(fake: ShopeeFake) -> None:
    fake.shop.sell("800:1", 1)
    event = fake.shop.take_events()[0]

    async def scenario() -> None:
        with webhook_sink(adapter_for(fake)) as sink:
            sink.adapter = adapter_for(fake, sink.url)
            headers, body = fake.render(event, "https://attacker.example/hook")
            async with httpx.AsyncClient() as client:
                assert (
                    await client.post(sink.url, content=body, headers=headers)
                ).status_code == 401
                headers, body = fake.render(event, sink.url)
                assert (
                    await client.post(sink.url, content=body, headers=headers)
                ).status_code == 200

    asyncio.run(scenario())


def test_order_list_for_reconciliation(fake: ShopeeFake) -> None:
    since = datetime.now(UTC) - timedelta(minutes=1)
    order = fake.shop.sell("800:2", 1)
    assert order is not None

    async def scenario() -> list[tuple[str, str, int]]:
        adapter = adapter_for(fake)
        orders = await adapter.recent_orders(since)
        await adapter.aclose()
        return [(o.channel_order_id, o.sku_ref, o.quantity) for o in orders]

    assert asyncio.run(scenario()) == [(order.order_id, "800:2", 1)]
