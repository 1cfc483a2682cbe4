"""Demo stage: the confirmed trend became an auto-executed stage-1 order split across two
suppliers (seed 002's A/B case). It waits its undo window, is sent, shipped (in transit with an
ETA) and received as stock, each hand-off in one transaction with the stock hub."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from rich.console import Console
from rich.table import Table

from buzzstock.core.clock import AdvancingClock
from buzzstock.core.context import Context
from buzzstock.decide import service as decide
from buzzstock.decide.settings import DecideSettings
from buzzstock.stock import service as stock
from buzzstock.worker import run_until_idle

SKU = "BREEZE-BAND"


def run_decide_stage(console: Console, ctx: Context, clock: AdvancingClock) -> dict[str, Any]:
    """Auto-executed order → undo window → sent → in transit → received; returns a summary."""
    console.rule("[bold]Decide: the confirmed trend becomes a purchase order by itself[/bold]")
    before = stock.stock_view(ctx, SKU)["on_hand"]
    found = decide.list_decisions(ctx, sku=SKU, kind=decide.PURCHASE, limit=1)
    if not found:
        console.print(f"[red]no purchase decision for {SKU}: the trend was not confirmed[/red]")
        return {"route": None, "received_units": 0}
    decision = found[0]
    console.print(
        f"decision {decision['id']}: route [bold]{decision['route']}[/bold], status "
        f"[bold]{decision['status']}[/bold], to be sent at {decision['scheduled_for']} "
        f"unless a person runs `buzzstock decisions undo {decision['id']}`"
    )
    for line in decision["explanation"]:
        console.print(f"  {line}", highlight=False)
    window = ctx.section(DecideSettings).undo_window_minutes
    clock.advance(timedelta(minutes=window))
    run_until_idle(ctx)
    decision = decide.get_decision(ctx, decision["id"])
    console.print(
        f"{window:g} minutes later (the demo moves its clock on): nobody undid it, the worker "
        f"sent it: status [bold]{decision['status']}[/bold]"
    )
    table = Table(title=f"stage-1 order for {SKU}")
    for column in ("order", "supplier", "units", "cost (CNY)", "state", "ETA"):
        table.add_column(column)
    for order in decision["purchase_orders"]:
        decide.start_production(ctx, order["id"])
        shipped = decide.ship_order(ctx, order["id"])
        table.add_row(
            shipped["id"],
            shipped["supplier"],
            str(sum(line["quantity"] for line in shipped["lines"])),
            f"{shipped['cost']:,.2f}",
            shipped["state"],
            shipped["eta"],
        )
    in_transit = stock.stock_view(ctx, SKU)["in_transit"]
    console.print(table)
    for proposal in decide.list_decisions(ctx, sku=SKU, kind=decide.PRICE, limit=3):
        console.print(f"price proposal ({proposal['status']}): {proposal['explanation'][0]}")
    clock.advance(timedelta(days=1))
    received = 0
    for order in decision["purchase_orders"]:
        lines = {line["sku"]: line["quantity"] for line in order["lines"]}
        decide.receive_order(ctx, order["id"], lines)
        received += sum(lines.values())
    after = stock.stock_view(ctx, SKU)
    console.print(
        f"in transit after shipping: {in_transit} units; received {received} units: on hand "
        f"{before} -> {after['on_hand']}"
    )
    return {
        "decision_id": decision["id"],
        "route": decision["route"],
        "status": decision["status"],
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
