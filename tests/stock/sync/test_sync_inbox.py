"""Channel sync against the platform fakes, on SQLite and PostgreSQL: the inbox keeps each
delivery once (webhooks, and Amazon's SQS messages) and books each order line once whatever the
duplicates and the order; the push lane coalesces and frees units only on acknowledgement;
reconciliation repairs drift."""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError

from buzzstock.api.app import create_app
from buzzstock.catalog.model import Channel, Market, Region, Sku, Warehouse
from buzzstock.channels.amazon import AmazonAdapter
from buzzstock.core import auth
from buzzstock.core.context import Context
from buzzstock.core.db import reading
from buzzstock.shop import ShopFile, load_shop
from buzzstock.sim.channel_fakes import (
    AmazonFake,
    FakeShop,
    GenericShopFake,
    PlatformFake,
    WooCommerceFake,
    config_for,
)
from buzzstock.sim.channel_fakes.amazon import QueuedMessage
from buzzstock.stock import ledger
from buzzstock.stock.pool import receive, set_quotas
from buzzstock.stock.store import channel_listings, quota_buckets, reservations
from buzzstock.stock.sync.allotment import connect_listing, publish
from buzzstock.stock.sync.inbox import process_inbox
from buzzstock.stock.sync.push_answers import record_push_outcome
from buzzstock.stock.sync.push_claims import claim_pushes
from buzzstock.stock.sync.reconcile import reconcile_channel
from buzzstock.stock.sync.runtime import hub_loops, take_queued_notifications
from buzzstock.stock.sync.settings import SyncSettings
from buzzstock.stock.sync.store import channel_inbox, channel_order_lines
from buzzstock.stock.sync.worker import adapter_for, push_once

SKU = "BAND"
CHANNEL = "shop-us"


@pytest.fixture
def generic_fake() -> Iterator[GenericShopFake]:
    fake = GenericShopFake(FakeShop({SKU: 0}))
    with fake.running():
        yield fake


def set_up(ctx: Context, fake: PlatformFake, sku_ref: str, *, cas: bool) -> None:
    fake.shop.clock = ctx.clock.now
    platform, config = config_for(fake)
    load_shop(
        ctx,
        ShopFile(
            regions=[Region(code="US", name="US", timezone="America/Chicago", lat=39, lon=-98)],
            markets=[Market(code="US", name="US", region="US", currency="USD", timezone="UTC")],
            warehouses=[
                Warehouse(code="LAX", name="LAX", region="US", city="LA", lat=34, lon=-118)
            ],
            channels=[
                Channel(
                    code=CHANNEL,
                    name="shop",
                    platform=platform,
                    market="US",
                    settings={"adapter": config},
                )
            ],
            skus=[Sku(code=SKU, name="band")],
        ),
    )
    receive(ctx, SKU, "LAX", 100)
    set_quotas(ctx, SKU, {"US": 1.0}, elastic_share=0.2)
    connect_listing(ctx, CHANNEL, SKU, sku_ref, compare_and_swap=cas)


def listing(ctx: Context) -> dict[str, int]:
    with reading(ctx.engine) as connection:
        row = connection.execute(select(channel_listings)).one()
        buckets = {
            bucket.bucket: bucket.limit_units - bucket.used_units
            for bucket in connection.execute(select(quota_buckets))
        }
    return {
        "exposure": row.exposure_units,
        "acknowledged": row.acknowledged_units,
        "pushes": row.pushes_sent,
        "changes": row.changes,
        "allotment_free": buckets[f"ch:{CHANNEL}"],
        "region_free": buckets["US"],
    }


def push_all(ctx: Context) -> None:
    adapter = adapter_for(ctx, CHANNEL)

    async def run() -> None:
        while (await push_once(ctx, CHANNEL, adapter, SyncSettings())).sent:
            pass
        await adapter.aclose()

    asyncio.run(run())


def count(ctx: Context, table: object, *conditions: object) -> int:
    with reading(ctx.engine) as connection:
        query = select(func.count()).select_from(table)  # type: ignore[arg-type]
        for condition in conditions:
            query = query.where(condition)  # type: ignore[arg-type]
        return int(connection.execute(query).scalar_one())


def process_all(ctx: Context) -> None:
    adapter = adapter_for(ctx, CHANNEL)

    async def run() -> None:
        while await process_inbox(ctx, CHANNEL, adapter):
            pass
        await adapter.aclose()

    asyncio.run(run())


