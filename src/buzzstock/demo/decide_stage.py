"""Demo stage: a confirmed trend becomes an explained stage-1 order split across two suppliers
(seed 002's A/B case), which is sent, shipped (in transit with its ETA) and received as stock."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from buzzstock.core.context import Context
from buzzstock.core.db import reading
from buzzstock.core.events import outbox_events, record_event
from buzzstock.core.outbox import Dispatcher
from buzzstock.decide import actions, orders, queue
from buzzstock.decide.cash_store import set_liquid_funds
from buzzstock.decide.handlers import register_decide_handlers
from buzzstock.decide.ladder import Freight
from buzzstock.decide.proposal import ProposalAction
from buzzstock.decide.registry import FreightTerms, SupplierSpec, save_supplier
from buzzstock.decide.suppliers import Grade, Tier
from buzzstock.stock.view import stock_view

SKU = "BREEZE-BAND"
LIQUID_FUNDS = 20_000.0


def demo_suppliers(ctx: Context) -> list[SupplierSpec]:
    """Seed 002's case: A is cheaper and larger but waits 3 days for material; B has material."""
    now = ctx.clock.now()
    air = {Freight.AIR: FreightTerms(cost_per_unit=1.5, transit_days=1)}
    return [
        SupplierSpec(
            code="SZ-A",
            name="Shenzhen A (waits 3 days for material)",
            tier=Tier.FAST,
            grade=Grade.B,
            capacity=300,
            moq=50,
            lead_time_min_days=2,
            lead_time_mode_days=2,
            lead_time_max_days=4,
            unit_cost=10.0,
            freight=air,
            material_ready_at=now + timedelta(days=3),
            skus=[SKU],
        ),
        SupplierSpec(
            code="DG-B",
            name="Dongguan B (material in stock)",
            tier=Tier.FAST,
            grade=Grade.A,
            capacity=60,
            moq=0,
            lead_time_min_days=2,
            lead_time_mode_days=2,
            lead_time_max_days=3,
            unit_cost=10.5,
            freight=air,
            skus=[SKU],
        ),
    ]


def _trend_already_confirmed(ctx: Context) -> bool:
    """Whether the listen stage has already confirmed the trend (then decide acts on that)."""
    with reading(ctx.engine) as connection:
        payloads = connection.execute(
            select(outbox_events.c.payload).where(outbox_events.c.event_type == "TrendConfirmed")
        ).scalars()
        return any(payload.get("sku") == SKU for payload in payloads)


def run_decide_stage(console: Console, ctx: Context) -> dict[str, Any]:
    """Trend -> explained split order -> sent -> in transit -> received; returns a summary."""
    register_decide_handlers()
    for spec in demo_suppliers(ctx):
        save_supplier(ctx, spec)
    set_liquid_funds(ctx, LIQUID_FUNDS, "CNY")
    before = stock_view(ctx, SKU)["on_hand"]
    if not _trend_already_confirmed(ctx):
        with ctx.engine.begin() as connection:
            record_event(
                connection,
                "TrendConfirmed",
                {
                    "sku": SKU,
                    "heat": 172.0,
                    "positive_share": 0.91,
                    "platforms": ["tiktok", "instagram"],
                    "category_is_new": False,
                    "validation_demand": 300,
                },
                ctx.clock.now(),
            )
    with Dispatcher(ctx) as dispatcher:
        dispatcher.run_until_idle()
    decision = queue.list_decisions(ctx, sku=SKU, kind=queue.PURCHASE, limit=1)[0]
    console.rule("[bold]Decide: a confirmed trend becomes a purchase order[/bold]")
    console.print(f"decision {decision['id']}: {decision['route']}, {decision['status']}")
    for line in decision["explanation"]:
        console.print(f"  {line}", highlight=False)
    if decision["status"] == "proposed":
        decision = actions.act(
            ctx, decision["id"], ProposalAction.APPROVE, note="seller approved in the demo"
        )
        decision = actions.act(ctx, decision["id"], ProposalAction.SEND)
        console.print(f"the seller approves it in the review queue: {decision['status']}")
    table = Table(title=f"stage-1 order for {SKU}")
    for column in ("order", "supplier", "units", "cost", "state", "ETA"):
        table.add_column(column)
    received = 0
    for order in decision["purchase_orders"]:
        if order["state"] == "approved":
            orders.send_order(ctx, order["id"])
        orders.start_production(ctx, order["id"])
        shipped = orders.ship_order(ctx, order["id"])
        units = sum(line["quantity"] for line in shipped["lines"])
        table.add_row(
            shipped["id"],
            shipped["supplier"],
            str(units),
            f"{shipped['cost']:,.2f}",
            shipped["state"],
            shipped["eta"],
        )
    in_transit = stock_view(ctx, SKU)["in_transit"]
    console.print(table)
    for proposal in queue.list_decisions(ctx, sku=SKU, kind=queue.PRICE, limit=3):
        console.print(f"price proposal ({proposal['status']}): {proposal['explanation'][0]}")
    for order in decision["purchase_orders"]:
        lines = {line["sku"]: line["quantity"] for line in order["lines"]}
        orders.receive_order(ctx, order["id"], lines)
        received += sum(lines.values())
    after = stock_view(ctx, SKU)
    console.print(
        f"in transit after shipping: {in_transit} units; received {received} units: on hand "
        f"{before} -> {after['on_hand']}"
    )
    return {
        "decision_id": decision["id"],
        "route": decision["route"],
        "explanation": decision["explanation"],
        "orders": [
            {"supplier": o["supplier"], "units": sum(line["quantity"] for line in o["lines"])}
            for o in decision["purchase_orders"]
        ],
        "in_transit_after_shipping": in_transit,
        "received_units": received,
        "on_hand_before": before,
        "on_hand_after": after["on_hand"],
    }
