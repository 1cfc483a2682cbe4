"""S-8: the war-room data of a live sale (the screen comes later): consumption curve per
channel, remaining units and sell-out countdown per region, in-transit arrivals, and host lines.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from buzzstock.core.clock import as_utc
from buzzstock.core.context import Context
from buzzstock.core.db import reading
from buzzstock.stock.reservations import channel_region
from buzzstock.stock.settings import StockSettings
from buzzstock.stock.store import ELASTIC, channel_listings
from buzzstock.stock.sync.publication import CHANNEL_BUCKET_PREFIX, believed_display, host_line
from buzzstock.stock.sync.settings import SyncSettings
from buzzstock.stock.sync.store import channel_order_lines
from buzzstock.stock.view import stock_view


def war_room(
    ctx: Context,
    sku: str,
    *,
    minutes: int = 60,
    step_seconds: int = 60,
    settings: SyncSettings = SyncSettings(),
) -> dict[str, Any]:
    """S-8: everything the war room shows for one SKU, computed from the hub's own records."""
    now = ctx.clock.now()
    view = stock_view(ctx, sku)
    start = now - timedelta(minutes=minutes)
    with reading(ctx.engine) as connection:
        lines = list(
            connection.execute(
                select(
                    channel_order_lines.c.channel,
                    channel_order_lines.c.quantity,
                    channel_order_lines.c.occurred_at,
                ).where(
                    channel_order_lines.c.sku == sku,
                    channel_order_lines.c.status == "created",
                    channel_order_lines.c.occurred_at >= start,
                )
            )
        )
        listings = list(
            connection.execute(select(channel_listings).where(channel_listings.c.sku == sku))
        )
        sold = {
            str(row.channel): int(row.units)
            for row in connection.execute(
                select(
                    channel_order_lines.c.channel,
                    func.sum(channel_order_lines.c.quantity).label("units"),
                )
                .where(channel_order_lines.c.sku == sku, channel_order_lines.c.status == "created")
                .group_by(channel_order_lines.c.channel)
            )
        }
    steps = max(1, int(minutes * 60 // step_seconds))
    curves: dict[str, list[int]] = {}
    for line in lines:
        index = int((as_utc(line.occurred_at) - start).total_seconds() // step_seconds)
        curve = curves.setdefault(line.channel, [0] * steps)
        curve[min(max(index, 0), steps - 1)] += int(line.quantity)
    consumption = []
    for channel, curve in sorted(curves.items()):
        running, cumulative = 0, []
        for units in curve:
            running += units
            cumulative.append(running)
        consumption.append({"channel": channel, "units_per_step": curve, "cumulative": cumulative})
    allotments = {
        quota["bucket"]: quota for quota in view["quotas"] if quota["bucket"].startswith("ch:")
    }
    channels = []
    for listing in listings:
        quota = allotments.get(f"{CHANNEL_BUCKET_PREFIX}{listing.channel}", {})
        channels.append(
            {
                "channel": listing.channel,
                "shown": believed_display(listing.acknowledged_units, listing.sold_since_ack),
                "published": listing.published_units,
                "acknowledged": listing.acknowledged_units,
                "may_still_sell": listing.exposure_units,
                "allotment_free": quota.get("free", 0),
                "sold": sold.get(listing.channel, 0),
                "push_pending": listing.version > listing.acknowledged_version,
            }
        )
    window = ctx.section(StockSettings).velocity_window_minutes
    regions = []
    for quota in view["quotas"]:
        bucket = quota["bucket"]
        if bucket.startswith(CHANNEL_BUCKET_PREFIX) or bucket == ELASTIC:
            continue
        region_channels = [item for item in channels if _region_of(ctx, item["channel"]) == bucket]
        remaining = quota["free"] + sum(item["allotment_free"] for item in region_channels)
        sold_recently = sum(
            int(line.quantity)
            for line in lines
            if _region_of(ctx, line.channel) == bucket
            and as_utc(line.occurred_at) >= now - timedelta(minutes=window)
        )
        countdown = None if sold_recently == 0 else remaining / (sold_recently / window)
        regions.append(
            {
                "region": bucket,
                "remaining": remaining,
                "sellout_minutes": None if countdown is None else round(countdown, 1),
                "host_line": host_line(
                    bucket, remaining, countdown, settings.sellout_host_line_units
                ),
            }
        )
    arrivals = [
        {
            "warehouse": warehouse["warehouse"],
            "region": warehouse["region"],
            "units": warehouse["in_transit"],
            "eta": warehouse["in_transit_eta"],
            "host_line": _arrival_line(warehouse["in_transit_eta"], now),
        }
        for warehouse in view["warehouses"]
        if warehouse["in_transit"] > 0
    ]
    elastic = next((q["free"] for q in view["quotas"] if q["bucket"] == ELASTIC), 0)
    return {
        "sku": sku,
        "at": now.isoformat(),
        "available": view["available"],
        "elastic_free": elastic,
        "channels": channels,
        "consumption": {
            "step_seconds": step_seconds,
            "start": start.isoformat(),
            "curves": consumption,
        },
        "regions": regions,
        "in_transit": arrivals,
        "host_lines": [region["host_line"] for region in regions]
        + [item["host_line"] for item in arrivals if item["host_line"]],
    }


def _region_of(ctx: Context, channel: str) -> str:
    return channel_region(ctx, None, channel)


def _arrival_line(eta: str | None, now: datetime) -> str:
    if eta is None:
        return ""
    hours = (datetime.fromisoformat(eta) - now).total_seconds() / 3600
    if hours <= 0:
        return "A new batch just arrived!"
    return f"New batch ships in {max(1, round(hours))} h!"
