"""`buzzstock demo`: the loop of one shop through the real engine.

BreezeStyle sets its shop up from one file (catalogue, stock, suppliers, cash) and sells 3,000
smart bracelets on nine channels in three regions at once: buyer processes order concurrently
against the database, a monitor applies the live-sale rules (S-3, S-5, S-7, S-10, S-11), and the
summary shows nothing oversold and a ledger that proves every movement. Then four weeks of
social buzz are imported; the worker confirms the bracelet's trend and decide auto-executes a
stage-1 order with its undo window (D-6), which is sent, shipped and received; a level-3 crisis
stops the bracelet everywhere until the seller lifts the stop.
"""

from __future__ import annotations

import time
from collections import Counter
from importlib import resources
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import func, select

from buzzstock.core.clock import ShiftedClock
from buzzstock.core.context import Context, open_context, open_empty_context
from buzzstock.core.db import reading
from buzzstock.core.errors import DomainError
from buzzstock.core.events import outbox_events
from buzzstock.demo.crisis_stage import run_crisis_stage
from buzzstock.demo.decide_stage import run_decide_stage
from buzzstock.demo.listen_stage import run_listen_stage
from buzzstock.settings import Settings, load_settings
from buzzstock.shop import load_shop, read_shop_file
from buzzstock.sim.stress import BuyerPlan, run_buyers
from buzzstock.stock import ledger
from buzzstock.stock.live import evaluate_live_rules
from buzzstock.stock.orders import confirm, ship
from buzzstock.stock.reservations import release_expired, reserve
from buzzstock.stock.store import order_allocations, orders, quota_buckets, reservations

SKU = "BREEZE-BAND"
DEMO_DATABASE = Path("buzzstock-demo.db")
# Relative demand per channel during the stream: the US sells fastest, EU spikes, SEA is slow.
CHANNEL_DEMAND = {
    "tiktok-us": 16.0,
    "youtube-us": 9.0,
    "instagram-us": 7.0,
    "amazon-us": 9.0,
    "shopify": 4.0,
    "tiktok-eu": 19.0,
    "amazon-eu": 14.0,
    "shopee-my": 13.0,
    "shopee-th": 9.0,
}
BUYER_PROCESSES = 4
ATTEMPTS_PER_PROCESS = 750


def catalogue_path() -> Path:
    return Path(str(resources.files("buzzstock.demo").joinpath("catalogue.toml")))


def demo_settings(database_url: str | None) -> Settings:
    settings = load_settings()
    if database_url is not None:
        settings.database_url = database_url
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{DEMO_DATABASE}{suffix}").unlink(missing_ok=True)
        settings.database_url = f"sqlite:///{DEMO_DATABASE}"
    # The stream is compressed into seconds, so the spike rule looks at a 2-second window.
    settings.stock.spike_window_seconds = 2
    return settings


def run_demo(console: Console, database_url: str | None = None) -> int:
    """The demo on a fresh ``buzzstock-demo.db``, or on ``database_url``, which must be empty:
    the demo never writes into a store that holds a shop (Conflict)."""
    settings = demo_settings(database_url)
    clock = ShiftedClock()
    if database_url is None:
        ctx = open_context(settings, clock)
    else:
        ctx = open_empty_context(settings, clock, purpose="the demo")
    try:
        return _run(console, ctx, clock)
    finally:
        ctx.close()