def test_duplicated_shuffled_webhooks_book_every_line_exactly_once(
    ctx: Context, generic_fake: GenericShopFake
) -> None:
    set_up(ctx, generic_fake, SKU, cas=True)
    publish(ctx, CHANNEL, SKU, 30)
    push_all(ctx)
    assert generic_fake.shop.quantity(SKU) == 30
    orders = [generic_fake.shop.sell(SKU, 2) for _ in range(3)]
    assert all(order is not None for order in orders)
    generic_fake.shop.cancel(orders[0].order_id)  # type: ignore[union-attr]
    url = f"/api/v1/channels/{CHANNEL}/webhooks/generic"
    deliveries = [generic_fake.render(event, url) for event in generic_fake.shop.take_events()]
    rng = random.Random(4)
    everything = deliveries + deliveries[:3]
    rng.shuffle(everything)
    with TestClient(create_app(ctx)) as client:
        for headers, body in everything:
            assert client.post(url, content=body, headers=headers).status_code == 200
        forged_headers, forged_body = deliveries[1]
        refused = client.post(url, content=forged_body + b" ", headers=forged_headers)
        assert refused.status_code == 401
    assert count(ctx, channel_inbox) == 4
    process_all(ctx)
    assert count(ctx, channel_inbox, channel_inbox.c.state == "pending") == 0
    assert count(ctx, channel_order_lines) == 3
    assert count(ctx, channel_order_lines, channel_order_lines.c.status == "cancelled") == 1
    assert count(ctx, reservations, reservations.c.state.in_(("held", "confirmed"))) == 2
    assert count(ctx, reservations, reservations.c.state == "expired") == 0
    state = listing(ctx)
    assert state["exposure"] == 30 - 6 + 2 == generic_fake.shop.quantity(SKU)
    assert ledger.verify(ctx.engine).ok


def test_a_cancellation_before_its_creation_never_books_the_line(
    ctx: Context, generic_fake: GenericShopFake
) -> None:
    set_up(ctx, generic_fake, SKU, cas=True)
    publish(ctx, CHANNEL, SKU, 10)
    push_all(ctx)
    order = generic_fake.shop.sell(SKU, 3)
    assert order is not None
    generic_fake.shop.cancel(order.order_id)
    created, cancelled = generic_fake.shop.take_events()
    url = f"/api/v1/channels/{CHANNEL}/webhooks/generic"
    with TestClient(create_app(ctx)) as client:
        for event in (cancelled, created):
            headers, body = generic_fake.render(event, url)
            client.post(url, content=body, headers=headers)
            process_all(ctx)
    assert count(ctx, reservations) == 0
    assert listing(ctx)["exposure"] == 10


def test_pushes_coalesce_and_a_lower_value_frees_units_only_once_acknowledged(
    ctx: Context, generic_fake: GenericShopFake
) -> None:
    set_up(ctx, generic_fake, SKU, cas=True)
    for units in (10, 25, 20):
        publish(ctx, CHANNEL, SKU, units)
    push_all(ctx)
    state = listing(ctx)
    assert (state["pushes"], state["changes"], state["exposure"]) == (1, 3, 20)
    assert generic_fake.shop.quantity(SKU) == 20
    publish(ctx, CHANNEL, SKU, 5)
    (task,) = claim_pushes(ctx, CHANNEL)
    before_ack = listing(ctx)
    assert before_ack["exposure"] == 20 and before_ack["allotment_free"] >= 20
    record_push_outcome(ctx, task, "acknowledged")
    after_ack = listing(ctx)
    assert after_ack["exposure"] == 5 == after_ack["allotment_free"]
    assert after_ack["region_free"] == before_ack["region_free"] + 15
    assert ledger.verify(ctx.engine).ok


def test_reconciliation_books_missed_orders_and_releases_a_blind_channels_drift(
    ctx: Context,
) -> None:
    fake = WooCommerceFake(FakeShop({"501": 0}))
    with fake.running():
        set_up(ctx, fake, "501", cas=False)
        publish(ctx, CHANNEL, SKU, 20)
        push_all(ctx)
        publish(ctx, CHANNEL, SKU, 25)
        push_all(ctx)
        assert listing(ctx)["exposure"] == 45, "a blind set keeps the display it overwrote"
        assert fake.shop.sell("501", 4) is not None
        adapter = adapter_for(ctx, CHANNEL)

        async def run() -> object:
            since = ctx.clock.now().replace(year=2000)
            report = await reconcile_channel(ctx, CHANNEL, adapter, since)
            await adapter.aclose()
            return report

        report = asyncio.run(run())
    assert report.orders_booked == 1  # type: ignore[attr-defined]
    assert report.drift == {SKU: 20}  # type: ignore[attr-defined]
    state = listing(ctx)
    assert state["exposure"] == 21 == state["allotment_free"]
    assert count(ctx, reservations) == 1
    assert ledger.verify(ctx.engine).ok


