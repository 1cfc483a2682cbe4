"""Batched publication (``allotment.publish_many``), on SQLite and PostgreSQL: a batch leaves
the same listings, quotas, ledger and events as its changes published one by one; a bad change
keeps nothing; random batches between pushes never let the channels sell more than exists."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import func, select

from buzzstock.catalog.model import Channel, Market, Region, Sku, Warehouse
from buzzstock.catalog.service import create
from buzzstock.core.clock import ManualClock
from buzzstock.core.context import Context
from buzzstock.core.db import reading
from buzzstock.core.errors import InvalidInput, NotFound
from buzzstock.core.events import outbox_events
from buzzstock.core.ids import new_id
from buzzstock.shop import ShopFile, load_shop
from buzzstock.stock import ledger
from buzzstock.stock.pool import receive, set_quotas
from buzzstock.stock.store import channel_listings, quota_buckets, stock_ledger, stock_levels
from buzzstock.stock.sync.allotment import connect_listing, publish, publish_many
from buzzstock.stock.sync.publication import channel_bucket
from buzzstock.stock.sync.push_answers import record_push_outcome
from buzzstock.stock.sync.push_claims import PushTask, claim_pushes

CAS_CHANNELS = ("shop-a", "shop-b")
BLIND_CHANNEL = "blind"
CHANNELS = (*CAS_CHANNELS, BLIND_CHANNEL)


def open_shop(ctx: Context, skus: list[str]) -> None:
    load_shop(
        ctx,
        ShopFile(
            regions=[Region(code="US", name="US", timezone="UTC", lat=39, lon=-98)],
            markets=[Market(code="US", name="US", region="US", currency="USD", timezone="UTC")],
            warehouses=[
                Warehouse(code="LAX", name="LAX", region="US", city="LA", lat=34, lon=-118)
            ],
            channels=[
                Channel(code=code, name=code, platform="custom", market="US") for code in CHANNELS
            ],
            skus=[Sku(code=sku, name=sku) for sku in [*skus, "UNLISTED"]],
        ),
    )
    for sku in skus:
        stock_sku(ctx, sku, 60)


def stock_sku(ctx: Context, sku: str, units: int) -> None:
    receive(ctx, sku, "LAX", units)
    set_quotas(ctx, sku, {"US": 1.0}, elastic_share=0.25)
    for channel in CHANNELS:
        connect_listing(ctx, channel, sku, sku, compare_and_swap=channel in CAS_CHANNELS)


def acknowledge_every_push(ctx: Context) -> None:
    for channel in CHANNELS:
        for task in claim_pushes(ctx, channel):
            record_push_outcome(ctx, task, "acknowledged")


def state_of(ctx: Context, skus: dict[str, str]) -> dict[str, Any]:
    """Listings, quotas, units moved per ledger kind and bucket, and events of ``skus`` (real
    name -> name in the result)."""
    with reading(ctx.engine) as connection:
        listings = {
            (row.channel, skus[row.sku]): (
                row.published_units,
                row.version,
                row.changes,
                row.exposure_units,
                row.acknowledged_units,
                row.next_attempt_at,
            )
            for row in connection.execute(
                select(channel_listings).where(channel_listings.c.sku.in_(skus))
            )
        }
        buckets = {
            (skus[row.sku], row.bucket): (row.limit_units, row.used_units)
            for row in connection.execute(
                select(quota_buckets).where(quota_buckets.c.sku.in_(skus))
            )
        }
        moved: dict[tuple[str, str, str], int] = defaultdict(int)
        for row in connection.execute(select(stock_ledger).where(stock_ledger.c.sku.in_(skus))):
            moved[(skus[row.sku], row.kind, row.bucket)] += row.d_limit
        events = [
            (
                row.payload["channel"],
                skus[row.payload["sku"]],
                row.payload["units"],
                row.payload["version"],
            )
            for row in connection.execute(
                select(outbox_events)
                .where(outbox_events.c.event_type == "ChannelQuantityChanged")
                .order_by(outbox_events.c.seq)
            )
            if row.payload["sku"] in skus
        ]
    return {"listings": listings, "buckets": buckets, "ledger": moved, "events": events}


def test_a_batch_leaves_what_its_changes_published_one_by_one_leave(ctx: Context) -> None:
    one_by_one = {"ONE-A": "ONE", "TWO-A": "TWO"}
    batched = {"ONE-B": "ONE", "TWO-B": "TWO"}
    open_shop(ctx, [*one_by_one, *batched])
    for skus in (one_by_one, batched):
        one, two = skus
        publish(ctx, "shop-a", one, 8)
        publish(ctx, BLIND_CHANNEL, two, 6)
    acknowledge_every_push(ctx)
    # Interleaved SKUs, a listing changed three times, a repeated value, a lowering, and raises
    # that empty the region quota then the elastic pool.
    changes = [
        ("shop-b", "TWO", 10),
        ("shop-a", "ONE", 20),
        ("shop-a", "ONE", 30),
        (BLIND_CHANNEL, "ONE", 25),
        ("shop-a", "ONE", 30),
        ("shop-b", "ONE", 5),
        ("shop-a", "ONE", 12),
        (BLIND_CHANNEL, "TWO", 40),
        ("shop-b", "TWO", 35),
    ]
    names_a = {name: sku for sku, name in one_by_one.items()}
    names_b = {name: sku for sku, name in batched.items()}
    versions_one_by_one = [
        publish(ctx, channel, names_a[name], units) for channel, name, units in changes
    ]
    versions_batched = publish_many(
        ctx, [(channel, names_b[name], units) for channel, name, units in changes]
    )
    assert versions_batched == versions_one_by_one == [1, 2, 3, 1, 3, 1, 4, 2, 2]
    expected = state_of(ctx, one_by_one)
    assert state_of(ctx, batched) == expected
    assert expected["buckets"][("ONE", "elastic")] == (0, 0), "the raises reached the elastic pool"
    assert expected["buckets"][("ONE", "ch:shop-a")] == (30, 0)
    assert len(expected["events"]) == 2 + 8, "a repeated value publishes nothing"
    assert expected["events"][2:4] == [("shop-b", "TWO", 10, 1), ("shop-a", "ONE", 20, 2)]
    assert ledger.verify(ctx.engine).ok
    # A batch writes one movement per bucket and channel: shop-a's two raises of ONE (from the
    # region) and shop-b's two of TWO (the region, then the elastic pool) are merged.
    assert ledger_rows(ctx, "ONE-A") - ledger_rows(ctx, "ONE-B") == 2
    assert ledger_rows(ctx, "TWO-A") - ledger_rows(ctx, "TWO-B") == 1


def ledger_rows(ctx: Context, sku: str) -> int:
    with reading(ctx.engine) as connection:
        query = select(func.count()).select_from(stock_ledger).where(stock_ledger.c.sku == sku)
        return int(connection.execute(query).scalar_one())


def test_a_batch_with_a_bad_change_keeps_nothing(ctx: Context) -> None:
    open_shop(ctx, ["ONE", "TWO"])
    publish(ctx, "shop-a", "ONE", 10)
    before = state_of(ctx, {"ONE": "ONE", "TWO": "TWO"})
    good = [("shop-a", "ONE", 30), ("shop-b", "TWO", 20)]
    with pytest.raises(InvalidInput, match="cannot be negative"):
        publish_many(ctx, [*good, (BLIND_CHANNEL, "TWO", -1)])
    with pytest.raises(NotFound, match="'UNLISTED' is not listed on channel 'shop-b'"):
        publish_many(ctx, [*good, ("shop-b", "UNLISTED", 3)])
    with pytest.raises(NotFound, match="unknown channel"):
        publish_many(ctx, [*good, ("nowhere", "ONE", 3)])
    assert state_of(ctx, {"ONE": "ONE", "TWO": "TWO"}) == before
    assert publish_many(ctx, []) == []


def test_random_batches_never_let_the_channels_sell_more_than_exists(
    ctx: Context, clock: ManualClock
) -> None:
    open_shop(ctx, [])

    class BatchMachine(RuleBasedStateMachine):
        """Batches between pushes that the channels apply (or refuse) like the platforms: a
        compare-and-swap set applies only over the value the hub expected."""

        def __init__(self) -> None:
            super().__init__()
            self.skus = [new_id("PM").upper() for _ in range(2)]
            for sku in self.skus:
                create(ctx, Sku(code=sku, name="property SKU"))
                stock_sku(ctx, sku, 40)
            self.displays = {(channel, sku): 0 for channel in CHANNELS for sku in self.skus}
            self.in_flight: list[PushTask] = []

        @rule(
            changes=st.lists(
                st.tuples(st.sampled_from(CHANNELS), st.integers(0, 1), st.integers(0, 45)),
                min_size=1,
                max_size=8,
            )
        )
        def publish_a_batch(self, changes: list[tuple[str, int, int]]) -> None:
            publish_many(ctx, [(channel, self.skus[sku], units) for channel, sku, units in changes])

        @rule(channel=st.sampled_from(CHANNELS))
        def claim(self, channel: str) -> None:
            clock.advance(timedelta(seconds=2))
            self.in_flight += [task for task in claim_pushes(ctx, channel) if task.sku in self.skus]

        @rule(answer=st.sampled_from(("channel answers", "throttled", "rejected")))
        def answer(self, answer: str) -> None:
            if not self.in_flight:
                return
            task = self.in_flight.pop(0)
            if answer != "channel answers":
                record_push_outcome(ctx, task, answer, retry_after=1.0, detail=answer)
                return
            shown = self.displays[(task.channel, task.sku)]
            if task.expected is not None and shown != task.expected:
                record_push_outcome(ctx, task, "stale", observed=shown)
                return
            self.displays[(task.channel, task.sku)] = task.value
            record_push_outcome(ctx, task, "acknowledged")

        @invariant()
        def channels_never_sell_more_than_exists(self) -> None:
            for sku in self.skus:
                may_sell = {channel: self.displays[(channel, sku)] for channel in CHANNELS}
                for task in self.in_flight:
                    shown = self.displays[(task.channel, task.sku)]
                    if task.sku == sku and task.expected in (None, shown):
                        may_sell[task.channel] = max(may_sell[task.channel], task.value)
                with reading(ctx.engine) as connection:
                    listings = {
                        row.channel: row
                        for row in connection.execute(
                            select(channel_listings).where(channel_listings.c.sku == sku)
                        )
                    }
                    buckets = {
                        row.bucket: row
                        for row in connection.execute(
                            select(quota_buckets).where(quota_buckets.c.sku == sku)
                        )
                    }
                    on_hand = sum(
                        row.on_hand
                        for row in connection.execute(
                            select(stock_levels).where(stock_levels.c.sku == sku)
                        )
                    )
                for channel in CHANNELS:
                    listing = listings[channel]
                    allotment = buckets[channel_bucket(channel)]
                    assert may_sell[channel] <= listing.exposure_units
                    assert listing.exposure_units <= allotment.limit_units - allotment.used_units
                assert all(0 <= row.used_units <= row.limit_units for row in buckets.values())
                assert sum(row.limit_units for row in buckets.values()) == on_hand == 40
                assert sum(may_sell.values()) <= on_hand
                assert ledger.verify(ctx.engine, sku).ok

    run_state_machine_as_test(
        BatchMachine,
        settings=settings(
            max_examples=12,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
