"""D-3/D-4/D-10 as a seller sees them, stored: the stage-1 policy chosen per category, ladder
stages 2 and 3 driven by sales and heat, and every trend order's spares and QC plan."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from itertools import count
from typing import Any

import pytest
from fastapi.testclient import TestClient

from buzzstock.api.app import create_app
from buzzstock.catalog.model import Sku
from buzzstock.catalog.service import create
from buzzstock.core.auth import create_key
from buzzstock.core.clock import ManualClock
from buzzstock.core.context import Context
from buzzstock.core.db import reading
from buzzstock.decide import cash_store, orders, queue, replenish, schedule
from buzzstock.decide.ladder import Freight
from buzzstock.decide.registry import FreightTerms, SupplierSpec, save_supplier
from buzzstock.decide.suppliers import Grade, Tier
from buzzstock.stock import service as stock

from .conftest import SKU, Deliver, trend_alert, trend_confirmed

MUG = "GLOW-MUG"
BUYERS = count()


def sell(ctx: Context, dispatch: Callable[[], None], units: int) -> None:
    """A buyer orders ``units`` through the hub; decide hears the ``OrderConfirmed``."""
    held = stock.reserve(ctx, SKU, units, "tiktok-us", f"buyer-{next(BUYERS)}")
    stock.confirm(ctx, held.id)
    dispatch()


def _supplier(ctx: Context, code: str, sku: str, freight: dict[Freight, FreightTerms]) -> None:
    save_supplier(
        ctx,
        SupplierSpec(
            code=code,
            name=f"Supplier {code}",
            tier=Tier.BALANCED,
            grade=Grade.C,
            capacity=1_000,
            lead_time_min_days=3,
            lead_time_mode_days=3,
            lead_time_max_days=5,
            unit_cost=9.0,
            freight=freight,
            skus=[sku],
        ),
    )


def _sea_supplier(ctx: Context) -> None:
    """Supplier C ships BREEZE-BAND by fast sea (12 days) and by sea (30 days), not by air."""
    _supplier(
        ctx,
        "C",
        SKU,
        {
            Freight.FAST_SEA: FreightTerms(cost_per_unit=0.6, transit_days=12),
            Freight.SEA: FreightTerms(cost_per_unit=0.3, transit_days=30),
        },
    )


def _purchases(ctx: Context, sku: str = SKU) -> list[dict[str, Any]]:
    return queue.list_decisions(ctx, sku=sku, kind=queue.PURCHASE)


def _stage(ctx: Context, sku: str = SKU) -> str:
    with reading(ctx.engine) as connection:
        return queue.sku_mode(connection, sku)[0]


def _units_by_freight(decision: dict[str, Any]) -> dict[str, int]:
    found: dict[str, int] = {}
    for order in decision["purchase_orders"]:
        mode = order["freight_mode"]
        found[mode] = found.get(mode, 0) + order["lines"][0]["quantity"]
    return found


# --- D-3/D-4: the policy per category ---------------------------------------------------------


def test_each_category_sizes_stage_one_with_its_own_policy(
    seeded: Context, deliver: Deliver
) -> None:
    seeded.settings.categories["accessories"] = {"decide": {"policy": "optimised"}}
    create(seeded, Sku(code=MUG, name="Glow mug", category="kitchen", base_price=25.0))
    _supplier(seeded, "G", MUG, {Freight.AIR: FreightTerms(cost_per_unit=1.0, transit_days=1)})
    deliver(trend_confirmed(seeded, validation_demand=84))
    deliver(trend_confirmed(seeded, sku=MUG))

    [optimised] = _purchases(seeded, SKU)
    # 84 pre-orders in the 7-day validation period: 12 a day, N(12·10, √12·√10) over the fast
    # tier's 10 days; cost 10, price 39: critical ratio 29/39, z = 0.655.
    assert optimised["quantity"] == 127
    assert optimised["inputs"]["policy"] == "optimised"
    text = "\n".join(optimised["explanation"])
    assert "D-4: optimised policy sizes the stage-1 order" in text
    assert "set for category 'accessories'" in text
    assert "critical ratio 0.74" in text and "10-day lead time" in text

    [seed] = _purchases(seeded, MUG)
    assert seed["quantity"] == 150
    assert seed["inputs"]["policy"] == "seed"
    text = "\n".join(seed["explanation"])
    assert "D-4: seed policy sizes the stage-1 order" in text
    assert "no override for category 'kitchen'" in text
    assert "50% of validation demand 300 = 150 units" in text


def test_optimised_policy_without_a_forecast_falls_back_to_the_stage_one_minimum(
    seeded: Context, deliver: Deliver
) -> None:
    seeded.settings.categories["accessories"] = {"decide": {"policy": "optimised"}}
    deliver(trend_confirmed(seeded, validation_demand=None))
    [decision] = _purchases(seeded)
    assert decision["quantity"] == 100
    assert any("no validation demand" in line for line in decision["explanation"])


# --- D-3 stage 2: the first batch sells out in under 72 h ------------------------------------


def _receive_first_batch(
    ctx: Context, deliver: Deliver, dispatch: Callable[[], None], clock: ManualClock
) -> dict[str, Any]:
    cash_store.set_liquid_funds(ctx, 20_000)
    deliver(trend_confirmed(ctx))
    clock.advance(timedelta(minutes=15))
    schedule.send_due_decisions(ctx)
    [first] = _purchases(ctx)
    assert first["status"] == "sent" and first["quantity"] == 150
    sell(ctx, dispatch, 150)
    assert _stage(ctx) == "test_order"
    clock.advance(timedelta(hours=1))
    for order in first["purchase_orders"]:
        orders.start_production(ctx, order["id"])
        orders.ship_order(ctx, order["id"], eta=ctx.clock.now())
        received = orders.receive_order(ctx, order["id"], {SKU: order["lines"][0]["quantity"]})
        assert received["received_at"] == ctx.clock.now().isoformat()
    return first


def test_first_batch_sold_out_in_71_hours_proposes_stage_two_by_air_and_fast_sea(
    seeded: Context, deliver: Deliver, dispatch: Callable[[], None], clock: ManualClock
) -> None:
    _sea_supplier(seeded)
    first = _receive_first_batch(seeded, deliver, dispatch, clock)
    clock.advance(timedelta(hours=40))
    sell(seeded, dispatch, 100)
    assert len(_purchases(seeded)) == 1
    clock.advance(timedelta(hours=31))
    sell(seeded, dispatch, 50)

    stage_two = next(d for d in _purchases(seeded) if d["id"] != first["id"])
    assert (stage_two["route"], stage_two["status"]) == ("human_review", "proposed")
    assert stage_two["quantity"] == 500
    assert _units_by_freight(stage_two) == {"air": 250, "fast_sea": 250}
    text = "\n".join(stage_two["explanation"])
    assert "first batch sold out in 71 h < 72 h: stage 2 adds 500 units" in text
    assert "D-10: 3% spare units" in text
    assert _stage(seeded) == "scale_up"
    sell(seeded, dispatch, 10)
    assert len(_purchases(seeded)) == 2


def test_first_batch_sold_out_in_73_hours_gets_no_stage_two(
    seeded: Context, deliver: Deliver, dispatch: Callable[[], None], clock: ManualClock
) -> None:
    _sea_supplier(seeded)
    _receive_first_batch(seeded, deliver, dispatch, clock)
    clock.advance(timedelta(hours=73))
    sell(seeded, dispatch, 150)
    sell(seeded, dispatch, 5)

    assert len(_purchases(seeded)) == 1
    assert _stage(seeded) == "test_order"
    notes = [
        d
        for d in queue.list_decisions(seeded, sku=SKU, kind=queue.WATCH)
        if d["inputs"].get("ladder_stage_checked") == 2
    ]
    assert len(notes) == 1
    assert "sold out in 73 h, not under 72 h: no stage 2" in notes[0]["explanation"][0]


# --- D-3 stage 3: heat holds 14 days with a lasting base demand -------------------------------


@pytest.mark.parametrize(("days", "proposed"), [(13, False), (14, True)])
def test_heat_held_14_days_proposes_safety_stock_by_sea(
    seeded: Context,
    deliver: Deliver,
    dispatch: Callable[[], None],
    clock: ManualClock,
    days: int,
    proposed: bool,
) -> None:
    _sea_supplier(seeded)
    cash_store.set_liquid_funds(seeded, 20_000)
    deliver(trend_confirmed(seeded))
    sell(seeded, dispatch, 5)
    for _ in range(days):
        clock.advance(timedelta(days=1))
        deliver(trend_alert(seeded, heat=165.0))
        sell(seeded, dispatch, 5)

    purchases = _purchases(seeded)
    if not proposed:
        assert len(purchases) == 1
        assert _stage(seeded) == "test_order"
        return
    safety = purchases[0]
    assert (safety["route"], safety["status"]) == ("human_review", "proposed")
    assert safety["inputs"]["stage"] == 3
    assert _units_by_freight(safety) == {"sea": 150}
    text = "\n".join(safety["explanation"])
    assert "heat held 14 days >= 14: stage 3 safety stock of 150 units by sea" in text
    assert "base demand of 5/day held 15 days >= 14" in text
    assert _stage(seeded) == "safety_stock"
    assert replenish.advance_ladders(seeded) == []


def test_heat_held_without_lasting_sales_orders_nothing_by_sea(
    seeded: Context, deliver: Deliver, dispatch: Callable[[], None], clock: ManualClock
) -> None:
    _sea_supplier(seeded)
    cash_store.set_liquid_funds(seeded, 20_000)
    deliver(trend_confirmed(seeded))
    for _ in range(14):
        clock.advance(timedelta(days=1))
        deliver(trend_alert(seeded, heat=165.0))
    sell(seeded, dispatch, 5)
    assert len(_purchases(seeded)) == 1
    assert _stage(seeded) == "test_order"


# --- D-10: spares and QC on every trend order -------------------------------------------------


def test_trend_orders_carry_spares_and_triple_qc_in_the_api(
    seeded: Context, deliver: Deliver
) -> None:
    deliver(trend_confirmed(seeded))
    [decision] = _purchases(seeded)
    line = next(text for text in decision["explanation"] if text.startswith("D-10"))
    assert "made on top of the order: 5 units" in line
    assert "A (air): 3" in line and "B (air): 2" in line
    assert "QC sampling 3 rounds per batch (1 normally × 3 during a hit)" in line
    own = orders.create_order(seeded, supplier="A", warehouse="LAX", lines={SKU: 80})
    staff = {"Authorization": f"Bearer {create_key(seeded, 'ops', 'operator')[1]}"}
    with TestClient(create_app(seeded)) as client:
        for order in decision["purchase_orders"]:
            shown = client.get(f"/api/v1/purchase-orders/{order['id']}", headers=staff).json()
            quantity = shown["lines"][0]["quantity"]
            assert shown["spare_units"] == {100: 3, 50: 2}[quantity]
            assert shown["qc_plan"]["rounds_per_batch"] == 3
            assert shown["cost"] == pytest.approx(
                (quantity + shown["spare_units"]) * shown["lines"][0]["unit_cost"]
            )
        plain = client.get(f"/api/v1/purchase-orders/{own['id']}", headers=staff).json()
    assert (plain["spare_units"], plain["qc_plan"]) == (0, None)
