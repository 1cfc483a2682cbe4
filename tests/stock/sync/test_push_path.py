"""The push lane's set-based claims and answers, on SQLite and PostgreSQL: a channel's round
covers, claims and settles all its SKUs at once; answers never wait for quota rows a batch
publication holds (the units they free follow); push workers beside a batch publisher push
every last value without a deadlock and never publish beyond what exists."""

from __future__ import annotations

import asyncio
import random
import threading
import time
from contextlib import ExitStack

import pytest
from sqlalchemy import select

from buzzstock.catalog.model import Channel, Market, Region, Sku, Warehouse
from buzzstock.core.context import Context
from buzzstock.core.db import reading
from buzzstock.shop import ShopFile, load_shop
from buzzstock.sim.channel_fakes import FakeShop, GenericShopFake, config_for
from buzzstock.stock import ledger
from buzzstock.stock.pool import receive, set_quotas
from buzzstock.stock.store import channel_listings, quota_buckets, stock_levels
from buzzstock.stock.sync.allotment import connect_listing, publish, publish_many
from buzzstock.stock.sync.publication import channel_bucket
from buzzstock.stock.sync.push_answers import (
    PushAnswer,
    record_answers,
    record_push_outcomes,
    settle_listings,
)
from buzzstock.stock.sync.push_claims import claim_pushes
from buzzstock.stock.sync.settings import SyncSettings
from buzzstock.stock.sync.worker import PushWorker, adapter_for
from tests.stock.sync.test_publish_many import open_shop

SHOP = "shop-a"


def free_units(ctx: Context, sku: str) -> dict[str, int]:
    with reading(ctx.engine) as connection:
        rows = connection.execute(select(quota_buckets).where(quota_buckets.c.sku == sku))
        return {row.bucket: row.limit_units - row.used_units for row in rows}


def exposure(ctx: Context, channel: str, sku: str) -> int:
    with reading(ctx.engine) as connection:
        return int(
            connection.execute(
                select(channel_listings.c.exposure_units).where(
                    channel_listings.c.channel == channel, channel_listings.c.sku == sku
                )
            ).scalar_one()
        )


def test_a_round_covers_claims_and_settles_every_sku_at_once(ctx: Context) -> None:
    open_shop(ctx, ["ONE", "THREE", "TWO"])
    publish_many(ctx, [(SHOP, "ONE", 20), (SHOP, "TWO", 20), (SHOP, "THREE", 70)])
    assert free_units(ctx, "THREE")[channel_bucket(SHOP)] == 60, "only 60 units exist yet"
    receive(ctx, "THREE", "LAX", 20)

    tasks = claim_pushes(ctx, SHOP)

    assert [(task.sku, task.value, task.expected) for task in tasks] == [
        ("ONE", 20, 0),
        ("THREE", 70, 0),
        ("TWO", 20, 0),
    ], "the claim covered THREE's raise from the units received meanwhile"
    record_push_outcomes(ctx, [(task, PushAnswer("acknowledged")) for task in tasks])
    publish_many(ctx, [(SHOP, "ONE", 5), (SHOP, "TWO", 5), (SHOP, "THREE", 5)])
    region_before = {sku: free_units(ctx, sku)["US"] for sku in ("ONE", "TWO", "THREE")}
    tasks = claim_pushes(ctx, SHOP)
    record_push_outcomes(ctx, [(task, PushAnswer("acknowledged")) for task in tasks])

    for sku, released in (("ONE", 15), ("TWO", 15), ("THREE", 65)):
        assert exposure(ctx, SHOP, sku) == 5
        assert free_units(ctx, sku)[channel_bucket(SHOP)] == 5, "the surplus went back"
        assert free_units(ctx, sku)["US"] == region_before[sku] + released
    assert ledger.verify(ctx.engine).ok


def test_answers_do_not_wait_for_quota_rows_held_elsewhere(ctx: Context) -> None:
    if ctx.engine.dialect.name == "sqlite":
        pytest.skip("SQLite has one writer: nobody holds a row while the push path writes")
    open_shop(ctx, ["ONE"])
    publish(ctx, SHOP, "ONE", 20)
    record_push_outcomes(
        ctx, [(task, PushAnswer("acknowledged")) for task in claim_pushes(ctx, SHOP)]
    )
    publish(ctx, SHOP, "ONE", 5)
    (task,) = claim_pushes(ctx, SHOP)
    region_before = free_units(ctx, "ONE")["US"]

    with ctx.engine.connect() as publication:
        publication.execute(
            select(quota_buckets)
            .where(quota_buckets.c.sku == "ONE", quota_buckets.c.bucket == "US")
            .with_for_update()
        )
        unsettled = record_answers(ctx, [(task, PushAnswer("acknowledged"))])
        assert exposure(ctx, SHOP, "ONE") == 5, "the answer is recorded at once"
        assert free_units(ctx, "ONE")[channel_bucket(SHOP)] == 20, "its surplus is held back"
        settling = threading.Thread(target=settle_listings, args=(ctx, unsettled))
        settling.start()
        time.sleep(0.2)
        assert settling.is_alive(), "the release waits for the quota row"
        publication.rollback()
    settling.join(timeout=10)

    assert free_units(ctx, "ONE")[channel_bucket(SHOP)] == 5
    assert free_units(ctx, "ONE")["US"] == region_before + 15
    assert ledger.verify(ctx.engine).ok


