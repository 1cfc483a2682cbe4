"""S-5 velocity rules: a spike switches a per-buyer limit on, a slow region gets a push."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from buzzstock.core.clock import ManualClock
from buzzstock.core.context import Context
from buzzstock.core.events import outbox_events
from buzzstock.shop import load_shop, read_shop_file
from buzzstock.stock import service
from buzzstock.stock.live import evaluate_live_rules, skus_selling_now, spike_ratio
from buzzstock.stock.settings import StockSettings
from buzzstock.stock.view import stock_view
from tests.stock.test_pool_basics import SKU, demo_catalogue_path


def test_spike_ratio_compares_the_last_window_with_the_average_window() -> None:
    assert spike_ratio(30, 60, 6) == 3.0
    assert spike_ratio(29, 60, 6) < 3.0
    assert spike_ratio(10, 0, 6) == 0.0


def test_a_region_selling_three_times_faster_switches_the_buyer_limit_on(
    ctx: Context, clock: ManualClock
) -> None:
    load_shop(ctx, read_shop_file(demo_catalogue_path()))
    window = ctx.section(StockSettings).spike_window_seconds
    for minute in range(6):
        service.reserve(ctx, SKU, 2, "tiktok-eu", f"steady-{minute}")
        clock.advance(timedelta(seconds=window))
    assert evaluate_live_rules(ctx, SKU) == []
    assert stock_view(ctx, SKU)["buyer_limit"] is None
    for buyer in range(4):
        service.reserve(ctx, SKU, 2, "tiktok-eu", f"rush-{buyer}")
    actions = evaluate_live_rules(ctx, SKU)
    assert [(a.rule, a.action, a.subject) for a in actions] == [("S-5", "buyer_limit", "EU")]
    assert stock_view(ctx, SKU)["buyer_limit"] == ctx.section(StockSettings).spike_buyer_limit
    assert SKU in skus_selling_now(ctx)
    assert evaluate_live_rules(ctx, SKU) == [], "each rule fires once per SKU and region"


def test_a_region_far_behind_the_others_gets_a_push_and_coupon(ctx: Context) -> None:
    load_shop(ctx, read_shop_file(demo_catalogue_path()))
    ctx.section(StockSettings).refill_units = 0
    service.reserve(ctx, SKU, 300, "tiktok-us", "us-wholesale")
    service.reserve(ctx, SKU, 300, "tiktok-eu", "eu-wholesale")
    service.reserve(ctx, SKU, 10, "shopee-my", "sea-buyer")
    actions = evaluate_live_rules(ctx, SKU)
    assert [(a.action, a.subject) for a in actions] == [("push_and_coupon", "SEA")]
    with ctx.engine.connect() as connection:
        types = [row.event_type for row in connection.execute(select(outbox_events))]
    assert "SlowRegionSuggestion" in types