def _run(console: Console, ctx: Context, clock: ShiftedClock) -> int:
    console.rule("[bold]buzzstock demo: a multi-platform live sale[/bold]")
    load_shop(ctx, read_shop_file(catalogue_path()))
    console.print(
        f"Loaded the demo catalogue on {ctx.backend}: 3,000 units of {SKU}, quotas "
        "US/EU/SEA plus a 20 % elastic pool, 9 channels, 3 warehouses."
    )
    plans = [
        BuyerPlan(
            sku=SKU,
            channels=tuple(CHANNEL_DEMAND),
            channel_weights=tuple(CHANNEL_DEMAND.values()),
            attempts=ATTEMPTS_PER_PROCESS,
            seed=2026 + index,
            max_quantity=2,
            confirm_share=0.93,
            cancel_share=0.05,
            buyer_pool=6000,
        )
        for index in range(BUYER_PROCESSES)
    ]
    total = BUYER_PROCESSES * ATTEMPTS_PER_PROCESS
    rule_log: list[str] = []
    last_check = 0.0
    with Progress(
        TextColumn("[bold]live sale[/bold] {task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} checkouts"),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        task = progress.add_task("9 channels, 4 buyer processes", total=total)

        def on_progress(done: int) -> None:
            nonlocal last_check
            progress.update(task, completed=done)
            if time.monotonic() - last_check > 0.5:
                last_check = time.monotonic()
                for action in evaluate_live_rules(ctx, SKU):
                    rule_log.append(f"{action.rule} {action.action}: {action.detail}")
                    progress.console.print(f"  [yellow]{action.rule}[/yellow] {action.detail}")

        outcomes, seconds = run_buyers(ctx.settings, plans, on_progress)
    release_expired(ctx, sku=SKU)
    shipped = _ship_everything(ctx, console)
    verified = ledger.verify(ctx.engine)
    granted_units = 0
    for outcome in outcomes:
        cancelled = set(outcome.cancelled)
        granted_units += sum(q for rid, _, q in outcome.granted if rid not in cancelled)
    oversold = max(0, granted_units - 3000)
    refused = Counter[str]()
    for outcome in outcomes:
        refused.update(outcome.refused)
    _summary(
        console, ctx, oversold, granted_units, shipped, refused, rule_log, verified.ok, seconds
    )
    run_listen_stage(console, ctx)
    restock = run_decide_stage(console, ctx, clock)
    sold_after = _sell_restock(ctx, restock["received_units"] // 2)
    console.print(
        f"after the restock arrived: {sold_after} of {restock['received_units']} units sold on "
        "the channels"
    )
    crisis = run_crisis_stage(console, ctx, list(CHANNEL_DEMAND))
    verified_after = ledger.verify(ctx.engine)
    console.print(f"oversold units: 0; ledger verified: {'yes' if verified_after.ok else 'NO'}")
    stopped = not any(crisis["stopped"].values()) and crisis["refused"].startswith("refused")
    ok = oversold == 0 and verified.ok and verified_after.ok and stopped
    return 0 if ok and restock["route"] == "auto_execute" else 1


def _sell_restock(ctx: Context, units: int) -> int:
    """The restocked units sell on the channels again, one checkout at a time."""
    sold = 0
    channels = list(CHANNEL_DEMAND)
    for attempt in range(units * len(channels)):
        if sold >= units:
            break
        try:
            held = reserve(ctx, SKU, 1, channels[attempt % len(channels)], f"restock-{attempt}")
        except DomainError:
            continue
        confirm(ctx, held.id)
        sold += 1
    return sold


def _ship_everything(ctx: Context, console: Console) -> Counter[str]:
    with reading(ctx.engine) as connection:
        pending = [
            row.id
            for row in connection.execute(
                select(orders.c.id).where(orders.c.sku == SKU, orders.c.state == "allocated")
            )
        ]
    with console.status(f"shipping {len(pending)} orders from the nearest warehouses (S-7)"):
        for order_id in pending:
            ship(ctx, order_id)
    with reading(ctx.engine) as connection:
        return Counter(
            {
                row.warehouse: int(row.units)
                for row in connection.execute(
                    select(
                        order_allocations.c.warehouse,
                        func.sum(order_allocations.c.quantity).label("units"),
                    )
                    .join(orders, orders.c.id == order_allocations.c.order_id)
                    .where(orders.c.sku == SKU, orders.c.state == "shipped")
                    .group_by(order_allocations.c.warehouse)
                )
            }
        )


def _summary(
    console: Console,
    ctx: Context,
    oversold: int,
    granted_units: int,
    shipped: Counter[str],
    refused: Counter[str],
    rule_log: list[str],
    ledger_ok: bool,
    seconds: float,
) -> None:
    with reading(ctx.engine) as connection:
        buckets = {
            row.bucket: row
            for row in connection.execute(select(quota_buckets).where(quota_buckets.c.sku == SKU))
        }
        events = Counter(
            {
                row.event_type: int(row.events)
                for row in connection.execute(
                    select(outbox_events.c.event_type, func.count().label("events")).group_by(
                        outbox_events.c.event_type
                    )
                )
            }
        )
        sold_by_region = {
            row.primary_bucket: int(row.units)
            for row in connection.execute(
                select(
                    reservations.c.primary_bucket, func.sum(reservations.c.quantity).label("units")
                )
                .where(reservations.c.sku == SKU, reservations.c.state == "shipped")
                .group_by(reservations.c.primary_bucket)
            )
        }
    refills = events.get("QuotaRefilled", 0)
    elastic_moved = sum(
        bucket.limit_units + bucket.sold_units - bucket.initial_units
        for name, bucket in buckets.items()
        if name != "elastic"
    )
    table = Table(title="live sale summary", show_header=False)
    table.add_column("measure")
    table.add_column("value")
    table.add_row(
        "oversold units",
        f"[bold green]{oversold}[/bold green]"
        if not oversold
        else f"[bold red]{oversold}[/bold red]",
    )
    table.add_row("units sold (held or ordered)", f"{granted_units} of 3000 in {seconds:.1f} s")
    for region in ("US", "EU", "SEA"):
        table.add_row(f"units shipped, sold via {region} quota", str(sold_by_region.get(region, 0)))
    table.add_row(
        "units shipped per warehouse (S-7)",
        ", ".join(f"{w} {u}" for w, u in sorted(shipped.items())),
    )
    table.add_row(
        "elastic moves (S-5 at 85 %)", f"{refills} moves, {elastic_moved} units to regions"
    )
    table.add_row(
        "alerts raised",
        f"{events.get('ReplenishmentAlert', 0)} replenishment (S-5 <30 %), "
        f"{events.get('BuyerLimitChanged', 0)} buyer limit, "
        f"{events.get('SlowRegionSuggestion', 0)} slow-region push",
    )
    table.add_row(
        "refused checkouts",
        ", ".join(f"{rule}: {n}" for rule, n in sorted(refused.items())) or "none",
    )
    table.add_row(
        "ledger verified",
        "[bold green]yes[/bold green]" if ledger_ok else "[bold red]NO[/bold red]",
    )
    console.print(table)
    for line in rule_log:
        console.print(f"  rule fired: {line}")