CAS = ("cas-a", "cas-b")
CHANNELS = (*CAS, "blind")
SKUS = [f"P{index}" for index in range(6)]


def test_push_workers_beside_a_batch_publisher_push_every_last_value(ctx: Context) -> None:
    fakes = {
        code: GenericShopFake(FakeShop(dict.fromkeys(SKUS, 0), clock=ctx.clock.now))
        for code in CHANNELS
    }
    with ExitStack() as stack:
        for fake in fakes.values():
            stack.enter_context(fake.running())
        channels = []
        for code, fake in fakes.items():
            platform, config = config_for(fake)
            settings = {"adapter": config}
            channels.append(
                Channel(code=code, name=code, platform=platform, market="US", settings=settings)
            )
        load_shop(
            ctx,
            ShopFile(
                regions=[Region(code="US", name="US", timezone="UTC", lat=0, lon=0)],
                markets=[Market(code="US", name="US", region="US", currency="USD", timezone="UTC")],
                warehouses=[Warehouse(code="W", name="W", region="US", city="W", lat=0, lon=0)],
                channels=channels,
                skus=[Sku(code=sku, name=sku) for sku in SKUS],
            ),
        )
        for sku in SKUS:
            receive(ctx, sku, "W", 100_000)
            set_quotas(ctx, sku, {"US": 1.0}, elastic_share=0.2)
            for code in CHANNELS:
                connect_listing(ctx, code, sku, sku, compare_and_swap=code in CAS)
        last: dict[tuple[str, str], int] = {}
        failures: list[BaseException] = []

        def publisher() -> None:
            rng = random.Random(7)
            try:
                for _ in range(150):
                    changes = [
                        (rng.choice(CHANNELS), rng.choice(SKUS), rng.randint(0, 150))
                        for _ in range(rng.randint(1, 12))
                    ]
                    publish_many(ctx, changes)
                    last.update({(code, sku): units for code, sku, units in changes})
                    time.sleep(0.002)
            except BaseException as error:
                failures.append(error)

        async def run() -> None:
            adapters = {code: adapter_for(ctx, code) for code in CHANNELS}
            workers = [
                PushWorker(ctx, code, adapter, SyncSettings(worker_poll_seconds=0.01))
                for code, adapter in adapters.items()
            ]
            stop = asyncio.Event()
            running = [asyncio.create_task(worker.run(stop)) for worker in workers]
            await asyncio.to_thread(publisher)
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and any(
                fakes[code].shop.quantity(sku) != units for (code, sku), units in last.items()
            ):
                await asyncio.sleep(0.05)
            stop.set()
            await asyncio.gather(*running)
            for adapter in adapters.values():
                await adapter.aclose()

        asyncio.run(run())

    assert not failures
    assert {key: fakes[key[0]].shop.quantity(key[1]) for key in last} == last
    with reading(ctx.engine) as connection:
        listings = list(connection.execute(select(channel_listings)))
        buckets = {(row.sku, row.bucket): row for row in connection.execute(select(quota_buckets))}
        on_hand = {row.sku: row.on_hand for row in connection.execute(select(stock_levels))}
    for row in listings:
        allotment = buckets[(row.sku, channel_bucket(row.channel))]
        assert row.inflight_version == 0
        assert row.exposure_units <= allotment.limit_units - allotment.used_units
        if row.channel in CAS:
            assert row.exposure_units == last.get((row.channel, row.sku), 0)
            assert allotment.limit_units == row.exposure_units, "no surplus left held back"
        else:
            assert fakes[row.channel].shop.quantity(row.sku) <= row.exposure_units
    for sku in SKUS:
        assert (
            sum(row.limit_units for (name, _), row in buckets.items() if name == sku)
            == (on_hand[sku])
        )
    assert ledger.verify(ctx.engine).ok
