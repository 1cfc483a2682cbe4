"""S-6: reconciliation. Read each channel's quantities back, book every recent order (the
polling fallback for lost webhooks), then set each listing's exact exposure and report drift.

Order of the steps matters: the read comes first, then the order poll; sales after the read
are not in the display read back and are subtracted, sales before it are.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from buzzstock.channels.base import ChannelAdapter, OrderStatus
from buzzstock.core.clock import as_utc
from buzzstock.core.context import Context
from buzzstock.core.db import reading
from buzzstock.stock.allotment import apply_reconciliation, book_order_line
from buzzstock.stock.store import channel_listings
from buzzstock.stock.sync_settings import SyncSettings


@dataclass(frozen=True)
class ReconcileReport:
    channel: str
    orders_seen: int
    orders_booked: int
    drift: dict[str, int]
    """SKU -> exposure counted minus exposure found (only SKUs reconciled)."""
    skipped: list[str]
    """SKUs with a push in flight: reconciled on a later pass."""


async def reconcile_channel(
    ctx: Context,
    channel: str,
    adapter: ChannelAdapter,
    since: datetime,
    settings: SyncSettings = SyncSettings(),
) -> ReconcileReport:
    """S-6: one reconciliation pass over a channel (its quantities and recent orders)."""
    with reading(ctx.engine) as connection:
        listings = {
            str(row.external_ref): str(row.sku)
            for row in connection.execute(
                select(channel_listings.c.sku, channel_listings.c.external_ref).where(
                    channel_listings.c.channel == channel,
                    channel_listings.c.external_ref.is_not(None),
                )
            )
        }
    if not listings or not adapter.capabilities.exact_quantity:
        return ReconcileReport(channel, 0, 0, {}, sorted(listings.values()))
    read = await adapter.read_quantities(sorted(listings))
    read_at = datetime.now(UTC)
    read_at_hub = ctx.clock.now()
    recent = await adapter.recent_orders(
        since - timedelta(seconds=settings.reconcile_margin_seconds)
    )
    booked = 0
    sold_after: dict[str, int] = {}
    for order in recent:
        outcome = await asyncio.to_thread(
            book_order_line,
            ctx,
            channel,
            order.channel_order_id,
            order.sku_ref,
            order.quantity,
            order.status.value,
            order.occurred_at,
        )
        booked += outcome.effect in ("booked", "cancelled")
        if as_utc(order.occurred_at) > read_at:
            sign = 1 if order.status is OrderStatus.CREATED else -1
            sold_after[order.sku_ref] = sold_after.get(order.sku_ref, 0) + sign * order.quantity
    drift: dict[str, int] = {}
    skipped: list[str] = []
    for sku_ref, sku in sorted(listings.items()):
        if sku_ref not in read:
            skipped.append(sku)
            continue
        result = await asyncio.to_thread(
            apply_reconciliation,
            ctx,
            channel,
            sku,
            read[sku_ref],
            max(0, sold_after.get(sku_ref, 0)),
            read_at_hub,
        )
        if result is None:
            skipped.append(sku)
        else:
            drift[sku] = result
    return ReconcileReport(channel, len(recent), booked, drift, skipped)
