"""Conditional writes on stock rows: the only way counters change (DESIGN: stock correctness).

Each write applies only if the row stays within its bounds, so "zero rows changed" means refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Integer, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from buzzstock.catalog.service import regions, skus, warehouses
from buzzstock.core.context import Context
from buzzstock.core.db import reading
from buzzstock.core.errors import (
    InvalidInput,
    NotFound,
    SkuPaused,
)
from buzzstock.stock.model import GENESIS_HASH, bucket_lock_order
from buzzstock.stock.settings import StockSettings
from buzzstock.stock.store import (
    ELASTIC,
    quota_buckets,
    stock_levels,
    stock_pools,
    warehouse_capacity,
)


def ensure_pool(connection: Connection, sku: str) -> None:
    """Create the SKU's pool row and empty elastic bucket if they do not exist yet."""
    if connection.execute(select(stock_pools.c.sku).where(stock_pools.c.sku == sku)).first():
        return
    if connection.execute(select(skus.c.code).where(skus.c.code == sku)).first() is None:
        raise NotFound(f"unknown SKU {sku!r}: add it to the catalogue first")
    connection.execute(
        insert(stock_pools).values(
            sku=sku,
            paused=False,
            reference_units=0,
            units_total=0,
            units_used=0,
            low_alert_active=False,
            ledger_seq=0,
            ledger_head=GENESIS_HASH,
            ledger_prev_head=GENESIS_HASH,
        )
    )
    ensure_bucket(connection, sku, ELASTIC)


def ensure_bucket(connection: Connection, sku: str, bucket: str) -> None:
    exists = connection.execute(
        select(quota_buckets.c.bucket).where(
            quota_buckets.c.sku == sku, quota_buckets.c.bucket == bucket
        )
    ).first()
    if exists is None:
        connection.execute(
            insert(quota_buckets).values(
                sku=sku, bucket=bucket, limit_units=0, used_units=0, sold_units=0, initial_units=0
            )
        )


def ensure_level(ctx: Context, connection: Connection, sku: str, warehouse: str) -> None:
    exists = connection.execute(
        select(stock_levels.c.sku).where(
            stock_levels.c.sku == sku, stock_levels.c.warehouse == warehouse
        )
    ).first()
    if exists is not None:
        return
    if (
        connection.execute(select(warehouses.c.code).where(warehouses.c.code == warehouse)).first()
        is None
    ):
        raise NotFound(f"unknown warehouse {warehouse!r}: add it to the catalogue first")
    connection.execute(
        insert(stock_levels).values(
            sku=sku,
            warehouse=warehouse,
            on_hand=0,
            reserved=0,
            in_transit=0,
            low_threshold=ctx.section(StockSettings).default_low_stock_threshold,
        )
    )


SUBPOOL_PREFIX = "sub:"
"""S-9: the quota bucket of a guest creator's sub-pool is ``sub:<name>``."""


def check_quota_name(connection: Connection, sku: str, bucket: str) -> None:
    """S-3: units go to the elastic pool, a region's quota, a quota the SKU already has or a
    creator's sub-pool (``sub:<name>``); any other name is a typo, refused before it makes a
    bucket no channel sells from."""
    if bucket == ELASTIC or bucket.startswith(SUBPOOL_PREFIX):
        return
    known = {str(code) for code in connection.execute(select(regions.c.code)).scalars()}
    held = {
        str(name)
        for name in connection.execute(
            select(quota_buckets.c.bucket).where(quota_buckets.c.sku == sku)
        ).scalars()
    }
    if bucket in known or bucket in held:
        return
    raise InvalidInput(
        f"unknown quota {bucket!r}: name {ELASTIC}, a region "
        f"({', '.join(sorted(known)) or 'none yet'}), a quota {sku} already has "
        f"({', '.join(sorted(held)) or 'none yet'}) or {SUBPOOL_PREFIX}<name> for a creator's "
        "sub-pool",
        rule="S-3",
    )


def ensure_bucket_exists(connection: Connection, sku: str, bucket: str) -> None:
    found = connection.execute(
        select(quota_buckets.c.bucket).where(
            quota_buckets.c.sku == sku, quota_buckets.c.bucket == bucket
        )
    ).first()
    if found is None:
        raise NotFound(f"SKU {sku!r} has no quota {bucket!r}")


_LIMIT_DELTA = bindparam("bucket_d_limit", type_=Integer)
_LIMIT_CHANGE = (
    update(quota_buckets)
    .where(
        quota_buckets.c.sku == bindparam("bucket_sku"),
        quota_buckets.c.bucket == bindparam("bucket_name"),
        quota_buckets.c.limit_units + _LIMIT_DELTA - quota_buckets.c.used_units >= 0,
    )
    .values(limit_units=quota_buckets.c.limit_units + _LIMIT_DELTA)
)
"""Built once: constructing the statement costs more than running it on a hot path."""


def change_bucket_limits(connection: Connection, deltas: Mapping[tuple[str, str], int]) -> bool:
    """Change the limits of buckets ``(sku, bucket)`` with one statement, SKU by SKU in lock
    order (``bucket_lock_order``), each only if it stays at or above the bucket's used units.
    True if every bucket changed; otherwise the caller must give up its transaction."""
    if not deltas:
        return True
    changed = connection.execute(
        _LIMIT_CHANGE,
        [
            {"bucket_sku": sku, "bucket_name": bucket, "bucket_d_limit": deltas[(sku, bucket)]}
            for sku, bucket in sorted(deltas, key=lambda key: (key[0], bucket_lock_order(key[1])))
        ],
    ).rowcount
    return bool(changed == len(deltas))


