"""TikTok Shop adapter against its fake: signed requests, code == 0, thin order pushes."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from buzzstock.channels.base import OrderStatus, PushOutcome
from buzzstock.channels.inbound import OrderLineBook
from buzzstock.channels.tiktok import TikTokShopAdapter, TikTokShopConfig
from buzzstock.channels.transport import ChannelTransport
from buzzstock.sim.channel_fakes import FakeShop, TikTokShopFake

from .helpers import FAST, webhook_sink


@pytest.fixture
def fake() -> Iterator[TikTokShopFake]:
    tiktok = TikTokShopFake(FakeShop({"1729:5001": 20, "1729:5002": 4}))
    with tiktok.running():
        yield tiktok


def adapter_for(fake: TikTokShopFake, *, secret: str | None = None) -> TikTokShopAdapter:
    config = TikTokShopConfig(
        base_url=fake.base_url,
        app_key=fake.app_key,
        app_secret=secret or fake.app_secret,
        access_token=fake.access_token,
        shop_cipher=fake.shop_cipher,
    )
    return TikTokShopAdapter(config, transport=ChannelTransport(fake.base_url, settings=FAST))


def test_signed_inventory_update_and_search(fake: TikTokShopFake) -> None:
    async def scenario() -> dict[str, int]:
        adapter = adapter_for(fake)
        result = await adapter.set_quantity("1729:5001", 12, expected_previous=20)
        assert result.outcome is PushOutcome.ACKNOWLEDGED
        quantities = await adapter.read_quantities(["1729:5001", "1729:5002"])
        await adapter.aclose()
        return quantities

    assert asyncio.run(scenario()) == {"1729:5001": 12, "1729:5002": 4}


def test_wrong_app_secret_fails_signature_check(fake: TikTokShopFake) -> None:
    async def scenario() -> PushOutcome:
        adapter = adapter_for(fake, secret="not-the-secret")
        result = await adapter.set_quantity("1729:5001", 1, expected_previous=None)
        await adapter.aclose()
        return result.outcome

    assert asyncio.run(scenario()) is PushOutcome.REJECTED
    assert fake.shop.auth_failures == 1
    assert fake.shop.quantity("1729:5001") == 20


def test_unknown_sku_and_out_of_range_quantity_are_rejected(fake: TikTokShopFake) -> None:
    async def scenario() -> list[PushOutcome]:
        adapter = adapter_for(fake)
        unknown = await adapter.set_quantity("1729:9999", 1, expected_previous=None)
        too_many = await adapter.set_quantity("1729:5001", 100_000, expected_previous=None)
        await adapter.aclose()
        return [unknown.outcome, too_many.outcome]

    assert asyncio.run(scenario()) == [PushOutcome.REJECTED, PushOutcome.REJECTED]


def test_429_is_reported_with_retry_after(fake: TikTokShopFake) -> None:
    fake.shop.throttle_next(1, 1.5)

    async def scenario() -> tuple[PushOutcome, float | None]:
        adapter = adapter_for(fake)
        result = await adapter.set_quantity("1729:5002", 0, expected_previous=None)
        await adapter.aclose()
        return result.outcome, result.retry_after

    assert asyncio.run(scenario()) == (PushOutcome.THROTTLED, 1.5)


def test_thin_pushes_are_completed_from_the_order_api(fake: TikTokShopFake) -> None:
    order = fake.shop.sell("1729:5001", 3)
    assert order is not None
    fake.shop.sell("1729:5002", 1)
    fake.shop.cancel(order.order_id)

    async def scenario() -> None:
        adapter = adapter_for(fake)
        with webhook_sink(adapter) as sink:
            await fake.deliver_events(sink.url, duplicates=1.0, shuffle=True)
            assert sink.deliveries == 6 and len(sink.inbox) == 3
            book = OrderLineBook()
            for notification in sink.inbox.values():
                assert notification.order_ids_to_fetch
                lines = await adapter.orders_for_notification(notification)
                assert all(line.event_id == notification.event_id for line in lines)
                for line in lines:
                    book.apply(line)
            assert book.units_sold("1729:5002") == 1
            assert book.units_sold("1729:5001") == 0
        await adapter.aclose()

    asyncio.run(scenario())


def test_forged_push_is_refused(fake: TikTokShopFake) -> None:
    fake.shop.sell("1729:5001", 1)
    headers, body = fake.render(fake.shop.take_events()[0], "")

    async def scenario() -> None:
        adapter = adapter_for(fake)
        with webhook_sink(adapter) as sink:
            async with httpx.AsyncClient() as client:
                forged = {**headers, "Authorization": "0" * 64}
                assert (
                    await client.post(sink.url, content=body, headers=forged)
                ).status_code == 401
                bare = {"content-type": "application/json"}
                assert (await client.post(sink.url, content=body, headers=bare)).status_code == 401
            assert not sink.inbox
        await adapter.aclose()

    asyncio.run(scenario())


def test_order_search_for_reconciliation(fake: TikTokShopFake) -> None:
    since = datetime.now(UTC) - timedelta(minutes=1)
    order = fake.shop.sell("1729:5001", 2)
    assert order is not None

    async def scenario() -> list[tuple[str, str, int, OrderStatus]]:
        adapter = adapter_for(fake)
        orders = await adapter.recent_orders(since)
        await adapter.aclose()
        return [(o.channel_order_id, o.sku_ref, o.quantity, o.status) for o in orders]

    assert asyncio.run(scenario()) == [(order.order_id, "1729:5001", 2, OrderStatus.CREATED)]


def test_reads_wait_out_retry_after_and_then_succeed(fake: TikTokShopFake) -> None:
    fake.shop.throttle_next(1, 0.4)

    async def scenario() -> tuple[dict[str, int], float]:
        adapter = adapter_for(fake)
        started = time.monotonic()
        quantities = await adapter.read_quantities(["1729:5002"])
        elapsed = time.monotonic() - started
        await adapter.aclose()
        return quantities, elapsed

    quantities, elapsed = asyncio.run(scenario())
    assert quantities == {"1729:5002": 4}
    assert 0.4 <= elapsed < 1.0
    assert fake.shop.requests == 2
