"""Moving allotments between channels, regions and pools (S-3, S-5, S-9).

Opening a sale, velocity top-ups and reclaims, lending idle regions' quota to the elastic pool,
guest creators' sub-pools and time-zone moves. Channels are re-published through
``allotment.publish``; quota moves between buckets go through ``pool.move_quota``, which writes
the ledger rows.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from buzzstock.core.context import Context
from buzzstock.core.db import reading
from buzzstock.core.errors import InsufficientStock
from buzzstock.stock.allotment import _free, publish
from buzzstock.stock.pool import move_quota
from buzzstock.stock.publication import (
    ChannelDemand,
    believed_display,
    plan_reclaims,
    plan_topups,
    share_units,
)
from buzzstock.stock.reservations import channel_region
from buzzstock.stock.store import ELASTIC, channel_listings, quota_buckets
from buzzstock.stock.sync_settings import SyncSettings
from buzzstock.stock.sync_store import channel_order_lines


def rebalance(ctx: Context, sku: str, settings: SyncSettings = SyncSettings()) -> dict[str, int]:
    """S-5: re-weight by channel velocity: top up the channels about to run dry, sharing what
    their regions and the elastic pool have in proportion to how fast each sells."""
    now = ctx.clock.now()
    window_start = now - timedelta(seconds=settings.velocity_window_seconds)
    with reading(ctx.engine) as connection:
        listings = list(
            connection.execute(select(channel_listings).where(channel_listings.c.sku == sku))
        )
        sold = {
            row.channel: int(row.units)
            for row in connection.execute(
                select(
                    channel_order_lines.c.channel,
                    func.sum(channel_order_lines.c.quantity).label("units"),
                )
                .where(
                    channel_order_lines.c.sku == sku,
                    channel_order_lines.c.status == "created",
                    channel_order_lines.c.booked_at >= window_start,
                )
                .group_by(channel_order_lines.c.channel)
            )
        }
        free = {
            row.bucket: int(row.limit_units - row.used_units)
            for row in connection.execute(select(quota_buckets).where(quota_buckets.c.sku == sku))
        }
    by_region: dict[str, list[ChannelDemand]] = {}
    for listing in listings:
        region = channel_region(ctx, None, listing.channel)
        by_region.setdefault(region, []).append(
            ChannelDemand(
                channel=listing.channel,
                display=believed_display(listing.acknowledged_units, listing.sold_since_ack),
                velocity=sold.get(listing.channel, 0) / settings.velocity_window_seconds,
                pending=listing.version > max(listing.acknowledged_version, listing.failed_version)
                or listing.inflight_version != 0,
                compare_and_swap=bool(listing.compare_and_swap),
            )
        )
    published: dict[str, int] = {}
    _share_idle_regions(ctx, sku, by_region, free, settings)
    with reading(ctx.engine) as connection:
        elastic_left = _free(connection, sku, ELASTIC)
    for region in sorted(by_region):
        pool_free = free.get(region, 0) + elastic_left
        targets = plan_topups(
            by_region[region],
            pool_free,
            lead_seconds=settings.topup_lead_seconds,
            cover_seconds=settings.topup_cover_seconds,
            min_units=settings.topup_min_units,
        )
        starving = {
            demand.channel
            for demand in by_region[region]
            if not demand.pending
            and demand.channel not in targets
            and demand.display <= max(1.0, demand.velocity * settings.topup_lead_seconds)
            and demand.velocity > 0
        }
        if pool_free - sum(targets.values()) > 0:
            starving = set()
        targets.update(
            plan_reclaims(
                by_region[region],
                starving,
                cover_seconds=settings.topup_cover_seconds,
                min_units=settings.topup_min_units,
            )
        )
        for channel, units in sorted(targets.items()):
            publish(ctx, channel, sku, units)
            published[channel] = units
        with reading(ctx.engine) as connection:
            elastic_left = _free(connection, sku, ELASTIC)
    return published


def open_sale(ctx: Context, sku: str, forecast: dict[str, float], share: float) -> dict[str, int]:
    """S-3/S-5: publish ``share`` of the SKU's free units to its channels in proportion to the
    forecast demand of each (units per second); the rest stays in the quotas and the elastic
    pool for velocity top-ups. Returns what each channel was asked to show."""
    with reading(ctx.engine) as connection:
        available = sum(
            int(row.limit_units - row.used_units)
            for row in connection.execute(select(quota_buckets).where(quota_buckets.c.sku == sku))
        )
    opening = int(available * share)
    wanted = {channel: opening for channel in forecast}
    weights = {channel: max(rate, 0.01) for channel, rate in forecast.items()}
    targets = share_units(opening, wanted, weights)
    for channel, units in sorted(targets.items()):
        publish(ctx, channel, sku, units)
    return targets


def _share_idle_regions(
    ctx: Context,
    sku: str,
    by_region: dict[str, list[ChannelDemand]],
    free: dict[str, int],
    settings: SyncSettings,
) -> None:
    """S-3/S-5: when a region and the elastic pool are dry while channels there still sell,
    half of the free quota of regions whose channels are not short moves to the elastic pool
    (a ledger row each side), from where the selling region's channels are topped up."""
    if free.get(ELASTIC, 0) > 0:
        return

    def short(demand: ChannelDemand) -> bool:
        return (
            demand.velocity > 0 and demand.display <= demand.velocity * settings.topup_lead_seconds
        )

    dry = [
        region
        for region, demands in by_region.items()
        if free.get(region, 0) == 0 and any(short(demand) for demand in demands)
    ]
    if not dry:
        return
    for region, demands in sorted(by_region.items()):
        units = free.get(region, 0) // 2
        if region in dry or units <= 0 or any(short(demand) for demand in demands):
            continue
        try:
            move_quota(ctx, sku, region, ELASTIC, units, reason="velocity:S-5")
        except InsufficientStock:
            continue


def open_subpool(ctx: Context, sku: str, name: str, units: int, *, source: str = ELASTIC) -> str:
    """S-9: a temporary pool for a guest creator, carved out without touching the main pool's
    other quotas; its channels sell from it like from a region. Returns the bucket name."""
    bucket = f"sub:{name}"
    move_quota(ctx, sku, source, bucket, units, reason="subpool")
    return bucket


def close_subpool(ctx: Context, sku: str, name: str, *, target: str = ELASTIC) -> int:
    """S-9: release a guest creator's pool: its free units go back to the main pool."""
    bucket = f"sub:{name}"
    with reading(ctx.engine) as connection:
        free = _free(connection, sku, bucket)
    if free > 0:
        move_quota(ctx, sku, bucket, target, free, reason="subpool_closed")
    return free


def timezone_move(ctx: Context, sku: str, source: str, target: str, units: int) -> None:
    """S-9: move free units from a region going to sleep to one waking up (US night ->
    Australian day), with a ledger row each side."""
    move_quota(ctx, sku, source, target, units, reason="timezone")
