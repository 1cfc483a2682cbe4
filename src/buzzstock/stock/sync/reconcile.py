"""S-6: reconciliation. Read each channel's quantities back, book every recent order (the
polling fallback for lost webhooks), then set each listing's exact exposure and report drift.

Order of the steps matters: the read comes first, then the order poll; sales after the read
are not in the display read back and are subtracted, sales before it are.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from buzzstock.channels.base import ChannelAdapter, ChannelOrder, OrderStatus
from buzzstock.core.clock import as_utc
from buzzstock.core.context import Context
from buzzstock.core.db import reading
from buzzstock.stock.store import channel_listings
from buzzstock.stock.sync.allotment import apply_reconciliation
from buzzstock.stock.sync.booking import OrderLine, book_order_lines
from buzzstock.stock.sync.settings import SyncSettings
from buzzstock.stock.sync.store import channel_order_lines

KNOWN_LINES_AGE = timedelta(hours=1)
"""Booked orders this old are handed to the poll as known (an older order that changes now,
say cancelled, has its lines fetched again)."""
NOT_SETTLED = -1
"""Stands for the push count of a listing with a push in flight: it never matches."""


@dataclass(frozen=True)
class ReconcileReport:
    channel: str
    orders_seen: int
    orders_booked: int
    drift: dict[str, int]
    """SKU -> exposure counted minus exposure found (only SKUs reconciled)."""
    skipped: list[str]
    """SKUs with a push in flight during the read: reconciled on a later pass."""


async def reconcile_channel(
    ctx: Context,
    channel: str,
    adapter: ChannelAdapter,
    since: datetime,
    settings: SyncSettings = SyncSettings(),
) -> ReconcileReport:
    """S-6: one reconciliation pass over a channel (its quantities and recent orders)."""
    with reading(ctx.engine) as connection:
        rows = list(
            connection.execute(
                select(
                    channel_listings.c.sku,
                    channel_listings.c.external_ref,
                    channel_listings.c.pushes_sent,
                    channel_listings.c.inflight_version,
                ).where(
                    channel_listings.c.channel == channel,
                    channel_listings.c.external_ref.is_not(None),
                )
            )
        )
    listings = {str(row.external_ref): str(row.sku) for row in rows}
    # A push in flight now may land before or after the read: such a SKU waits for a later pass.
    pushes_sent = {
        str(row.sku): int(row.pushes_sent) if row.inflight_version == 0 else NOT_SETTLED
        for row in rows
    }
    if not listings or not adapter.capabilities.exact_quantity:
        return ReconcileReport(channel, 0, 0, {}, sorted(listings.values()))
    window_start = since - timedelta(seconds=settings.reconcile_margin_seconds)
    already_booked = await asyncio.to_thread(
        _booked_lines, ctx, channel, window_start - KNOWN_LINES_AGE
    )
    read = await adapter.read_quantities(sorted(listings))
    read_at = ctx.clock.now()
    recent = await adapter.recent_orders(window_start, known=already_booked)
    sold_after: dict[str, int] = {}
    known = await asyncio.to_thread(_known_effects, ctx, channel, recent)
    new_lines = []
    for order in recent:
        if as_utc(order.occurred_at) > read_at:
            sign = 1 if order.status is OrderStatus.CREATED else -1
            sold_after[order.sku_ref] = sold_after.get(order.sku_ref, 0) + sign * order.quantity
        if (order.channel_order_id, order.sku_ref, order.status.value) not in known:
            new_lines.append(
                OrderLine(
                    order.channel_order_id,
                    order.sku_ref,
                    order.quantity,
                    order.status.value,
                    order.occurred_at,
                )
            )
    outcomes = await asyncio.to_thread(book_order_lines, ctx, channel, new_lines)
    booked = sum(outcome.effect in ("booked", "cancelled") for outcome in outcomes)
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
            pushes_sent[sku],
        )
        if result is None:
            skipped.append(sku)
        else:
            drift[sku] = result
    return ReconcileReport(channel, len(recent), booked, drift, skipped)


def _booked_lines(ctx: Context, channel: str, since: datetime) -> dict[str, dict[str, int]]:
    """Lines of the channel's orders booked since ``since``: order id -> SKU ref -> units."""
    lines: dict[str, dict[str, int]] = {}
    with reading(ctx.engine) as connection:
        for row in connection.execute(
            select(
                channel_order_lines.c.order_id,
                channel_order_lines.c.sku_ref,
                channel_order_lines.c.quantity,
            ).where(
                channel_order_lines.c.channel == channel,
                channel_order_lines.c.occurred_at >= since,
            )
        ):
            lines.setdefault(str(row.order_id), {})[str(row.sku_ref)] = int(row.quantity)
    return lines


def _known_effects(
    ctx: Context, channel: str, recent: list[ChannelOrder]
) -> set[tuple[str, str, str]]:
    """The (order, SKU, status) effects already booked, so a poll books only what is new."""
    order_ids = sorted({order.channel_order_id for order in recent})
    known: set[tuple[str, str, str]] = set()
    with reading(ctx.engine) as connection:
        for start in range(0, len(order_ids), 500):
            for row in connection.execute(
                select(
                    channel_order_lines.c.order_id,
                    channel_order_lines.c.sku_ref,
                    channel_order_lines.c.status,
                ).where(
                    channel_order_lines.c.channel == channel,
                    channel_order_lines.c.order_id.in_(order_ids[start : start + 500]),
                )
            ):
                known.add((row.order_id, row.sku_ref, row.status))
                if row.status == "cancelled":
                    known.add((row.order_id, row.sku_ref, "created"))
    return known
