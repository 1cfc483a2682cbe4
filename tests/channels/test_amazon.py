"""Amazon adapter: Listings PATCH merge, SQS ORDER_CHANGE delivery, getOrders fallback."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from buzzstock.channels.amazon import AmazonAdapter, AmazonConfig
from buzzstock.channels.base import ChannelRejected, OrderStatus, PushOutcome
from buzzstock.channels.inbound import OrderLineBook
from buzzstock.channels.transport import ChannelTransport
from buzzstock.sim.channel_fakes import AmazonFake, FakeShop

from .helpers import FAST


@pytest.fixture
def fake() -> Iterator[AmazonFake]:
    amazon = AmazonFake(FakeShop({"BZ-RED-M": 30, "BZ-RED-L": 2}))
    with amazon.running():
        yield amazon


def adapter_for(fake: AmazonFake, *, aws_secret: str | None = None) -> AmazonAdapter:
    config = AmazonConfig(
        base_url=fake.base_url,
        seller_id=fake.seller_id,
        marketplace_id=fake.marketplace_id,
        access_token=fake.access_token,
        product_type="SHIRT",
        queue_url=f"{fake.base_url}/123456789012/buzzstock-orders",
        sqs_endpoint=fake.base_url,
        aws_access_key_id=fake.aws_access_key_id,
        aws_secret_access_key=aws_secret or fake.aws_secret_access_key,
    )
    return AmazonAdapter(
        config,
        transport=ChannelTransport(
            fake.base_url, settings=FAST, headers={"x-amz-access-token": fake.access_token}
        ),
        queue_transport=ChannelTransport(fake.base_url, settings=FAST),
    )


def test_patch_merge_is_accepted_and_read_back(fake: AmazonFake) -> None:
    async def scenario() -> None:
        adapter = adapter_for(fake)
        result = await adapter.set_quantity("BZ-RED-M", 25, expected_previous=None)
        assert result.outcome is PushOutcome.ACKNOWLEDGED
        assert result.reference
        assert await adapter.read_quantities(["BZ-RED-M"]) == {"BZ-RED-M": 25}
        invalid = await adapter.set_quantity("NOT-LISTED", 1, expected_previous=None)
        assert invalid.outcome is PushOutcome.REJECTED
        await adapter.aclose()

    asyncio.run(scenario())


def test_quota_exceeded_is_throttled(fake: AmazonFake) -> None:
    fake.shop.throttle_next(1, 3)

    async def scenario() -> tuple[PushOutcome, float | None]:
        adapter = adapter_for(fake)
        result = await adapter.set_quantity("BZ-RED-M", 1, expected_previous=None)
        await adapter.aclose()
        return result.outcome, result.retry_after

    assert asyncio.run(scenario()) == (PushOutcome.THROTTLED, 3.0)
    assert fake.shop.quantity("BZ-RED-M") == 30


def test_queue_delivers_order_change_at_least_once_and_deletes_on_ack(fake: AmazonFake) -> None:
    first = fake.shop.sell("BZ-RED-M", 4)
    fake.shop.sell("BZ-RED-L", 2)
    assert first is not None
    fake.shop.cancel(first.order_id)
    assert fake.enqueue_events(duplicates=1.0, shuffle=True) == 6

    async def scenario() -> None:
        adapter = adapter_for(fake)
        inbox: dict[str, int] = {}
        book = OrderLineBook()
        while notifications := await adapter.receive_notifications(max_messages=4):
            for notification in notifications:
                if notification.event_id not in inbox:
                    inbox[notification.event_id] = 1
                    for order in notification.orders:
                        book.apply(order)
                await adapter.acknowledge([notification])
        assert len(inbox) == 3
        assert book.units_sold() == 2
        assert book.status_of(first.order_id, "BZ-RED-M") is OrderStatus.CANCELLED
        await adapter.aclose()

    asyncio.run(scenario())
    assert fake.queue == []


def test_queue_calls_need_a_valid_sigv4_signature(fake: AmazonFake) -> None:
    async def scenario() -> None:
        adapter = adapter_for(fake, aws_secret="wrong")
        with pytest.raises(ChannelRejected):
            await adapter.receive_notifications()
        await adapter.aclose()

    asyncio.run(scenario())
    assert fake.shop.auth_failures == 1


def test_get_orders_polling_fallback(fake: AmazonFake) -> None:
    since = datetime.now(UTC) - timedelta(minutes=1)
    order = fake.shop.sell("BZ-RED-L", 1)
    assert order is not None

    async def scenario() -> list[tuple[str, str, int, OrderStatus]]:
        adapter = adapter_for(fake)
        orders = await adapter.recent_orders(since)
        await adapter.aclose()
        return [(o.channel_order_id, o.sku_ref, o.quantity, o.status) for o in orders]

    assert asyncio.run(scenario()) == [(order.order_id, "BZ-RED-L", 1, OrderStatus.CREATED)]


def test_the_poll_fetches_lines_only_of_orders_the_hub_has_not_booked(fake: AmazonFake) -> None:
    """getOrderItems allows 0.5 requests/s: a live sale's orders, already booked from the
    queue, must not be fetched again one by one."""
    since = datetime.now(UTC) - timedelta(minutes=1)
    known_order = fake.shop.sell("BZ-RED-M", 2)
    new_order = fake.shop.sell("BZ-RED-M", 1)
    assert known_order is not None and new_order is not None
    fake.shop.cancel(known_order.order_id)

    async def scenario() -> tuple[list[tuple[str, int, OrderStatus]], int]:
        adapter = adapter_for(fake)
        before = fake.shop.requests
        orders = await adapter.recent_orders(since, known={known_order.order_id: {"BZ-RED-M": 2}})
        calls = fake.shop.requests - before
        await adapter.aclose()
        return sorted((o.channel_order_id, o.quantity, o.status) for o in orders), calls

    orders, calls = asyncio.run(scenario())
    assert orders == sorted(
        [
            (known_order.order_id, 2, OrderStatus.CANCELLED),
            (new_order.order_id, 1, OrderStatus.CREATED),
        ]
    )
    assert calls == 2, "getOrders, then getOrderItems of the new order only"
