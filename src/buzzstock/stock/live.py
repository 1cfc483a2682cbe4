"""S-5 live-sale rules that look at sales velocity: spike -> per-buyer limit, slow region ->
push suggestion and coupon. (The quota refill at 85 % and the low-stock alert run inside each
reservation; these two need a window of sales, so a monitor evaluates them periodically.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, func, insert, select
from sqlalchemy.exc import IntegrityError

from buzzstock.core.clock import as_utc
from buzzstock.core.context import Context
from buzzstock.core.db import reading
from buzzstock.core.events import record
from buzzstock.stock.events import SlowRegionSuggestion
from buzzstock.stock.pool import set_buyer_limit
from buzzstock.stock.settings import StockSettings
from buzzstock.stock.store import (
    ELASTIC,
    live_rule_firings,
    quota_buckets,
    reservations,
    stock_pools,
)

BASELINE = timedelta(hours=1)


@dataclass(frozen=True)
class LiveAction:
    rule: str
    action: str
    subject: str
    detail: str


def skus_selling_now(ctx: Context) -> list[str]:
    """SKUs with reservations inside the spike window: the ones the velocity rules look at."""
    since = ctx.clock.now() - timedelta(seconds=ctx.section(StockSettings).spike_window_seconds)
    with reading(ctx.engine) as connection:
        return [
            row.sku
            for row in connection.execute(
                select(reservations.c.sku).where(reservations.c.created_at >= since).distinct()
            )
        ]


def spike_ratio(last_window_units: int, baseline_units: int, windows_in_baseline: float) -> float:
    """How many times faster the last window sold than the average window before it."""
    if windows_in_baseline <= 0 or baseline_units <= 0:
        return 0.0
    return last_window_units / (baseline_units / windows_in_baseline)


def evaluate_live_rules(ctx: Context, sku: str) -> list[LiveAction]:
    """Apply the velocity rules of S-5 once; each fires at most once per SKU and region."""
    settings = ctx.section(StockSettings)
    now = ctx.clock.now()
    window = timedelta(seconds=settings.spike_window_seconds)
    with reading(ctx.engine) as connection:
        pool = connection.execute(
            select(stock_pools.c.buyer_limit).where(stock_pools.c.sku == sku)
        ).first()
        if pool is None:
            return []
        first_sale = connection.execute(
            select(func.min(reservations.c.created_at)).where(
                reservations.c.sku == sku, reservations.c.created_at >= now - BASELINE
            )
        ).scalar()
        baseline_start = (
            now - BASELINE if first_sale is None else max(now - BASELINE, as_utc(first_sale))
        )
        recent = _units_by_region(connection, sku, now - window, now, include_end=True)
        earlier = _units_by_region(connection, sku, baseline_start, now - window)
        buckets = list(
            connection.execute(
                select(quota_buckets).where(
                    quota_buckets.c.sku == sku, quota_buckets.c.bucket != ELASTIC
                )
            )
        )
    actions: list[LiveAction] = []
    windows = (now - window - baseline_start) / window
    for region, units in sorted(recent.items()):
        ratio = spike_ratio(units, earlier.get(region, 0), windows)
        spiking = ratio >= settings.spike_velocity_ratio and pool.buyer_limit is None
        if spiking and _fire_once(ctx, sku, "S-5:spike", region, now):
            set_buyer_limit(ctx, sku, settings.spike_buyer_limit, rule="S-5")
            actions.append(
                LiveAction(
                    "S-5",
                    "buyer_limit",
                    region,
                    f"{region} sold {units} unit(s) in {window.total_seconds():.0f} s, "
                    f"{ratio:.1f}x its usual pace: {settings.spike_buyer_limit} per buyer",
                )
            )
            break
    shares = {
        bucket.bucket: bucket.used_units / bucket.initial_units
        for bucket in buckets
        if bucket.initial_units > 0
    }
    average = sum(shares.values()) / len(shares) if shares else 0.0
    if len(shares) >= 2 and average >= settings.slow_region_min_average_share:
        for region, share in sorted(shares.items()):
            slow = share < settings.slow_region_share * average
            if slow and _fire_once(ctx, sku, "S-5:slow", region, now):
                coupon = settings.slow_region_coupon_percent
                detail = (
                    f"{region} has sold {share:.0%} of its quota against {average:.0%} on "
                    f"average: push it on stream, {coupon} % coupon"
                )
                _suggest(ctx, sku, region, detail, now)
                actions.append(LiveAction("S-5", "push_and_coupon", region, detail))
    return actions


def _units_by_region(
    connection: Connection, sku: str, start: datetime, end: datetime, *, include_end: bool = False
) -> dict[str, int]:
    return {
        row.primary_bucket: int(row.units)
        for row in connection.execute(
            select(reservations.c.primary_bucket, func.sum(reservations.c.quantity).label("units"))
            .where(
                reservations.c.sku == sku,
                reservations.c.created_at >= start,
                reservations.c.created_at <= end
                if include_end
                else reservations.c.created_at < end,
            )
            .group_by(reservations.c.primary_bucket)
        )
    }


def _fire_once(ctx: Context, sku: str, rule: str, subject: str, now: datetime) -> bool:
    try:
        with ctx.engine.begin() as connection:
            connection.execute(
                insert(live_rule_firings).values(sku=sku, rule=rule, subject=subject, fired_at=now)
            )
    except IntegrityError:
        return False
    return True


def _suggest(ctx: Context, sku: str, region: str, detail: str, now: datetime) -> None:
    with ctx.engine.begin() as connection:
        record(
            connection,
            SlowRegionSuggestion(
                sku=sku,
                region=region,
                detail=detail,
                coupon_percent=ctx.section(StockSettings).slow_region_coupon_percent,
                rule="S-5",
            ),
            now,
        )
