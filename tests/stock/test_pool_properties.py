"""Hypothesis stateful test of the stock pool (S-2 ... S-10).

Any sequence of receive, reserve, confirm, cancel, expire, move-quota and ship keeps every
counter non-negative, reserved within on hand, quota limits equal to the units on hand, what
channels may sell equal to a simple model's count, and the ledger replay equal to the counters.
"""

from __future__ import annotations

import contextlib
from datetime import timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select

from buzzstock.catalog.model import Sku
from buzzstock.catalog.service import create
from buzzstock.core.clock import ManualClock
from buzzstock.core.context import Context
from buzzstock.core.errors import DomainError
from buzzstock.core.ids import new_id
from buzzstock.shop import load_shop, read_shop_file
from buzzstock.stock import ledger, service
from buzzstock.stock.store import quota_buckets, reservations, stock_levels
from buzzstock.stock.view import stock_view
from tests.stock.test_pool_basics import demo_catalogue_path

CHANNELS = ("tiktok-us", "tiktok-eu", "shopee-my", "amazon-us")
WAREHOUSES = ("LAX", "HAM", "SIN")
BUCKETS = ("US", "EU", "SEA", "elastic")


def test_any_sequence_of_stock_operations_keeps_the_pool_consistent(
    ctx: Context, clock: ManualClock
) -> None:
    load_shop(ctx, read_shop_file(demo_catalogue_path()))

    class PoolMachine(RuleBasedStateMachine):
        held = Bundle("held")
        ordered = Bundle("ordered")

        def __init__(self) -> None:
            super().__init__()
            self.sku = new_id("PROP").upper()
            create(ctx, Sku(code=self.sku, name="property SKU"))
            service.receive(ctx, self.sku, "LAX", 10, bucket="elastic")
            service.set_quotas(ctx, self.sku, {"US": 1, "EU": 1, "SEA": 1}, 0.2)
            self.available = 10

        @rule(warehouse=st.sampled_from(WAREHOUSES), units=st.integers(1, 8))
        def receive(self, warehouse: str, units: int) -> None:
            service.receive(ctx, self.sku, warehouse, units)
            self.available += units

        @rule(
            target=held,
            channel=st.sampled_from(CHANNELS),
            units=st.integers(1, 6),
            buyer=st.sampled_from(("ann", "bo", "cy")),
        )
        def reserve(self, channel: str, units: int, buyer: str) -> str:
            try:
                reservation = service.reserve(ctx, self.sku, units, channel, buyer)
            except DomainError:
                return ""
            self.available -= units
            return reservation.id

        @rule(target=ordered, reservation=consumes(held))
        def confirm(self, reservation: str) -> str:
            if not reservation:
                return ""
            try:
                return service.confirm(ctx, reservation).id
            except DomainError:
                return ""

        @rule(reservation=consumes(held))
        def cancel(self, reservation: str) -> None:
            if not reservation:
                return
            state = service.get_reservation(ctx, reservation).state
            try:
                cancelled = service.cancel(ctx, reservation)
            except DomainError:
                assert state not in ("held", "confirmed")
                return
            self.available += cancelled.quantity

        @rule(order=consumes(ordered))
        def ship(self, order: str) -> None:
            if order:
                service.ship(ctx, order)

        @rule(seconds=st.integers(0, 2000))
        def time_passes(self, seconds: int) -> None:
            clock.advance(timedelta(seconds=seconds))
            with ctx.engine.connect() as connection:
                due = connection.execute(
                    select(reservations.c.quantity).where(
                        reservations.c.sku == self.sku,
                        reservations.c.state == "held",
                        reservations.c.expires_at <= clock.now(),
                    )
                ).all()
            released = service.release_expired(ctx, sku=self.sku)
            assert released == len(due)
            self.available += sum(row.quantity for row in due)

        @rule(
            source=st.sampled_from(BUCKETS),
            destination=st.sampled_from(BUCKETS),
            units=st.integers(1, 5),
        )
        def move_quota(self, source: str, destination: str, units: int) -> None:
            with contextlib.suppress(DomainError):
                service.move_quota(ctx, self.sku, source, destination, units)

        @invariant()
        def counters_agree(self) -> None:
            view = stock_view(ctx, self.sku)
            assert view["available"] == self.available
            with ctx.engine.connect() as connection:
                levels = connection.execute(
                    select(stock_levels).where(stock_levels.c.sku == self.sku)
                ).all()
                buckets = connection.execute(
                    select(quota_buckets).where(quota_buckets.c.sku == self.sku)
                ).all()
            for level in levels:
                assert 0 <= level.reserved <= level.on_hand
                assert level.in_transit >= 0
            for bucket in buckets:
                assert 0 <= bucket.used_units <= bucket.limit_units
            assert sum(b.limit_units for b in buckets) == sum(level.on_hand for level in levels)
            assert ledger.verify(ctx.engine, self.sku).ok

    run_state_machine_as_test(
        PoolMachine,
        settings=settings(
            max_examples=12,
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