def default_bucket(connection: Connection, sku: str, warehouse: str) -> str:
    region = connection.execute(
        select(warehouses.c.region).where(warehouses.c.code == warehouse)
    ).scalar_one()
    has_quota = connection.execute(
        select(quota_buckets.c.bucket).where(
            quota_buckets.c.sku == sku, quota_buckets.c.bucket == region
        )
    ).first()
    return str(region) if has_quota else ELASTIC


def change_bucket(
    connection: Connection,
    sku: str,
    bucket: str,
    *,
    d_limit: int = 0,
    d_used: int = 0,
    d_sold: int = 0,
    initial: bool = False,
) -> bool:
    """One conditional write: applies the change only if the bucket stays 0 <= used <= limit."""
    values: dict[str, Any] = {
        "limit_units": quota_buckets.c.limit_units + d_limit,
        "used_units": quota_buckets.c.used_units + d_used,
    }
    if d_sold:
        values["sold_units"] = quota_buckets.c.sold_units + d_sold
    if initial:
        values["initial_units"] = quota_buckets.c.limit_units + d_limit
    result = connection.execute(
        update(quota_buckets)
        .where(
            quota_buckets.c.sku == sku,
            quota_buckets.c.bucket == bucket,
            quota_buckets.c.used_units + d_used >= 0,
            quota_buckets.c.limit_units + d_limit - quota_buckets.c.used_units - d_used >= 0,
        )
        .values(**values)
    )
    return result.rowcount == 1


def take_from_bucket(
    connection: Connection, sku: str, bucket: str, units: int
) -> tuple[int, int] | None:
    """Commit ``units`` of a bucket if it has them free (one conditional write).

    Returns the bucket's (limit, used) afterwards, or None if it had too few free units.
    """
    row = connection.execute(
        update(quota_buckets)
        .where(
            quota_buckets.c.sku == sku,
            quota_buckets.c.bucket == bucket,
            quota_buckets.c.limit_units - quota_buckets.c.used_units >= units,
        )
        .values(used_units=quota_buckets.c.used_units + units)
        .returning(quota_buckets.c.limit_units, quota_buckets.c.used_units)
    ).first()
    return None if row is None else (int(row.limit_units), int(row.used_units))


def change_level(
    connection: Connection,
    sku: str,
    warehouse: str,
    *,
    d_on_hand: int = 0,
    d_reserved: int = 0,
    d_in_transit: int = 0,
    eta: datetime | None = None,
) -> bool:
    """One conditional write on a warehouse row: never negative, reserved never above on hand."""
    values: dict[str, Any] = {
        "on_hand": stock_levels.c.on_hand + d_on_hand,
        "reserved": stock_levels.c.reserved + d_reserved,
        "in_transit": stock_levels.c.in_transit + d_in_transit,
    }
    if eta is not None:
        values["in_transit_eta"] = eta
    result = connection.execute(
        update(stock_levels)
        .where(
            stock_levels.c.sku == sku,
            stock_levels.c.warehouse == warehouse,
            stock_levels.c.reserved + d_reserved >= 0,
            stock_levels.c.in_transit + d_in_transit >= 0,
            stock_levels.c.on_hand + d_on_hand - stock_levels.c.reserved - d_reserved >= 0,
        )
        .values(**values)
    )
    return result.rowcount == 1


def book_capacity(connection: Connection, warehouse: str, day: date, units: int) -> bool:
    booked = connection.execute(
        update(warehouse_capacity)
        .where(
            warehouse_capacity.c.warehouse == warehouse,
            warehouse_capacity.c.day == day,
            warehouse_capacity.c.capacity - warehouse_capacity.c.booked >= units,
        )
        .values(booked=warehouse_capacity.c.booked + units)
    ).rowcount
    if booked:
        return True
    exists = connection.execute(
        select(warehouse_capacity.c.day).where(
            warehouse_capacity.c.warehouse == warehouse, warehouse_capacity.c.day == day
        )
    ).first()
    if exists is not None:
        return False
    capacity = connection.execute(
        select(warehouses.c.daily_capacity).where(warehouses.c.code == warehouse)
    ).scalar_one()
    if units > capacity:
        return False
    try:
        with connection.begin_nested():
            connection.execute(
                insert(warehouse_capacity).values(
                    warehouse=warehouse, day=day, capacity=capacity, booked=units
                )
            )
    except IntegrityError:
        return False
    return True


def has_pool(ctx: Context, sku: str) -> bool:
    with reading(ctx.engine) as connection:
        return pool_exists(connection, sku)


def pool_exists(connection: Connection, sku: str) -> bool:
    found = connection.execute(select(stock_pools.c.sku).where(stock_pools.c.sku == sku))
    return found.first() is not None


def is_paused(connection: Connection, sku: str) -> bool:
    paused = connection.execute(
        select(stock_pools.c.paused).where(stock_pools.c.sku == sku)
    ).scalar()
    return bool(paused)


def paused_refusal(connection: Connection, sku: str) -> SkuPaused:
    """The refusal of a reservation of a paused SKU, naming who paused it and why."""
    row = connection.execute(
        select(stock_pools.c.pause_rule, stock_pools.c.pause_reason).where(stock_pools.c.sku == sku)
    ).first()
    rule = (row.pause_rule if row is not None else None) or "S-4"
    why = f": {row.pause_reason}" if row is not None and row.pause_reason else ""
    if rule == "D-6":
        return SkuPaused(
            f"SKU {sku!r} is held by the emergency stop and takes no reservations{why}", rule=rule
        )
    return SkuPaused(f"SKU {sku!r} is paused and takes no new reservations{why}", rule=rule)
