"""What a seller and a channel read: stock per warehouse and quota, sell-out ETA per region."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from buzzstock.catalog.service import warehouses
from buzzstock.core.clock import as_utc
from buzzstock.core.context import Context
from buzzstock.core.db import reading
from buzzstock.core.errors import NotFound
from buzzstock.stock.model import sellout_minutes
from buzzstock.stock.settings import StockSettings
from buzzstock.stock.store import ELASTIC, quota_buckets, reservations, stock_levels, stock_pools


def stock_view(ctx: Context, sku: str) -> dict[str, Any]:
    """S-2/S-3: on hand, reserved, available, in transit, per warehouse and per region quota.

    ``available`` is what channels may still sell: the free units of every quota bucket.
    """
    now = ctx.clock.now()
    window = ctx.section(StockSettings).velocity_window_minutes
    with reading(ctx.engine) as connection:
        pool = connection.execute(select(stock_pools).where(stock_pools.c.sku == sku)).first()
        if pool is None:
            raise NotFound(f"SKU {sku!r} has no stock: load a catalogue or receive stock first")
        levels = list(
            connection.execute(
                select(stock_levels, warehouses.c.region, warehouses.c.city)
                .select_from(
                    stock_levels.join(warehouses, stock_levels.c.warehouse == warehouses.c.code)
                )
                .where(stock_levels.c.sku == sku)
                .order_by(stock_levels.c.warehouse)
            )
        )
        buckets = list(
            connection.execute(
                select(quota_buckets)
                .where(quota_buckets.c.sku == sku)
                .order_by(quota_buckets.c.bucket == ELASTIC, quota_buckets.c.bucket)
            )
        )
        recent = {
            row.primary_bucket: int(row.units)
            for row in connection.execute(
                select(
                    reservations.c.primary_bucket,
                    func.sum(reservations.c.quantity).label("units"),
                )
                .where(
                    reservations.c.sku == sku,
                    reservations.c.created_at >= now - timedelta(minutes=window),
                    reservations.c.state.in_(("held", "confirmed", "shipped")),
                )
                .group_by(reservations.c.primary_bucket)
            )
        }
    quotas = []
    for bucket in buckets:
        free = bucket.limit_units - bucket.used_units
        minutes = sellout_minutes(free, recent.get(bucket.bucket, 0), window)
        quotas.append(
            {
                "bucket": bucket.bucket,
                "limit": bucket.limit_units,
                "used": bucket.used_units,
                "free": free,
                "sold": bucket.sold_units,
                "initial": bucket.initial_units,
                "sold_share": round(bucket.used_units / bucket.limit_units, 4)
                if bucket.limit_units
                else 0.0,
                "sellout_eta": None
                if minutes is None
                else (now + timedelta(minutes=minutes)).isoformat(),
            }
        )
    on_hand = sum(level.on_hand for level in levels)
    return {
        "sku": sku,
        "paused": pool.paused,
        "pause_reason": pool.pause_reason,
        "buyer_limit": pool.buyer_limit,
        "on_hand": on_hand,
        "reserved": sum(level.reserved for level in levels),
        "held": pool.units_used - sum(level.reserved for level in levels),
        "available": pool.units_total - pool.units_used,
        "in_transit": sum(level.in_transit for level in levels),
        "low_stock_alert": pool.low_alert_active,
        "warehouses": [
            {
                "warehouse": level.warehouse,
                "region": level.region,
                "city": level.city,
                "on_hand": level.on_hand,
                "reserved": level.reserved,
                "free": level.on_hand - level.reserved,
                "in_transit": level.in_transit,
                "in_transit_eta": None
                if level.in_transit_eta is None
                else as_utc(level.in_transit_eta).isoformat(),
                "low": level.on_hand - level.reserved < level.low_threshold,
            }
            for level in levels
        ],
        "quotas": quotas,
    }
