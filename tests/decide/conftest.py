"""Decide fixtures: the demo catalogue, the seed's two suppliers, and event delivery through the
real outbox dispatcher with Decide's handlers (in a registry of their own)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Protocol

import pytest
from sqlalchemy import select

from buzzstock.core.context import Context
from buzzstock.core.events import outbox_deliveries, record_event
from buzzstock.core.handler_registry import HandlerRegistry
from buzzstock.core.outbox import Dispatcher
from buzzstock.decide.handlers import register_decide_handlers
from buzzstock.decide.ladder import Freight
from buzzstock.decide.registry import FreightTerms, SupplierSpec, save_supplier
from buzzstock.decide.suppliers import Grade, Tier
from buzzstock.demo.run import catalogue_path
from buzzstock.shop import load_shop, read_shop_file

SKU = "BREEZE-BAND"


class Deliver(Protocol):
    def __call__(self, event_type: str, payload: dict[str, Any]) -> str: ...


@pytest.fixture
def shop(ctx: Context) -> Context:
    """The demo catalogue: BREEZE-BAND with 3,000 units in LAX, HAM and SIN."""
    load_shop(ctx, read_shop_file(catalogue_path()))
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
def deliver(ctx: Context) -> Deliver:
    """Record an event in the outbox and run the dispatcher until Decide handled it."""
    registry = HandlerRegistry()
    register_decide_handlers(registry)

    def send(event_type: str, payload: dict[str, Any]) -> str:
        with ctx.engine.begin() as connection:
            event_id = record_event(connection, event_type, payload, ctx.clock.now())
        with Dispatcher(ctx, registry=registry) as dispatcher:
            stats = dispatcher.run_until_idle()
        if stats.retried or stats.dead:
            with ctx.engine.connect() as connection:
                errors = connection.execute(
                    select(outbox_deliveries.c.last_error).where(
                        outbox_deliveries.c.event_id == event_id
                    )
                ).all()
            pytest.fail(f"a Decide handler failed on {event_type}: {errors}")
        return event_id

    return send
