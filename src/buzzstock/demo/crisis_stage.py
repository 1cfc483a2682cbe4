"""Demo stage: a brand crisis stops the product everywhere (D-6), and lifting the stop brings it
back. The bracelet is listed on its channels; a level-3 ``CrisisRaised`` (safety complaints)
reaches the worker, which raises the emergency stop: replenishment pauses, a checkout is refused
with the rule id and every channel shows 0. A person lifts it and the channels show stock again.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from buzzstock.core.context import Context
from buzzstock.core.db import reading
from buzzstock.core.errors import DomainError
from buzzstock.core.events import record
from buzzstock.decide import service as decide
from buzzstock.respond.events import CrisisRaised
from buzzstock.stock import service as stock
from buzzstock.stock.store import channel_listings
from buzzstock.stock.sync.allotment import connect_listing
from buzzstock.stock.sync.rebalancing import open_sale
from buzzstock.worker import run_until_idle

SKU = "BREEZE-BAND"
LISTED_SHARE = 0.6
DIRECT_CHANNEL = "shopee-my"
"""A live-stream checkout reserves through the hub here (the SEA quota still has units after
the sale); the other channels are shown a quantity."""


def _displays(ctx: Context) -> dict[str, int]:
    with reading(ctx.engine) as connection:
        return {
            row.channel: int(row.published_units)
            for row in connection.execute(
                select(channel_listings.c.channel, channel_listings.c.published_units)
                .where(channel_listings.c.sku == SKU)
                .order_by(channel_listings.c.channel)
            )
        }


def _try_checkout(ctx: Context, buyer: str) -> str:
    try:
        held = stock.reserve(ctx, SKU, 1, DIRECT_CHANNEL, buyer)
    except DomainError as error:
        return f"refused [{error.rule}]: {error.detail}"
    stock.cancel(ctx, held.id)
    return "accepted (then cancelled by the demo)"


def run_crisis_stage(console: Console, ctx: Context, channels: list[str]) -> dict[str, Any]:
    """List the SKU, raise a level-3 crisis, show the stop at work, lift it; returns a summary."""
    console.rule("[bold]A brand crisis stops the product everywhere (D-6)[/bold]")
    channels = [channel for channel in channels if channel != DIRECT_CHANNEL]
    for index, channel in enumerate(channels):
        connect_listing(ctx, channel, SKU, f"demo-{index}", compare_and_swap=True)
    open_sale(ctx, SKU, dict.fromkeys(channels, 1.0), LISTED_SHARE)
    listed = _displays(ctx)
    with ctx.engine.begin() as connection:
        record(
            connection,
            CrisisRaised(
                skus=(SKU,),
                level=3,
                reason="buyers report the band burns their wrist",
            ),
            ctx.clock.now(),
        )
    run_until_idle(ctx)
    stopped = _displays(ctx)
    refused = _try_checkout(ctx, "crisis-buyer")
    [stop] = decide.list_stops(ctx)
    console.print(f"emergency stop raised by {stop['raised_by']}: {stop['reason']}")
    console.print(f"a checkout on {DIRECT_CHANNEL}: {refused}", highlight=False)
    decide.lift_stop(ctx, SKU, "independent lab test passed", by="the seller")
    lifted = _displays(ctx)
    table = Table(title="what each channel may sell")
    for column in ("channel", "listed", "during the stop", "after the lift"):
        table.add_column(column, justify="right" if column != "channel" else "left")
    for channel in listed:
        table.add_row(channel, str(listed[channel]), str(stopped[channel]), str(lifted[channel]))
    console.print(table)
    accepted = _try_checkout(ctx, "after-lift-buyer")
    console.print(f"after the lift, a checkout on {DIRECT_CHANNEL}: {accepted}", highlight=False)
    return {
        "listed": listed,
        "stopped": stopped,
        "lifted": lifted,
        "refused": refused,
        "after_lift": accepted,
    }
