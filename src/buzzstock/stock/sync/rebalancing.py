"""Moving allotments between channels, regions and pools (S-3, S-5, S-9).

Opening a sale, velocity top-ups and reclaims, lending idle regions' quota to the elastic pool,
guest creators' sub-pools and time-zone moves. Channels are re-published through
``allotment.publish``; quota moves between buckets go through ``pool.move_quota``, which writes
the ledger rows.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from buzzstock.core.clock import as_utc
from buzzstock.core.context import Context
from buzzstock.core.db import reading
from buzzstock.core.errors import InsufficientStock
from buzzstock.stock.pool import move_quota
from buzzstock.stock.reservations import channel_region
from buzzstock.stock.store import ELASTIC, channel_listings, quota_buckets
from buzzstock.stock.sync.allotment import _free, publish
from buzzstock.stock.sync.publication import (
    ChannelDemand,
    believed_display,
    plan_allotments,
    share_units,
)
from buzzstock.stock.sync.settings import SyncSettings
from buzzstock.stock.sync.store import channel_order_lines


def rebalance(ctx: Context, sku: str, settings: SyncSettings = SyncSettings()) -> dict[str, int]:
    """S-5: re-weight by channel velocity so the channels run dry together: top up those about
    to run dry from their region, then the elastic pool (regions with more than their channels
    need lend to it, S-3), and lower those holding far more than they sell. Returns the new
    displays published."""
    now = ctx.clock.now()
    window = settings.velocity_window_seconds
    with reading(ctx.engine) as connection:
        listings = list(
            connection.execute(select(channel_listings).where(channel_listings.c.sku == sku))
        )
        sales = {
            row.channel: (int(row.units), as_utc(row.first))
            for row in connection.execute(
                select(
                    channel_order_lines.c.channel,
                    func.sum(channel_order_lines.c.quantity).label("units"),
                    func.min(channel_order_lines.c.booked_at).label("first"),
                )
                .where(
                    channel_order_lines.c.sku == sku,
                    channel_order_lines.c.status == "created",
                    channel_order_lines.c.booked_at >= now - timedelta(seconds=window),
                )
                .group_by(channel_order_lines.c.channel)
            )
        }
        free = {
            row.bucket: int(row.limit_units - row.used_units)
            for row in connection.execute(select(quota_buckets).where(quota_buckets.c.sku == sku))
        }
    demands = []
    for listing in listings:
        units, first = sales.get(listing.channel, (0, now))
        observed = (now - first).total_seconds()
        span = min(window, observed)
        demands.append(
            ChannelDemand(
                channel=listing.channel,
                region=channel_region(ctx, None, listing.channel),
                display=believed_display(listing.acknowledged_units, listing.sold_since_ack),
                rate=sales_rate(units, span, listing.forecast_rate, settings),
                pending=listing.version > max(listing.acknowledged_version, listing.failed_version)
                or listing.inflight_version != 0,
                compare_and_swap=bool(listing.compare_and_swap),
                rate_settled=observed >= window * 0.9,
            )
        )
    regions = {demand.region for demand in demands}
    plan = plan_allotments(
        demands,
        {region: units for region, units in free.items() if region in regions},
        free.get(ELASTIC, 0),
        lead_seconds=settings.topup_lead_seconds,
        cover_seconds=settings.topup_cover_seconds,
        min_units=settings.topup_min_units,
    )
    for region, units in sorted(plan.to_elastic.items()):
        try:
            move_quota(ctx, sku, region, ELASTIC, units, reason="velocity:S-5")
        except InsufficientStock:
            continue
    published = {}
    for channel, units in sorted(plan.displays.items()):
        try:
            publish(ctx, channel, sku, units)
        except InsufficientStock:  # a sale took the units since the plan: the next round sees it
            continue
        published[channel] = units
    return published


def sales_rate(units: int, seconds: float, forecast: float | None, settings: SyncSettings) -> float:
    """S-5: units per second a channel sells at: the seller's forecast counts as
    ``forecast_weight_seconds`` of sales already seen, so the first few orders (which arrive
    late and in bursts) do not swing it (the Gamma-Poisson posterior mean)."""
    if forecast is None:
        return units / max(1.0, seconds)
    weight = settings.forecast_weight_seconds
    return (forecast * weight + units) / (weight + seconds)


def open_sale(ctx: Context, sku: str, forecast: dict[str, float], share: float) -> dict[str, int]:
    """S-3/S-5: publish ``share`` of the SKU's free units to its channels in proportion to the
    forecast demand of each (units per second); the rest stays in the quotas and the elastic
    pool for velocity top-ups. The forecast is kept as the prior of each channel's sales rate
    (``sales_rate``). Returns what each channel was asked to show."""
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
    # Only now: with a forecast and nothing shown yet, the re-weighting would top channels up.
    with ctx.engine.begin() as connection:
        for channel, rate in sorted(forecast.items()):
            connection.execute(
                update(channel_listings)
                .where(channel_listings.c.channel == channel, channel_listings.c.sku == sku)
                .values(forecast_rate=rate)
            )
    return targets


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
