"""S-6: the webhook inbox. A verified delivery is stored once per (channel, provider event id)
and acknowledged at once; the background processor books its order lines, each exactly once
(``allotment.book_order_line``), whatever the duplicates and the delivery order.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from buzzstock.channels.base import ChannelAdapter, ChannelOrder, InboundNotification
from buzzstock.core.clock import as_utc
from buzzstock.core.context import Context
from buzzstock.core.db import reading
from buzzstock.stock.sync.booking import OrderLine, book_order_lines
from buzzstock.stock.sync.settings import SyncSettings
from buzzstock.stock.sync.store import channel_inbox

PENDING = "pending"
PROCESSED = "processed"
LEASE = timedelta(seconds=30)


def _line(order: ChannelOrder) -> dict[str, Any]:
    return {
        "order_id": order.channel_order_id,
        "sku_ref": order.sku_ref,
        "quantity": order.quantity,
        "status": order.status.value,
        "occurred_at": as_utc(order.occurred_at).isoformat(),
    }


def store_notification(ctx: Context, channel: str, notification: InboundNotification) -> bool:
    """Keep a verified delivery once; returns False for a duplicate (same provider event id)
    and for one that stands for no order (WooCommerce's unsigned creation ping, a catalogue
    status): it is acknowledged and nothing is written (issue 11)."""
    if not notification.orders and not notification.order_ids_to_fetch:
        return False
    now = ctx.clock.now()
    with ctx.engine.begin() as connection:
        upsert = (
            postgresql_insert(channel_inbox)
            if connection.dialect.name == "postgresql"
            else sqlite_insert(channel_inbox)
        )
        stored = connection.execute(
            upsert.values(
                channel=channel,
                event_id=notification.event_id[:200],
                platform=notification.platform.value,
                topic=notification.topic[:120],
                received_at=now,
                lines=[_line(order) for order in notification.orders],
                fetch_ids=list(notification.order_ids_to_fetch),
                state=PENDING,
                attempts=0,
            )
            .on_conflict_do_nothing()
            .returning(channel_inbox.c.event_id)
        ).first()
    return stored is not None


def expire_inbox(ctx: Context) -> int:
    """S-6 retention: delete deliveries processed longer ago than ``sync.inbox_retention_hours``;
    returns how many. Their order lines stay booked (``channel_order_lines``), so a duplicate
    arriving later books nothing twice."""
    hours = ctx.section(SyncSettings).inbox_retention_hours
    cutoff = ctx.clock.now() - timedelta(hours=hours)
    due = (channel_inbox.c.state == PROCESSED) & (channel_inbox.c.processed_at < cutoff)
    with reading(ctx.engine) as connection:
        if connection.execute(select(channel_inbox.c.event_id).where(due).limit(1)).first() is None:
            return 0
    with ctx.engine.begin() as connection:
        return int(connection.execute(delete(channel_inbox).where(due)).rowcount)


def _claim(ctx: Context, channel: str, limit: int) -> list[Any]:
    now = ctx.clock.now()
    # An idle processor looks without the write lock; it takes it only when there is work.
    with reading(ctx.engine) as connection:
        waiting = connection.execute(
            select(channel_inbox.c.event_id)
            .where(channel_inbox.c.channel == channel, channel_inbox.c.state == PENDING)
            .limit(1)
        ).first()
    if waiting is None:
        return []
    with ctx.engine.begin() as connection:
        query = (
            select(channel_inbox)
            .where(
                channel_inbox.c.channel == channel,
                channel_inbox.c.state == PENDING,
                (channel_inbox.c.lease_until.is_(None)) | (channel_inbox.c.lease_until < now),
            )
            .order_by(channel_inbox.c.received_at)
            .limit(limit)
        )
        if connection.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = list(connection.execute(query))
        claimed = []
        for row in rows:
            taken = connection.execute(
                update(channel_inbox)
                .where(
                    channel_inbox.c.channel == channel,
                    channel_inbox.c.event_id == row.event_id,
                    channel_inbox.c.state == PENDING,
                )
                .values(lease_until=now + LEASE, attempts=channel_inbox.c.attempts + 1)
            ).rowcount
            if taken:
                claimed.append(row)
        return claimed


def _apply_lines(ctx: Context, channel: str, lines: list[dict[str, Any]]) -> None:
    book_order_lines(
        ctx,
        channel,
        [
            OrderLine(
                order_id=str(line["order_id"]),
                sku_ref=str(line["sku_ref"]),
                quantity=int(line["quantity"]),
                status=str(line["status"]),
                occurred_at=datetime.fromisoformat(str(line["occurred_at"])),
            )
            for line in lines
        ],
    )


def _finish(ctx: Context, channel: str, event_ids: list[str], error: str | None) -> None:
    now = ctx.clock.now()
    with ctx.engine.begin() as connection:
        values: dict[str, Any] = (
            {"state": PROCESSED, "processed_at": now, "lease_until": None, "last_error": None}
            if error is None
            else {"lease_until": now + timedelta(seconds=1), "last_error": error[:1000]}
        )
        connection.execute(
            update(channel_inbox)
            .where(channel_inbox.c.channel == channel, channel_inbox.c.event_id.in_(event_ids))
            .values(**values)
        )


async def process_inbox(
    ctx: Context, channel: str, adapter: ChannelAdapter, settings: SyncSettings = SyncSettings()
) -> int:
    """Book the lines of pending deliveries; thin ones (TikTok Shop, Shopee) are completed with
    one fetch for the whole batch. Returns how many deliveries were processed."""
    rows = await asyncio.to_thread(_claim, ctx, channel, settings.inbox_batch)
    if not rows:
        return 0
    lines: list[dict[str, Any]] = [line for row in rows for line in row.lines]
    fetch_ids = sorted({str(order_id) for row in rows for order_id in row.fetch_ids})
    event_ids = [str(row.event_id) for row in rows]
    try:
        if fetch_ids:
            first = rows[0]
            combined = InboundNotification(
                platform=adapter.platform,
                event_id=str(first.event_id),
                topic=str(first.topic),
                occurred_at=as_utc(first.received_at),
                order_ids_to_fetch=tuple(fetch_ids),
            )
            fetched = await adapter.orders_for_notification(combined)
            lines += [_line(order) for order in fetched]
        await asyncio.to_thread(_apply_lines, ctx, channel, lines)
    except Exception as error:
        await asyncio.to_thread(_finish, ctx, channel, event_ids, str(error) or repr(error))
        raise
    await asyncio.to_thread(_finish, ctx, channel, event_ids, None)
    return len(rows)
