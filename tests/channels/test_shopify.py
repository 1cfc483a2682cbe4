"""Shopify adapter against the fake store: CAS, cost throttling, 429s, signed webhooks."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from buzzstock.channels.base import OrderStatus, PushOutcome
from buzzstock.channels.inbound import OrderLineBook
from buzzstock.channels.shopify import ShopifyAdapter, ShopifyConfig
from buzzstock.channels.transport import ChannelTransport
from buzzstock.sim.channel_fakes import FakeShop, ShopifyFake

from .helpers import FAST, webhook_sink


@pytest.fixture
def fake() -> Iterator[ShopifyFake]:
    shopify = ShopifyFake(FakeShop({"4001": 10, "4002": 3}))
    with shopify.running():
        yield shopify


def adapter_for(fake: ShopifyFake, *, token: str | None = None) -> ShopifyAdapter:
    config = ShopifyConfig(
        base_url=fake.base_url,
        access_token=token or fake.access_token,
        client_secret=fake.client_secret,
        location_id=fake.location_id,
    )
    return ShopifyAdapter(config, transport=ChannelTransport(fake.base_url, settings=FAST))


def test_push_sets_available_with_compare_and_swap(fake: ShopifyFake) -> None:
    async def scenario() -> None:
        adapter = adapter_for(fake)
        result = await adapter.set_quantity("4001", 7, expected_previous=10)
        assert result.outcome is PushOutcome.ACKNOWLEDGED
        assert result.reference and "InventoryAdjustmentGroup" in result.reference
        assert await adapter.read_quantities(["4001", "4002"]) == {"4001": 7, "4002": 3}
        await adapter.aclose()

    asyncio.run(scenario())
    assert fake.shop.quantity("4001") == 7
    assert [u.quantity for u in fake.shop.updates] == [7]


def test_stale_compare_and_swap_reports_what_the_channel_holds(fake: ShopifyFake) -> None:
    fake.shop.sell("4001", 2)

    async def scenario() -> tuple[PushOutcome, int | None, PushOutcome]:
        adapter = adapter_for(fake)
        stale = await adapter.set_quantity("4001", 15, expected_previous=10, push_id="p1")
        assert fake.shop.quantity("4001") == 8
        assert stale.observed_quantity is not None
        retried = await adapter.set_quantity(
            "4001",
            stale.observed_quantity + 5,
            expected_previous=stale.observed_quantity,
            push_id="p1",
        )
        await adapter.aclose()
        return stale.outcome, stale.observed_quantity, retried.outcome

    outcome, observed, retried = asyncio.run(scenario())
    assert (outcome, observed, retried) == (PushOutcome.STALE, 8, PushOutcome.ACKNOWLEDGED)
    assert fake.shop.quantity("4001") == 13


def test_http_429_returns_throttled_and_blocks_the_bucket(fake: ShopifyFake) -> None:
    async def scenario() -> None:
        adapter = adapter_for(fake)
        await adapter.inventory_item_id("4002")
        fake.shop.throttle_next(1, 2.5)
        result = await adapter.set_quantity("4002", 1, expected_previous=None)
        assert result.outcome is PushOutcome.THROTTLED
        assert result.retry_after == pytest.approx(2.5)
        assert adapter.transport.limiter.delay_before_next() > 2.0
        await adapter.aclose()

    asyncio.run(scenario())
    assert fake.shop.quantity("4002") == 3


def test_empty_cost_bucket_is_read_from_throttle_status(fake: ShopifyFake) -> None:
    async def scenario() -> None:
        adapter = adapter_for(fake)
        await adapter.inventory_item_id("4001")
        fake.drain_cost()
        result = await adapter.set_quantity("4001", 4, expected_previous=None)
        assert result.outcome is PushOutcome.THROTTLED
        assert result.retry_after is not None and 0 < result.retry_after <= 0.2
        assert adapter.cost_bucket.restore_rate == pytest.approx(fake.restore_rate)
        await asyncio.sleep(0.2)
        again = await adapter.set_quantity("4001", 4, expected_previous=None)
        assert again.outcome is PushOutcome.ACKNOWLEDGED
        await adapter.aclose()

    asyncio.run(scenario())


def test_wrong_access_token_is_rejected(fake: ShopifyFake) -> None:
    async def scenario() -> PushOutcome:
        adapter = adapter_for(fake, token="shpat_wrong")
        result = await adapter.set_quantity("4001", 1, expected_previous=None)
        await adapter.aclose()
        return result.outcome

    assert asyncio.run(scenario()) is PushOutcome.REJECTED
    assert fake.shop.auth_failures >= 1
    assert fake.shop.quantity("4001") == 10


def test_unknown_variant_is_rejected(fake: ShopifyFake) -> None:
    async def scenario() -> PushOutcome:
        adapter = adapter_for(fake)
        result = await adapter.set_quantity("9999", 1, expected_previous=None)
        await adapter.aclose()
        return result.outcome

    assert asyncio.run(scenario()) is PushOutcome.REJECTED


def test_webhooks_are_verified_deduped_and_folded_once(fake: ShopifyFake) -> None:
    first = fake.shop.sell("4001", 2)
    fake.shop.sell("4002", 1)
    assert first is not None
    fake.shop.cancel(first.order_id)

    async def scenario() -> None:
        adapter = adapter_for(fake)
        with webhook_sink(adapter) as sink:
            statuses = await fake.deliver_events(sink.url, duplicates=1.0, shuffle=True)
            assert statuses == [200] * 6
            assert len(sink.inbox) == 3
            book = OrderLineBook()
            for notification in sink.inbox.values():
                for order in await adapter.orders_for_notification(notification):
                    book.apply(order)
            assert book.units_sold() == 1
            assert book.status_of(first.order_id, "4001") is OrderStatus.CANCELLED
        await adapter.aclose()

    asyncio.run(scenario())


def test_tampered_or_unsigned_webhooks_are_refused(fake: ShopifyFake) -> None:
    fake.shop.sell("4001", 1)
    event = fake.shop.take_events()[0]
    headers, body = fake.render(event, "")

    async def scenario() -> None:
        adapter = adapter_for(fake)
        with webhook_sink(adapter) as sink:
            async with httpx.AsyncClient() as client:
                tampered = body.replace(b'"quantity": 1', b'"quantity": 9')
                assert (
                    await client.post(sink.url, content=tampered, headers=headers)
                ).status_code == 401
                unsigned = {k: v for k, v in headers.items() if k != "X-Shopify-Hmac-Sha256"}
                assert (
                    await client.post(sink.url, content=body, headers=unsigned)
                ).status_code == 401
                assert (
                    await client.post(sink.url, content=body, headers=headers)
                ).status_code == 200
            assert sink.refused == 2 and len(sink.inbox) == 1
        await adapter.aclose()

    asyncio.run(scenario())


def test_reconciliation_pull_sees_orders_and_cancellations(fake: ShopifyFake) -> None:
    since = datetime.now(UTC) - timedelta(minutes=1)
    kept = fake.shop.sell("4001", 3)
    dropped = fake.shop.sell("4002", 1)
    assert kept is not None and dropped is not None
    fake.shop.cancel(dropped.order_id)

    async def scenario() -> dict[str, tuple[str, int, OrderStatus]]:
        adapter = adapter_for(fake)
        orders = await adapter.recent_orders(since)
        await adapter.aclose()
        return {o.channel_order_id: (o.sku_ref, o.quantity, o.status) for o in orders}

    assert asyncio.run(scenario()) == {
        kept.order_id: ("4001", 3, OrderStatus.CREATED),
        dropped.order_id: ("4002", 1, OrderStatus.CANCELLED),
    }


def test_slow_acknowledgement_is_measured(fake: ShopifyFake) -> None:
    slow = ShopifyFake(FakeShop({"4001": 1}, ack_delay=0.3))
    with slow.running():

        async def scenario() -> None:
            adapter = adapter_for(slow)
            await adapter.inventory_item_id("4001")
            result = await adapter.set_quantity("4001", 2, expected_previous=1)
            assert result.acknowledged
            await adapter.aclose()

        asyncio.run(scenario())
    update = slow.shop.updates[0]
    assert update.applied_at - update.received_at >= 0.29


def test_a_raise_sent_as_a_delta_lands_whatever_sold_meanwhile(fake: ShopifyFake) -> None:
    """S-6: ``inventoryAdjustQuantities`` adds to what the store shows, where a
    compare-and-swap from the value the hub believed would go stale."""
    fake.shop.sell("4001", 3)

    async def scenario() -> list[PushOutcome]:
        adapter = adapter_for(fake)
        first = await adapter.adjust_quantity("4001", 5, push_id="push-1")
        repeated = await adapter.adjust_quantity("4001", 5, push_id="push-1")
        await adapter.aclose()
        return [first.outcome, repeated.outcome]

    assert asyncio.run(scenario()) == [PushOutcome.ACKNOWLEDGED, PushOutcome.ACKNOWLEDGED]
    assert fake.shop.quantity("4001") == 10 - 3 + 5
    assert [u.quantity for u in fake.shop.updates] == [12]


def test_a_delta_to_an_unknown_location_is_rejected_and_changes_nothing(
    fake: ShopifyFake,
) -> None:
    async def scenario() -> tuple[PushOutcome, str]:
        config = ShopifyConfig(
            base_url=fake.base_url,
            access_token=fake.access_token,
            client_secret=fake.client_secret,
            location_id="gid://shopify/Location/999",
        )
        adapter = ShopifyAdapter(config, transport=ChannelTransport(fake.base_url, settings=FAST))
        result = await adapter.adjust_quantity("4001", 4, push_id="push-2")
        await adapter.aclose()
        return result.outcome, result.detail

    outcome, detail = asyncio.run(scenario())
    assert outcome is PushOutcome.REJECTED
    assert "INVALID_LOCATION" in detail
    assert fake.shop.quantity("4001") == 10
