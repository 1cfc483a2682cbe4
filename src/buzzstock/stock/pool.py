"""Stock set-up and inbound flow: receipts, quotas and moves (S-3), pause and buyer limits
(S-4/S-5), in-transit units and arrivals (S-2).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select, update

from buzzstock.catalog.service import regions
from buzzstock.core.context import Context
from buzzstock.core.errors import (
    Conflict,
    InsufficientStock,
    InvalidInput,
    NotFound,
)
from buzzstock.core.events import record
from buzzstock.core.ids import new_id
from buzzstock.stock import ledger
from buzzstock.stock.events import BuyerLimitChanged, QuotaMoved, SkuPaused, SkuResumed
from buzzstock.stock.model import (
    Movement,
    bucket_lock_order,
    split_quotas,
)
from buzzstock.stock.rows import (
    change_bucket,
    change_level,
    check_quota_name,
    default_bucket,
    ensure_bucket,
    ensure_bucket_exists,
    ensure_level,
    ensure_pool,
)
from buzzstock.stock.settings import StockSettings
from buzzstock.stock.store import (
    ELASTIC,
    quota_buckets,
    stock_pools,
)


def receive(
    ctx: Context,
    sku: str,
    warehouse: str,
    quantity: int,
    *,
    bucket: str | None = None,
    ref: str | None = None,
) -> None:
    """S-2: units arrive on hand in a warehouse and become sellable from one quota bucket.

    By default they go to the quota of the warehouse's region if the SKU has one, else to the
    elastic pool.
    """
    with ctx.engine.begin() as connection:
        receive_in(connection, ctx, sku, warehouse, quantity, bucket=bucket, ref=ref)


def receive_in(
    connection: Connection,
    ctx: Context,
    sku: str,
    warehouse: str,
    quantity: int,
    *,
    bucket: str | None = None,
    ref: str | None = None,
) -> None:
    """``receive`` inside the caller's transaction (a shop file's opening stock)."""
    if quantity <= 0:
        raise InvalidInput("quantity received must be a positive number of units")
    ensure_pool(connection, sku)
    ensure_level(ctx, connection, sku, warehouse)
    if bucket is not None:
        check_quota_name(connection, sku, bucket)
    target = bucket or default_bucket(connection, sku, warehouse)
    ensure_bucket(connection, sku, target)
    change_bucket(connection, sku, target, d_limit=quantity)
    change_level(connection, sku, warehouse, d_on_hand=quantity)
    ref = ref or new_id("rcv")
    ledger.append(
        connection,
        sku,
        ctx.clock.now(),
        [
            Movement("receive", ref, bucket=target, d_limit=quantity),
            Movement("receive", ref, warehouse=warehouse, d_on_hand=quantity),
        ],
        low_alert_share=ctx.section(StockSettings).low_stock_alert_share,
    )


def set_quotas(
    ctx: Context,
    sku: str,
    weights: dict[str, float],
    elastic_share: float | None = None,
) -> dict[str, int]:
    """S-3: split the SKU's free units into region quotas and the elastic pool.

    Units already committed stay where they are; only free units move. Returns units per bucket.
    """
    with ctx.engine.begin() as connection:
        return set_quotas_in(connection, ctx, sku, weights, elastic_share)


def set_quotas_in(
    connection: Connection,
    ctx: Context,
    sku: str,
    weights: dict[str, float],
    elastic_share: float | None = None,
) -> dict[str, int]:
    """``set_quotas`` inside the caller's transaction (a shop file's opening stock)."""
    share = ctx.section(StockSettings).elastic_share if elastic_share is None else elastic_share
    known = {row.code for row in connection.execute(select(regions.c.code))}
    unknown = sorted(set(weights) - known)
    if unknown:
        raise InvalidInput(f"unknown region(s) in quotas: {', '.join(unknown)}")
    ensure_pool(connection, sku)
    for region in weights:
        ensure_bucket(connection, sku, region)
    rows = {
        row.bucket: row
        for row in connection.execute(select(quota_buckets).where(quota_buckets.c.sku == sku))
    }
    free_total = sum(row.limit_units - row.used_units for row in rows.values())
    used_total = sum(row.used_units for row in rows.values())
    targets = split_quotas(free_total + used_total, weights, share)
    plan: dict[str, int] = {}
    for bucket, row in rows.items():
        if bucket == ELASTIC:
            continue
        target = max(targets.get(bucket, 0), row.used_units)
        plan[bucket] = target - row.limit_units
    plan[ELASTIC] = -sum(plan.values())
    movements = []
    ref = new_id("quo")
    for bucket in sorted(plan, key=bucket_lock_order):
        delta = plan[bucket]
        if delta:
            change_bucket(connection, sku, bucket, d_limit=delta, initial=True)
            movements.append(Movement("quota_set", ref, bucket=bucket, d_limit=delta))
    if movements:
        ledger.append(connection, sku, ctx.clock.now(), movements)
    return {
        row.bucket: row.limit_units
        for row in connection.execute(select(quota_buckets).where(quota_buckets.c.sku == sku))
    }


def move_quota(
    ctx: Context, sku: str, source: str, target: str, quantity: int, *, reason: str = "manual"
) -> None:
    """S-3: move free units from one quota bucket to another, with a ledger row each side."""
    if quantity <= 0:
        raise InvalidInput("quantity to move must be a positive number of units")
    if source == target:
        raise InvalidInput("source and target quota must differ")
    with ctx.engine.begin() as connection:
        ensure_bucket_exists(connection, sku, source)
        check_quota_name(connection, sku, target)
        ensure_bucket(connection, sku, target)
        ref = new_id("mov")
        movements = []
        for bucket in sorted((source, target), key=bucket_lock_order):
            delta = -quantity if bucket == source else quantity
            if not change_bucket(connection, sku, bucket, d_limit=delta):
                raise InsufficientStock(
                    f"quota {source!r} of {sku!r} has fewer than {quantity} free units to move",
                    rule="S-3",
                )
            movements.append(Movement(f"quota_move:{reason}", ref, bucket=bucket, d_limit=delta))
        ledger.append(connection, sku, ctx.clock.now(), movements)
        record(
            connection,
            QuotaMoved(
                sku=sku, from_bucket=source, to_bucket=target, units=quantity, reason=reason
            ),
            ctx.clock.now(),
        )


def set_paused(ctx: Context, sku: str, paused: bool, reason: str | None = None) -> None:
    """S-4: a paused SKU refuses new reservations (orders already taken still ship)."""
    with ctx.engine.begin() as connection:
        set_paused_in(connection, sku, paused, reason, ctx.clock.now(), rule=MANUAL_PAUSE)


MANUAL_PAUSE = "S-4"
EMERGENCY_STOP = "D-6"


def set_paused_in(
    connection: Connection,
    sku: str,
    paused: bool,
    reason: str | None,
    now: datetime,
    *,
    rule: str,
) -> bool:
    """Pause or resume a SKU inside the caller's transaction; False when nothing changed.

    ``rule`` says who pauses: a person (S-4) or the emergency stop (D-6). The stop overrides a
    person's pause, and only the stop can lift itself: a person cannot resume a stopped SKU.
    """
    row = connection.execute(
        select(stock_pools.c.paused, stock_pools.c.pause_rule)
        .where(stock_pools.c.sku == sku)
        .with_for_update()
    ).first()
    if row is None:
        raise NotFound(f"SKU {sku!r} has no stock pool")
    held_by = (row.pause_rule or MANUAL_PAUSE) if row.paused else None
    if held_by == EMERGENCY_STOP and rule != EMERGENCY_STOP:
        raise Conflict(
            f"{sku} is held by the emergency stop: lift it with `buzzstock decisions resume "
            f"{sku}` (or POST /api/v1/stops/{sku}/lift)",
            rule=EMERGENCY_STOP,
        )
    if paused and held_by == rule:
        return False
    if not paused and held_by != rule:
        return False
    connection.execute(
        update(stock_pools)
        .where(stock_pools.c.sku == sku)
        .values(
            paused=paused,
            pause_reason=reason if paused else None,
            pause_rule=rule if paused else None,
        )
    )
    event = (SkuPaused if paused else SkuResumed)(sku=sku, reason=reason, rule=rule)
    record(connection, event, now)
    return True


def set_buyer_limit(ctx: Context, sku: str, limit: int | None, *, rule: str = "S-5") -> None:
    """S-5: units one buyer may buy of this SKU across all orders (None switches it off)."""
    with ctx.engine.begin() as connection:
        set_buyer_limit_in(connection, ctx, sku, limit, rule=rule)


def set_buyer_limit_in(
    connection: Connection, ctx: Context, sku: str, limit: int | None, *, rule: str = "S-5"
) -> None:
    """``set_buyer_limit`` inside the caller's transaction (a shop file's opening stock)."""
    if limit is not None and limit < 1:
        raise InvalidInput("a buyer limit must be at least 1 unit (or none)")
    changed = connection.execute(
        update(stock_pools).where(stock_pools.c.sku == sku).values(buyer_limit=limit)
    ).rowcount
    if not changed:
        raise NotFound(f"SKU {sku!r} has no stock pool")
    record(connection, BuyerLimitChanged(sku=sku, limit=limit, rule=rule), ctx.clock.now())


def add_in_transit(
    ctx: Context, sku: str, warehouse: str, quantity: int, eta: datetime, *, ref: str | None = None
) -> None:
    """S-2: units on their way to a warehouse, with the arrival time shown to sellers."""
    with ctx.engine.begin() as connection:
        add_in_transit_in(connection, ctx, sku, warehouse, quantity, eta, ref=ref)


def add_in_transit_in(
    connection: Connection,
    ctx: Context,
    sku: str,
    warehouse: str,
    quantity: int,
    eta: datetime,
    *,
    ref: str | None = None,
) -> None:
    """``add_in_transit`` inside the caller's transaction (a purchase order shipping)."""
    if quantity <= 0:
        raise InvalidInput("quantity in transit must be a positive number of units")
    ensure_pool(connection, sku)
    ensure_level(ctx, connection, sku, warehouse)
    change_level(connection, sku, warehouse, d_in_transit=quantity, eta=eta)
    ledger.append(
        connection,
        sku,
        ctx.clock.now(),
        [Movement("in_transit", ref or new_id("shp"), warehouse=warehouse, d_in_transit=quantity)],
    )


