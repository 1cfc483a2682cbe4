"""Decide fixtures: the demo catalogue, the seed's two suppliers, and event delivery through the
real outbox dispatcher with Decide's handlers (in a registry of their own)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any, Protocol

import pytest
from sqlalchemy import select

from buzzstock.core.context import Context
from buzzstock.core.events import DomainEvent, outbox_deliveries, record
from buzzstock.core.handler_registry import HandlerRegistry
from buzzstock.core.outbox import Dispatcher
from buzzstock.decide.handlers import register_decide_handlers
from buzzstock.decide.ladder import Freight
from buzzstock.decide.registry import FreightTerms, SupplierSpec, save_supplier
from buzzstock.decide.suppliers import Grade, Tier
from buzzstock.demo.run import catalogue_path
from buzzstock.listen.events import Layers, TrendAlertRaised, TrendConfirmed
from buzzstock.shop import load_shop, read_shop_file

SKU = "BREEZE-BAND"


class Deliver(Protocol):
    def __call__(self, event: DomainEvent) -> str: ...


def trend_confirmed(ctx: Context, **changes: Any) -> TrendConfirmed:
    """A confirmed, healthy, positive cross-platform trend of the demo bracelet (D-6 auto)."""
    now = ctx.clock.now()
    event = TrendConfirmed(
        sku=SKU,
        at=now,
        alert_since=now - timedelta(days=5),
        tier="red",
        heat=172.0,
        positive_share=0.91,
        platforms=("tiktok", "instagram"),
        cross_platform_verified=True,
        growth=2.1,
        phase="peak",
        layers=Layers(content=True, discussion=True, transaction=True),
        fake_heat_probability=0.02,
        validation_demand=300,
    )
    return replace(event, **changes)


def trend_alert(ctx: Context, **changes: Any) -> TrendAlertRaised:
    event = TrendAlertRaised(
        sku=SKU,
        at=ctx.clock.now(),
        tier="orange",
        growth=1.6,
        heat=165.0,
        positive_share=0.9,
        platforms=("tiktok",),
        fake_heat_probability=0.0,
    )
    return replace(event, **changes)


@pytest.fixture
def shop(ctx: Context) -> Context:
    """The demo catalogue: BREEZE-BAND with 3,000 units in LAX, HAM and SIN (without the demo's
    suppliers and cash: each test sets up its own)."""
    demo = read_shop_file(catalogue_path())
    load_shop(ctx, demo.model_copy(update={"suppliers": [], "cash": None}))
    return ctx


def seed_suppliers(ctx: Context, *, transit_days: int = 0, a_ready_days: int = 3) -> None:
    """Seed 002: A makes up to 300 but waits for material; B has material for 100 now."""
    now = ctx.clock.now()
    air = {Freight.AIR: FreightTerms(cost_per_unit=0.0, transit_days=transit_days)}
    save_supplier(
        ctx,
        SupplierSpec(
            code="A",
            name="Supplier A",
            tier=Tier.FAST,
            grade=Grade.B,
            capacity=300,
            moq=50,
            lead_time_min_days=3,
            lead_time_mode_days=3,
            lead_time_max_days=5,
            unit_cost=10.0,
            freight=air,
            material_ready_at=now + timedelta(days=a_ready_days),
            skus=[SKU],
        ),
    )
    save_supplier(
        ctx,
        SupplierSpec(
            code="B",
            name="Supplier B",
            tier=Tier.FAST,
            grade=Grade.A,
            capacity=100,
            moq=0,
            lead_time_min_days=3,
            lead_time_mode_days=3,
            lead_time_max_days=4,
            unit_cost=10.5,
            freight=air,
            skus=[SKU],
        ),
    )


@pytest.fixture
def seeded(shop: Context) -> Context:
    seed_suppliers(shop)
    return shop


@pytest.fixture
def dispatch(ctx: Context) -> Callable[[], None]:
    """Run the outbox dispatcher with decide's handlers until every recorded event is handled."""
    registry = HandlerRegistry()
    register_decide_handlers(registry)

    def run() -> None:
        with Dispatcher(ctx, registry=registry) as dispatcher:
            stats = dispatcher.run_until_idle()
        if stats.retried or stats.dead:
            with ctx.engine.connect() as connection:
                errors = connection.execute(
                    select(outbox_deliveries.c.event_id, outbox_deliveries.c.last_error).where(
                        outbox_deliveries.c.last_error.is_not(None)
                    )
                ).all()
            pytest.fail(f"a decide handler failed: {errors}")

    return run


@pytest.fixture
def deliver(ctx: Context, dispatch: Callable[[], None]) -> Deliver:
    """Record an event in the outbox and run the dispatcher until decide handled it."""

    def send(event: DomainEvent) -> str:
        with ctx.engine.begin() as connection:
            event_id = record(connection, event, ctx.clock.now())
        dispatch()
        return event_id

    return send