def test_status_and_war_room_show_latency_consumption_and_host_lines(
    ctx: Context, generic_fake: GenericShopFake
) -> None:
    set_up(ctx, generic_fake, SKU, cas=True)
    operator = auth.create_key(ctx, "war room", "operator")[1]
    channel_key = auth.create_key(ctx, "shop", "channel", channel=CHANNEL)[1]
    headers = {"Authorization": f"Bearer {operator}"}
    with TestClient(create_app(ctx)) as client:
        published = client.put(
            f"/api/v1/channels/{CHANNEL}/listings/{SKU}/published",
            json={"units": 12},
            headers=headers,
        )
        assert published.status_code == 200
        push_all(ctx)
        assert generic_fake.shop.sell(SKU, 4) is not None
        url = f"/api/v1/channels/{CHANNEL}/webhooks/generic"
        for event in generic_fake.shop.take_events():
            event_headers, body = generic_fake.render(event, url)
            client.post(url, content=body, headers=event_headers)
        process_all(ctx)
        status = client.get("/api/v1/sync/status", headers=headers).json()
        room = client.get(f"/api/v1/sync/warroom/{SKU}", headers=headers).json()
        refused = client.get(
            "/api/v1/sync/status", headers={"Authorization": f"Bearer {channel_key}"}
        )
    (channel,) = status
    assert channel["pushes"] == 1 and channel["pending"] == 0
    assert channel["sync_latency"]["count"] == 1
    assert refused.status_code == 403
    (shown,) = room["channels"]
    assert (shown["shown"], shown["may_still_sell"], shown["sold"]) == (8, 8, 4)
    (curve,) = room["consumption"]["curves"]
    assert curve["cumulative"][-1] == 4
    (region,) = room["regions"]
    assert region["remaining"] == 100 - 20 - 4, "the region's quota and allotments, not elastic"
    assert region["host_line"] in room["host_lines"]
    assert "US" in region["host_line"]


AMAZON_SKU = "BZ-BAND-M"


@pytest.fixture
def amazon_fake() -> Iterator[AmazonFake]:
    fake = AmazonFake(FakeShop({AMAZON_SKU: 0}))
    with fake.running():
        yield fake


def run_hub_until(ctx: Context, done: Callable[[], bool], timeout: float = 20.0) -> bool:
    """Run the hub's loops for the channel (no reconciliation: orders come only from the
    queue) until ``done``; returns whether it was reached."""
    adapter = adapter_for(ctx, CHANNEL)

    async def run() -> bool:
        stop = asyncio.Event()
        loops = asyncio.create_task(
            hub_loops(ctx, [CHANNEL], {CHANNEL: adapter}, SyncSettings(), stop, reconcile=False)
        )
        deadline = time.monotonic() + timeout
        while not await asyncio.to_thread(done) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        reached = await asyncio.to_thread(done)
        stop.set()
        await loops
        await adapter.aclose()
        return reached

    return asyncio.run(run())


def test_amazon_queue_notifications_are_booked_once_then_deleted(
    ctx: Context, amazon_fake: AmazonFake
) -> None:
    set_up(ctx, amazon_fake, AMAZON_SKU, cas=False)
    publish(ctx, CHANNEL, SKU, 30)
    push_all(ctx)
    assert amazon_fake.shop.quantity(AMAZON_SKU) == 30
    orders = [amazon_fake.shop.sell(AMAZON_SKU, 2) for _ in range(3)]
    assert all(order is not None for order in orders)
    amazon_fake.shop.cancel(orders[0].order_id)  # type: ignore[union-attr]
    first, second, third, cancellation = amazon_fake.shop.take_events()
    # SQS is at-least-once and unordered: the cancellation comes first, one order twice.
    amazon_fake.queue.extend(
        QueuedMessage(uuid.uuid4().hex, amazon_fake.notification(event))
        for event in (cancellation, second, first, third, second)
    )

    def drained() -> bool:
        return not amazon_fake.queue and not count(
            ctx, channel_inbox, channel_inbox.c.state == "pending"
        )

    assert run_hub_until(ctx, drained), "every message stored, processed and deleted"
    assert count(ctx, channel_inbox) == 4, "one inbox row per NotificationId"
    assert count(ctx, channel_order_lines) == 3
    assert count(ctx, channel_order_lines, channel_order_lines.c.status == "cancelled") == 1
    assert count(ctx, reservations, reservations.c.state.in_(("held", "confirmed"))) == 2
    assert listing(ctx)["exposure"] == 30 - 6 + 2 == amazon_fake.shop.quantity(AMAZON_SKU)
    assert ledger.verify(ctx.engine).ok


def test_an_amazon_message_that_could_not_be_stored_is_not_deleted(
    ctx: Context, amazon_fake: AmazonFake
) -> None:
    set_up(ctx, amazon_fake, AMAZON_SKU, cas=False)
    publish(ctx, CHANNEL, SKU, 10)
    push_all(ctx)
    assert amazon_fake.shop.sell(AMAZON_SKU, 3) is not None
    assert amazon_fake.enqueue_events() == 1
    adapter = adapter_for(ctx, CHANNEL)
    assert isinstance(adapter, AmazonAdapter)

    async def scenario() -> None:
        channel_inbox.drop(ctx.engine)  # the database refuses the write, as in an outage
        with pytest.raises(DBAPIError):
            await take_queued_notifications(ctx, CHANNEL, adapter)
        assert len(amazon_fake.queue) == 1, "received, not stored, so not deleted"
        channel_inbox.create(ctx.engine)
        amazon_fake.queue[0].receipt_handle = None  # its visibility timeout ends: SQS shows it
        assert await take_queued_notifications(ctx, CHANNEL, adapter) == 1
        await adapter.aclose()

    asyncio.run(scenario())
    assert amazon_fake.queue == []
    process_all(ctx)
    assert count(ctx, channel_order_lines) == 1
    assert count(ctx, reservations, reservations.c.state == "held") == 1
    assert listing(ctx)["exposure"] == 10 - 3 == amazon_fake.shop.quantity(AMAZON_SKU)