def arrive(
    ctx: Context, sku: str, warehouse: str, quantity: int, *, ref: str | None = None
) -> None:
    """S-2: in-transit units arrive and become on-hand stock in the warehouse's region quota."""
    with ctx.engine.begin() as connection:
        arrive_in(connection, ctx, sku, warehouse, quantity, ref=ref)


def arrive_in(
    connection: Connection,
    ctx: Context,
    sku: str,
    warehouse: str,
    quantity: int,
    *,
    ref: str | None = None,
) -> None:
    """``arrive`` inside the caller's transaction; a reference already booked as an arrival of
    this SKU is refused, so a retried receipt cannot add the units twice."""
    if quantity <= 0:
        raise InvalidInput("quantity arriving must be a positive number of units")
    now = ctx.clock.now()
    ref = ref or new_id("arr")
    ensure_pool(connection, sku)
    ensure_level(ctx, connection, sku, warehouse)
    target = default_bucket(connection, sku, warehouse)
    change_bucket(connection, sku, target, d_limit=quantity)
    # Checked after the bucket's row lock, so two arrivals with one reference cannot both pass.
    if ledger.has_movement(connection, sku, "arrive", ref):
        raise Conflict(
            f"arrival {ref!r} of {sku!r} is already booked: each arrival needs its own reference"
        )
    if not change_level(connection, sku, warehouse, d_on_hand=quantity, d_in_transit=-quantity):
        raise Conflict(
            f"only fewer than {quantity} unit(s) of {sku!r} are in transit to {warehouse!r}"
        )
    ledger.append(
        connection,
        sku,
        now,
        [
            Movement("arrive", ref, bucket=target, d_limit=quantity),
            Movement(
                "arrive", ref, warehouse=warehouse, d_on_hand=quantity, d_in_transit=-quantity
            ),
        ],
        low_alert_share=ctx.section(StockSettings).low_stock_alert_share,
    )
