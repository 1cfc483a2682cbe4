"""S-4: reservations. Take units atomically from the region quota then the elastic pool (S-3),
with live-sale rules (S-5) applied in the same transaction; cancel and expire exactly once.

Every use case is one transaction. Rows are locked in one global order (reservation/order row,
quota buckets, warehouse levels, shipping capacity, the SKU pool, the buyer row), and every
counter change appends to the SKU's ledger.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from buzzstock.catalog.service import channels, markets
from buzzstock.core.clock import as_utc
from buzzstock.core.context import Context
from buzzstock.core.db import reading
from buzzstock.core.errors import (
    Conflict,
    IdempotencyMismatch,
    InsufficientStock,
    InvalidInput,
    NotFound,
)
from buzzstock.core.events import record
from buzzstock.core.ids import new_id
from buzzstock.stock import ledger
from buzzstock.stock.events import (
    QuotaRefilled,
    ReplenishmentAlert,
    ReservationCancelled,
    ReservationExpired,
)
from buzzstock.stock.fastpath import reserve_in_one_statement
from buzzstock.stock.model import (
    Movement,
    bucket_lock_order,
)
from buzzstock.stock.rows import change_bucket, change_level, is_paused, paused_refusal
from buzzstock.stock.settings import StockSettings
from buzzstock.stock.store import (
    ELASTIC,
    buyer_purchases,
    order_allocations,
    orders,
    quota_buckets,
    reservations,
    warehouse_capacity,
)
from buzzstock.stock.taking import (
    check_buyer_limit,
    count_buyer_units,
    refill_due,
    refill_if_selling_out,
    refill_separately,
    refusal,
    take_units,
)


@dataclass(frozen=True)
class Reservation:
    id: str
    sku: str
    quantity: int
    channel: str
    buyer: str
    state: str
    expires_at: datetime
    primary_bucket: str
    primary_units: int
    elastic_units: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "sku": self.sku,
            "quantity": self.quantity,
            "channel": self.channel,
            "buyer": self.buyer,
            "state": self.state,
            "expires_at": as_utc(self.expires_at).isoformat(),
            "taken_from": {self.primary_bucket: self.primary_units, ELASTIC: self.elastic_units},
        }


def _fingerprint(payload: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


_channel_regions: dict[tuple[str, str], tuple[str, float]] = {}
_sold_out_recently: set[tuple[str, str, str]] = set()


CHANNEL_CACHE_SECONDS = 60.0


def channel_region(ctx: Context, connection: Connection | None, channel: str) -> str:
    """The quota region a channel sells from (cached for a minute: it is read on every checkout,
    and a channel moved to another market takes effect within that minute)."""
    key = (str(ctx.engine.url), channel)
    cached = _channel_regions.get(key)
    if cached is not None and cached[1] > time.monotonic():
        return cached[0]
    if connection is None:
        with reading(ctx.engine) as reader:
            return channel_region(ctx, reader, channel)
    row = connection.execute(
        select(markets.c.region, channels.c.active)
        .select_from(channels.join(markets, channels.c.market == markets.c.code))
        .where(channels.c.code == channel)
    ).first()
    if row is None:
        raise NotFound(f"unknown channel {channel!r}: add it to the catalogue first")
    if not row.active:
        raise Conflict(f"channel {channel!r} is switched off")
    region = str(row.region)
    _channel_regions[key] = (region, time.monotonic() + CHANNEL_CACHE_SECONDS)
    return region


def reserve(
    ctx: Context,
    sku: str,
    quantity: int,
    channel: str,
    buyer: str,
    *,
    request_key: str | None = None,
) -> Reservation:
    """S-4: take units for a buyer on a channel, or refuse with the rule that refused.

    The channel's region quota is used first, then the elastic pool (S-3). One conditional write
    per bucket decides; a refused request changes nothing. With ``request_key`` a retried
    request returns the first answer.
    """
    limit = ctx.section(StockSettings).max_reservation_quantity
    if not 1 <= quantity <= limit:
        raise InvalidInput(f"quantity must be between 1 and {limit} units, got {quantity}")
    if not buyer or len(buyer) > 200:
        raise InvalidInput("buyer must be a non-empty id of at most 200 characters")
    fingerprint = _fingerprint(
        {"sku": sku, "quantity": quantity, "channel": channel, "buyer": buyer}
    )
    if request_key is not None:
        earlier = _reservation_by_key(ctx, request_key, fingerprint)
        if earlier is not None:
            return earlier
    sold_out_key = (str(ctx.engine.url), sku, channel)
    if sold_out_key in _sold_out_recently:
        # After a refusal, check with a lock-free snapshot read first so a sold-out SKU
        # refuses without queueing behind the writers; otherwise go straight to the write.
        free, has_expired = _free_for(ctx, sku, channel)
        if free >= quantity:
            _sold_out_recently.discard(sold_out_key)
        elif not has_expired or release_expired(ctx, sku=sku) == 0:
            with reading(ctx.engine) as connection:
                if is_paused(connection, sku):
                    raise paused_refusal(connection, sku)
            raise refusal(sku, quantity, channel_region(ctx, None, channel))
    try:
        return _reserve_once(ctx, sku, quantity, channel, buyer, request_key, fingerprint)
    except InsufficientStock:
        _sold_out_recently.add(sold_out_key)
        _, has_expired = _free_for(ctx, sku, channel)
        if not has_expired or release_expired(ctx, sku=sku) == 0:
            raise
        return _reserve_once(ctx, sku, quantity, channel, buyer, request_key, fingerprint)
    except IntegrityError:
        if request_key is None:
            raise
        earlier = _reservation_by_key(ctx, request_key, fingerprint)
        if earlier is None:
            raise
        return earlier


def _free_for(ctx: Context, sku: str, channel: str) -> tuple[int, bool]:
    """Free units the channel could take now (its region quota plus the elastic pool), and
    whether the SKU has expired holds waiting to be released.

    A snapshot read that takes no lock: refusing on it is refusing at the snapshot's instant,
    so a sold-out SKU refuses without queueing behind the writers.
    """
    with reading(ctx.engine) as connection:
        region = channel_region(ctx, connection, channel)
        expired = (
            select(reservations.c.id)
            .where(
                reservations.c.sku == sku,
                reservations.c.state == "held",
                reservations.c.expires_at <= ctx.clock.now(),
            )
            .limit(1)
            .exists()
        )
        rows = list(
            connection.execute(
                select(
                    quota_buckets.c.limit_units - quota_buckets.c.used_units,
                    expired.label("has_expired"),
                ).where(quota_buckets.c.sku == sku, quota_buckets.c.bucket.in_((region, ELASTIC)))
            )
        )
    if not rows:
        raise NotFound(f"SKU {sku!r} has no stock pool: add it to the catalogue and receive stock")
    return sum(int(row[0]) for row in rows), bool(rows[0].has_expired)


def _reservation_by_key(ctx: Context, request_key: str, fingerprint: str) -> Reservation | None:
    with reading(ctx.engine) as connection:
        row = connection.execute(
            select(reservations).where(reservations.c.request_key == request_key)
        ).first()
    if row is None:
        return None
    if row.request_fingerprint != fingerprint:
        raise IdempotencyMismatch(
            "this request key was first used for a different reservation; use a new key"
        )
    return _reservation_from_row(row)


def _reservation_from_row(row: Any) -> Reservation:
    return Reservation(
        id=row.id,
        sku=row.sku,
        quantity=row.quantity,
        channel=row.channel,
        buyer=row.buyer,
        state=row.state,
        expires_at=as_utc(row.expires_at),
        primary_bucket=row.primary_bucket,
        primary_units=row.primary_units,
        elastic_units=row.elastic_units,
    )


def _reserve_once(
    ctx: Context,
    sku: str,
    quantity: int,
    channel: str,
    buyer: str,
    request_key: str | None,
    fingerprint: str,
) -> Reservation:
    settings = ctx.section(StockSettings)
    now = ctx.clock.now()
    reservation_id = new_id("res")
    expires_at = now + timedelta(seconds=settings.reservation_ttl_seconds)
    with ctx.engine.begin() as connection:
        region = channel_region(ctx, connection, channel)
        fast = (
            reserve_in_one_statement(
                connection,
                reservation_id=reservation_id,
                sku=sku,
                bucket=region,
                quantity=quantity,
                channel=channel,
                buyer=buyer,
                at=now,
                expires_at=expires_at,
                request_key=request_key,
                fingerprint=fingerprint,
            )
            if connection.dialect.name == "postgresql"
            else None
        )
        movements: list[Movement] = []
        region_after: tuple[int, int] | None
        if fast is not None:
            if fast.pool is None:
                raise paused_refusal(connection, sku)
            primary, elastic, region_after = quantity, 0, fast.bucket_after
            check_buyer_limit(sku, buyer, fast.buyer_units, fast.pool.buyer_limit)
        else:
            primary, elastic, region_after = take_units(connection, sku, region, quantity)
            if primary == 0 and elastic == 0:
                if is_paused(connection, sku):
                    raise paused_refusal(connection, sku)
                raise refusal(sku, quantity, region)
            if primary:
                movements.append(Movement("reserve", reservation_id, bucket=region, d_used=primary))
            if elastic:
                movements.append(
                    Movement("reserve", reservation_id, bucket=ELASTIC, d_used=elastic)
                )
        # The one-statement path has already locked the pool row, so taking the elastic bucket
        # now would break the lock order: its refill runs in its own transaction afterwards.
        refill = (
            refill_if_selling_out(ctx, connection, sku, region, region_after)
            if region_after is not None and fast is None
            else 0
        )
        if refill:
            movements += [
                Movement("refill:S-5", reservation_id, bucket=region, d_limit=refill),
                Movement("refill:S-5", reservation_id, bucket=ELASTIC, d_limit=-refill),
            ]
        if movements:
            pool, low_switched_on = ledger.append(
                connection,
                sku,
                now,
                movements,
                require_active=True,
                low_alert_share=settings.low_stock_alert_share,
            )
        else:
            assert fast is not None and fast.pool is not None
            pool, low_switched_on = ledger.update_low_alert(
                connection, sku, fast.pool, settings.low_stock_alert_share
            )
        if fast is None:
            count_buyer_units(connection, sku, buyer, quantity, pool.buyer_limit)
            connection.execute(
                insert(reservations).values(
                    id=reservation_id,
                    request_key=request_key,
                    request_fingerprint=fingerprint,
                    sku=sku,
                    channel=channel,
                    buyer=buyer,
                    quantity=quantity,
                    primary_bucket=region,
                    primary_units=primary,
                    elastic_units=elastic,
                    state="held",
                    created_at=now,
                    expires_at=expires_at,
                )
            )
        if refill:
            record(connection, QuotaRefilled(sku=sku, region=region, units=refill, rule="S-5"), now)
        if low_switched_on:
            record(
                connection,
                ReplenishmentAlert(
                    sku=sku,
                    available=pool.available,
                    reference_units=pool.reference_units,
                    threshold_share=settings.low_stock_alert_share,
                    rule="S-5",
                ),
                now,
            )
    if fast is not None and refill_due(ctx, region, fast.bucket_after):
        refill_separately(ctx, sku, region, reservation_id)
    return Reservation(
        id=reservation_id,
        sku=sku,
        quantity=quantity,
        channel=channel,
        buyer=buyer,
        state="held",
        expires_at=expires_at,
        primary_bucket=region,
        primary_units=primary,
        elastic_units=elastic,
    )


def release_units(
    connection: Connection, row: Any, kind: str, *, was_sold: bool = False
) -> list[Movement]:
    """Give a reservation's units back to the buckets they came from (caller appends the ledger).

    ``was_sold``: the reservation had become an order, so the buckets' sold count goes back too.
    """
    movements = []
    for bucket, units in sorted(
        ((row.primary_bucket, row.primary_units), (ELASTIC, row.elastic_units)),
        key=lambda pair: bucket_lock_order(pair[0]),
    ):
        if units:
            sold = -units if was_sold else 0
            if not change_bucket(connection, row.sku, bucket, d_used=-units, d_sold=sold):
                raise Conflict(f"quota {bucket!r} of {row.sku!r} cannot take back {units} unit(s)")
            movements.append(Movement(kind, row.id, bucket=bucket, d_used=-units))
    return movements


def _forget_buyer_units(connection: Connection, row: Any) -> None:
    connection.execute(
        update(buyer_purchases)
        .where(buyer_purchases.c.sku == row.sku, buyer_purchases.c.buyer == row.buyer)
        .values(units=buyer_purchases.c.units - row.quantity)
    )


def get_reservation(ctx: Context, reservation_id: str) -> Reservation:
    with reading(ctx.engine) as connection:
        row = connection.execute(
            select(reservations).where(reservations.c.id == reservation_id)
        ).first()
    if row is None:
        raise NotFound(f"no reservation {reservation_id!r}")
    return _reservation_from_row(row)


def cancel(ctx: Context, reservation_id: str) -> Reservation:
    """S-4: cancel a held reservation or an unshipped order; the units go back exactly once."""
    now = ctx.clock.now()
    with ctx.engine.begin() as connection:
        row = connection.execute(
            update(reservations)
            .where(
                reservations.c.id == reservation_id,
                reservations.c.state.in_(("held", "confirmed")),
            )
            .values(state="cancelled", ended_at=now)
            .returning(*reservations.c)
        ).first()
        if row is None:
            state = connection.execute(
                select(reservations.c.state).where(reservations.c.id == reservation_id)
            ).scalar()
            if state is None:
                raise NotFound(f"no reservation {reservation_id!r}")
            raise Conflict(
                f"reservation {reservation_id!r} is {state} and cannot be cancelled",
                rule="S-4",
                state=state,
            )
        order_id = connection.execute(
            update(orders)
            .where(orders.c.reservation_id == reservation_id, orders.c.state == "allocated")
            .values(state="cancelled")
            .returning(orders.c.id)
        ).scalar()
        movements = release_units(connection, row, "cancel", was_sold=order_id is not None)
        if order_id is not None:
            movements += unallocate(connection, row.sku, order_id)
        ledger.append(
            connection,
            row.sku,
            now,
            movements,
            low_alert_share=ctx.section(StockSettings).low_stock_alert_share,
        )
        _forget_buyer_units(connection, row)
        record(
            connection,
            ReservationCancelled(
                reservation=row.id,
                order=order_id,
                sku=row.sku,
                channel=row.channel,
                units=row.quantity,
            ),
            now,
        )
    return _reservation_from_row(row)


def unallocate(connection: Connection, sku: str, order_id: str) -> list[Movement]:
    """Free the warehouse stock and shipping capacity an unshipped order had booked."""
    lines = list(
        connection.execute(
            select(order_allocations)
            .where(order_allocations.c.order_id == order_id)
            .order_by(order_allocations.c.warehouse, order_allocations.c.ship_day)
        )
    )
    per_warehouse: dict[str, int] = {}
    for line in lines:
        per_warehouse[line.warehouse] = per_warehouse.get(line.warehouse, 0) + line.quantity
    for warehouse, units in sorted(per_warehouse.items()):
        change_level(connection, sku, warehouse, d_reserved=-units)
    for line in lines:
        connection.execute(
            update(warehouse_capacity)
            .where(
                warehouse_capacity.c.warehouse == line.warehouse,
                warehouse_capacity.c.day == line.ship_day,
            )
            .values(booked=warehouse_capacity.c.booked - line.quantity)
        )
    return [
        Movement("unallocate", order_id, warehouse=warehouse, d_reserved=-units)
        for warehouse, units in sorted(per_warehouse.items())
    ]


def release_expired(ctx: Context, *, sku: str | None = None, limit: int = 500) -> int:
    """S-4: expire held reservations past their time, each exactly once; returns how many."""
    now = ctx.clock.now()
    query = (
        select(reservations.c.id)
        .where(reservations.c.state == "held", reservations.c.expires_at <= now)
        .order_by(reservations.c.expires_at)
        .limit(limit)
    )
    if sku is not None:
        query = query.where(reservations.c.sku == sku)
    with reading(ctx.engine) as connection:
        due = [row.id for row in connection.execute(query)]
    released = 0
    for reservation_id in due:
        with ctx.engine.begin() as connection:
            row = connection.execute(
                update(reservations)
                .where(
                    reservations.c.id == reservation_id,
                    reservations.c.state == "held",
                    reservations.c.expires_at <= now,
                )
                .values(state="expired", ended_at=now)
                .returning(*reservations.c)
            ).first()
            if row is None:
                continue
            ledger.append(
                connection,
                row.sku,
                now,
                release_units(connection, row, "expire"),
                low_alert_share=ctx.section(StockSettings).low_stock_alert_share,
            )
            _forget_buyer_units(connection, row)
            record(
                connection,
                ReservationExpired(reservation=row.id, sku=row.sku, units=row.quantity),
                now,
            )
            released += 1
    return released
