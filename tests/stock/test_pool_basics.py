"""The stock hub as a channel and a seller see it: reserve, confirm, cancel, expire, ship."""

from __future__ import annotations

from datetime import timedelta
from importlib import resources
from pathlib import Path

import pytest

from buzzstock.core.clock import ManualClock
from buzzstock.core.context import Context
from buzzstock.core.errors import BuyerLimitReached, Conflict, InsufficientStock, SkuPaused
from buzzstock.shop import load_shop, read_shop_file
from buzzstock.stock import ledger, service
from buzzstock.stock.settings import StockSettings
from buzzstock.stock.view import stock_view

SKU = "BREEZE-BAND"


def demo_catalogue_path() -> Path:
    return Path(str(resources.files("buzzstock.demo").joinpath("catalogue.toml")))


@pytest.fixture
def hub(ctx: Context) -> Context:
    load_shop(ctx, read_shop_file(demo_catalogue_path()))
    return ctx


def test_seed_quotas_split_3000_units_with_a_20_percent_elastic_pool(hub: Context) -> None:
    view = stock_view(hub, SKU)
    assert view["on_hand"] == 3000
    assert {q["bucket"]: q["limit"] for q in view["quotas"]} == {
        "US": 960,
        "EU": 800,
        "SEA": 640,
        "elastic": 600,
    }
    assert ledger.verify(hub.engine).ok


def test_reserve_confirm_ship_moves_units_from_quota_to_shipped(hub: Context) -> None:
    reservation = service.reserve(hub, SKU, 2, "tiktok-eu", "buyer-1")
    assert reservation.state == "held"
    assert reservation.primary_bucket == "EU"
    order = service.confirm(hub, reservation.id)
    assert order.allocations[0]["warehouse"] == "HAM"
    view = stock_view(hub, SKU)
    assert view["reserved"] == 2
    assert view["available"] == 2998
    shipped = service.ship(hub, order.id)
    assert shipped.state == "shipped"
    view = stock_view(hub, SKU)
    assert view["on_hand"] == 2998
    assert view["reserved"] == 0
    assert ledger.verify(hub.engine).ok


def test_cancel_returns_units_exactly_once(hub: Context) -> None:
    reservation = service.reserve(hub, SKU, 3, "shopee-my", "buyer-2")
    service.cancel(hub, reservation.id)
    with pytest.raises(Conflict):
        service.cancel(hub, reservation.id)
    assert stock_view(hub, SKU)["available"] == 3000


def test_expired_hold_is_released_once_and_cannot_be_confirmed(
    hub: Context, clock: ManualClock
) -> None:
    reservation = service.reserve(hub, SKU, 5, "amazon-us", "buyer-3")
    clock.advance(timedelta(seconds=hub.section(StockSettings).reservation_ttl_seconds + 1))
    assert service.release_expired(hub) == 1
    assert service.release_expired(hub) == 0
    with pytest.raises(Conflict):
        service.confirm(hub, reservation.id)
    assert stock_view(hub, SKU)["available"] == 3000


def test_region_quota_then_elastic_then_refusal(hub: Context) -> None:
    service.set_buyer_limit(hub, SKU, None)
    hub.section(StockSettings).refill_units = 0
    taken = 0
    while True:
        try:
            service.reserve(hub, SKU, 40, "shopee-th", f"b{taken}")
        except InsufficientStock as refusal:
            assert refusal.rule == "S-4"
            break
        taken += 40
    assert taken == 640 + 600
    view = stock_view(hub, SKU)
    assert {q["bucket"]: q["free"] for q in view["quotas"]}["elastic"] == 0
    service.reserve(hub, SKU, 1, "tiktok-us", "other")


def test_buyer_limit_counts_across_orders(hub: Context) -> None:
    service.set_buyer_limit(hub, SKU, 2)
    service.reserve(hub, SKU, 1, "tiktok-us", "alice")
    service.reserve(hub, SKU, 1, "amazon-us", "alice")
    with pytest.raises(BuyerLimitReached):
        service.reserve(hub, SKU, 1, "shopify", "alice")
    service.reserve(hub, SKU, 2, "shopify", "bob")


def test_paused_sku_refuses_new_reservations(hub: Context) -> None:
    service.set_paused(hub, SKU, True, "material safety review")
    with pytest.raises(SkuPaused):
        service.reserve(hub, SKU, 1, "tiktok-us", "carol")
    service.set_paused(hub, SKU, False)
    service.reserve(hub, SKU, 1, "tiktok-us", "carol")


def test_request_key_makes_a_retry_return_the_first_answer(hub: Context) -> None:
    first = service.reserve(hub, SKU, 1, "tiktok-us", "dave", request_key="k-1")
    again = service.reserve(hub, SKU, 1, "tiktok-us", "dave", request_key="k-1")
    assert again.id == first.id
    assert stock_view(hub, SKU)["available"] == 2999
