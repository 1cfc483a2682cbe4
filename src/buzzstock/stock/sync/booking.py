"""S-1/S-6: booking the order lines channels report, exactly once per (order, SKU, status).

A batch of lines is one transaction, taking rows in the hub's order: the channel order lines
(sorted), the reservations of cancelled lines (sorted), then per SKU (sorted) the channel
listing, the quota buckets (region, allotment, elastic), warehouse levels and capacity, and
the SKU pool through ``ledger.append``. A creation becomes a held reservation on the channel's
allotment (confirmed into an order by ``confirm_channel_orders``); a cancellation gives the
units back; one that arrives before its creation means the line is never booked. A line beyond
the allotment is an oversell exposure: covered from the region quota or the elastic pool when
they have units, else flagged for cancellation on the channel, never silently.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from buzzstock.core.context import Context
from buzzstock.core.db import reading
from buzzstock.core.errors import DomainError
from buzzstock.core.events import record
from buzzstock.core.ids import new_id
from buzzstock.stock import ledger
from buzzstock.stock.events import (
    ChannelCancelAfterShipment,
    ChannelOrderNotConfirmed,
    ChannelOrderUnknownSku,
    ChannelOversellExposure,
    ReservationCancelled,
)
from buzzstock.stock.model import Movement
from buzzstock.stock.orders import confirm
from buzzstock.stock.reservations import channel_region, release_units, unallocate
from buzzstock.stock.rows import take_from_bucket
from buzzstock.stock.settings import StockSettings
from buzzstock.stock.store import channel_listings, orders, reservations
from buzzstock.stock.sync.allotment import _cover, _free, _locked_listing
from buzzstock.stock.sync.publication import CHANNEL_BUCKET_PREFIX, channel_bucket
from buzzstock.stock.sync.store import channel_order_lines

CHANNEL_ORDER_HOLD = timedelta(days=7)
"""The platform already took the order: its hold must not expire before it is confirmed."""


@dataclass(frozen=True)
class OrderLine:
    """One SKU of one channel order, as the channel reported it."""

    order_id: str
    sku_ref: str
    quantity: int
    status: str
    """created or cancelled"""
    occurred_at: datetime


@dataclass(frozen=True)
class LineOutcome:
    line: OrderLine
    effect: str
    """booked, cancelled, duplicate, cancelled_before_create, flagged, unknown_sku"""
    reservation_id: str | None = None


def _line_insert(connection: Connection) -> Any:
    if connection.dialect.name == "postgresql":
        return postgresql_insert(channel_order_lines)
    return sqlite_insert(channel_order_lines)


def _line_key(channel: str, line: OrderLine) -> list[Any]:
    return [
        channel_order_lines.c.channel == channel,
        channel_order_lines.c.order_id == line.order_id,
        channel_order_lines.c.sku_ref == line.sku_ref,
    ]


@dataclass
class _Pending:
    line: OrderLine
    sku: str
    reservation: Any = None
    """The reservation row of a cancelled line, locked."""


def book_order_lines(ctx: Context, channel: str, lines: Sequence[OrderLine]) -> list[LineOutcome]:
    """Apply a batch of reported lines in one transaction; each effect happens at most once."""
    if not lines:
        return []
    now = ctx.clock.now()
    outcomes: list[LineOutcome] = []
    with ctx.engine.begin() as connection:
        region = channel_region(ctx, connection, channel)
        skus = {
            str(row.external_ref): str(row.sku)
            for row in connection.execute(
                select(channel_listings.c.sku, channel_listings.c.external_ref).where(
                    channel_listings.c.channel == channel
                )
            )
        }
        creations: list[_Pending] = []
        cancellations: list[_Pending] = []
        ordered = sorted(
            {(line.order_id, line.sku_ref, line.status): line for line in lines}.values(),
            key=lambda item: (item.order_id, item.sku_ref, item.status),
        )
        for line in ordered:
            sku = skus.get(line.sku_ref)
            inserted = connection.execute(
                _line_insert(connection)
                .values(
                    channel=channel,
                    order_id=line.order_id,
                    sku_ref=line.sku_ref,
                    sku=sku,
                    quantity=line.quantity,
                    status=line.status if sku else "unknown_sku",
                    occurred_at=line.occurred_at,
                    booked_at=now,
                )
                .on_conflict_do_nothing()
                .returning(channel_order_lines.c.order_id)
            ).first()
            if inserted is not None:
                if sku is None:
                    outcomes.append(LineOutcome(line, "unknown_sku"))
                    record(
                        connection,
                        ChannelOrderUnknownSku(
                            channel=channel, order=line.order_id, sku_ref=line.sku_ref
                        ),
                        now,
                    )
                elif line.status == "created":
                    creations.append(_Pending(line, sku))
                else:
                    outcomes.append(LineOutcome(line, "cancelled_before_create"))
                continue
            if line.status == "cancelled":
                booked = connection.execute(
                    update(channel_order_lines)
                    .where(*_line_key(channel, line), channel_order_lines.c.status == "created")
                    .values(status="cancelled")
                    .returning(channel_order_lines.c.reservation_id, channel_order_lines.c.sku)
                ).first()
                if booked is not None and booked.reservation_id is not None:
                    cancellations.append(_Pending(line, str(booked.sku), booked.reservation_id))
                    continue
            known = connection.execute(
                select(channel_order_lines.c.status).where(*_line_key(channel, line))
            ).scalar()
            effect = (
                "cancelled_before_create"
                if known == "cancelled" and line.status == "created"
                else "duplicate"
            )
            outcomes.append(LineOutcome(line, effect))
        for pending in sorted(cancellations, key=lambda item: str(item.reservation)):
            pending.reservation = connection.execute(
                update(reservations)
                .where(
                    reservations.c.id == pending.reservation,
                    reservations.c.state.in_(("held", "confirmed")),
                )
                .values(state="cancelled", ended_at=now)
                .returning(*reservations.c)
            ).first()
        for sku in sorted({item.sku for item in creations + cancellations}):
            outcomes += _apply_sku(
                ctx,
                connection,
                channel,
                region,
                sku,
                [item for item in cancellations if item.sku == sku],
                [item for item in creations if item.sku == sku],
                now,
            )
    return outcomes


def _apply_sku(
    ctx: Context,
    connection: Connection,
    channel: str,
    region: str,
    sku: str,
    cancellations: list[_Pending],
    creations: list[_Pending],
    now: datetime,
) -> list[LineOutcome]:
    listing = _locked_listing(connection, channel, sku)
    bucket = channel_bucket(channel)
    outcomes: list[LineOutcome] = []
    returned = sum(item.line.quantity for item in cancellations if item.reservation is not None)
    wanted = sum(item.line.quantity for item in creations)
    shortfall = wanted - returned - _free(connection, sku, bucket)
    ref = new_id("chl")
    _, movements = _cover(connection, sku, channel, region, shortfall, ref)
    exposure = int(listing.exposure_units)
    sold = 0
    for item in cancellations:
        row = item.reservation
        if row is None:
            record(
                connection,
                ChannelCancelAfterShipment(
                    channel=channel, order=item.line.order_id, sku=sku, rule="S-4"
                ),
                now,
            )
            outcomes.append(LineOutcome(item.line, "cancelled"))
            continue
        order_id = connection.execute(
            update(orders)
            .where(orders.c.reservation_id == row.id, orders.c.state == "allocated")
            .values(state="cancelled")
            .returning(orders.c.id)
        ).scalar()
        movements += release_units(connection, row, "channel_cancel", was_sold=order_id is not None)
        if order_id is not None:
            movements += unallocate(connection, sku, order_id)
        exposure += row.quantity
        sold -= row.quantity
        record(
            connection,
            ReservationCancelled(
                reservation=row.id, order=order_id, sku=sku, channel=channel, units=row.quantity
            ),
            now,
        )
        outcomes.append(LineOutcome(item.line, "cancelled", row.id))
    for item in creations:
        line = item.line
        if take_from_bucket(connection, sku, bucket, line.quantity) is None:
            connection.execute(
                update(channel_order_lines)
                .where(*_line_key(channel, line))
                .values(status="flagged")
            )
            record(
                connection,
                ChannelOversellExposure(
                    channel=channel,
                    sku=sku,
                    order=line.order_id,
                    units=line.quantity,
                    action="cancel_on_channel",
                    rule="S-1",
                ),
                now,
            )
            outcomes.append(LineOutcome(line, "flagged"))
            continue
        if line.quantity > exposure:
            record(
                connection,
                ChannelOversellExposure(
                    channel=channel,
                    sku=sku,
                    order=line.order_id,
                    units=line.quantity - exposure,
                    action="covered_from_pool",
                    rule="S-1",
                ),
                now,
            )
        exposure = max(0, exposure - line.quantity)
        sold += line.quantity
        reservation_id = new_id("res")
        movements.append(
            Movement("channel_order", reservation_id, bucket=bucket, d_used=line.quantity)
        )
        connection.execute(
            insert(reservations).values(
                id=reservation_id,
                request_key=f"chl:{channel}:{line.order_id}:{line.sku_ref}"[:200],
                sku=sku,
                channel=channel,
                buyer=f"{channel}:{line.order_id}"[:200],
                quantity=line.quantity,
                primary_bucket=bucket,
                primary_units=line.quantity,
                elastic_units=0,
                state="held",
                created_at=now,
                expires_at=now + CHANNEL_ORDER_HOLD,
            )
        )
        connection.execute(
            update(channel_order_lines)
            .where(*_line_key(channel, line))
            .values(reservation_id=reservation_id)
        )
        outcomes.append(LineOutcome(line, "booked", reservation_id))
    connection.execute(
        update(channel_listings)
        .where(channel_listings.c.channel == channel, channel_listings.c.sku == sku)
        .values(
            exposure_units=exposure,
            sold_since_ack=channel_listings.c.sold_since_ack + sold,
        )
    )
    if movements:
        ledger.append(
            connection,
            sku,
            now,
            movements,
            low_alert_share=ctx.section(StockSettings).low_stock_alert_share,
        )
    return outcomes


def confirm_channel_orders(ctx: Context, *, channel: str | None = None, limit: int = 200) -> int:
    """S-4/S-7: turn held channel reservations into orders booked on the nearest warehouses;
    returns how many were confirmed. Runs in the background, off the webhook path."""
    query = (
        select(reservations.c.id)
        .where(
            reservations.c.state == "held",
            reservations.c.primary_bucket.startswith(CHANNEL_BUCKET_PREFIX),
        )
        .order_by(reservations.c.created_at)
        .limit(limit)
    )
    if channel is not None:
        query = query.where(reservations.c.channel == channel)
    with reading(ctx.engine) as connection:
        due = [str(row.id) for row in connection.execute(query)]
    confirmed = 0
    for reservation_id in due:
        try:
            confirm(ctx, reservation_id)
        except DomainError as error:
            with ctx.engine.begin() as connection:
                record(
                    connection,
                    ChannelOrderNotConfirmed(
                        reservation=reservation_id, detail=str(error), rule="S-7"
                    ),
                    ctx.clock.now(),
                )
            continue
        confirmed += 1
    return confirmed
