"""One declarative file describes a seller's set-up; mistakes are named and change nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from buzzstock.catalog.model import Channel, Market, Region, Sku, Warehouse
from buzzstock.catalog.service import list_entries
from buzzstock.cli import app
from buzzstock.core.context import Context, open_context
from buzzstock.core.errors import InvalidInput
from buzzstock.decide import service as decide
from buzzstock.settings import Settings
from buzzstock.shop import load_shop, read_shop_file
from buzzstock.stock.view import stock_view
from tests.stock.test_pool_basics import demo_catalogue_path

runner = CliRunner()

YAML = """
regions:
  - {code: US, name: North America, timezone: America/Chicago, lat: 39.8, lon: -98.6}
markets:
  - {code: US, name: United States, region: US, currency: USD, timezone: America/New_York}
warehouses:
  - {code: NJ, name: New Jersey, region: US, city: Edison, lat: 40.5, lon: -74.4}
channels:
  - {code: shop, name: Own shop, platform: shopify, market: US}
skus:
  - {code: MUG-1, name: Office ritual mug, category: home, base_price: 18}
stock:
  - {sku: MUG-1, warehouses: {NJ: 120}, quotas: {US: 1}, elastic_share: 0.25}
"""


def test_yaml_catalogue_creates_everything_and_opening_stock(ctx: Context, tmp_path: Path) -> None:
    path = tmp_path / "shop.yaml"
    path.write_text(YAML, encoding="utf-8")
    report = load_shop(ctx, read_shop_file(path))
    assert report.created == {
        "regions": 1,
        "markets": 1,
        "warehouses": 1,
        "skus": 1,
        "channels": 1,
    }
    view = stock_view(ctx, "MUG-1")
    assert {q["bucket"]: q["limit"] for q in view["quotas"]} == {"US": 90, "elastic": 30}


def test_loading_the_same_file_twice_changes_nothing(ctx: Context) -> None:
    catalogue = read_shop_file(demo_catalogue_path())
    load_shop(ctx, catalogue)
    again = load_shop(ctx, catalogue)
    assert again.created == {}
    assert again.skipped_stock == ["BREEZE-BAND"]
    assert stock_view(ctx, "BREEZE-BAND")["on_hand"] == 3000
    assert len(list_entries(ctx, Channel)) == 9


def test_a_file_with_mistakes_names_them_all(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(
        '[[warehouses]]\ncode = "X"\nname = "X"\nregion = "US"\ncity = "C"\nlat = 123\nlon = 0\n'
        '[[channels]]\ncode = "c"\nname = "c"\nplatform = "myspace"\nmarket = "US"\n',
        encoding="utf-8",
    )
    with pytest.raises(InvalidInput) as refused:
        read_shop_file(path)
    assert "bad.toml: line 6: warehouses[0].lat: Input should be less than or equal to 90" in (
        refused.value.detail
    )
    assert "unknown platform 'myspace'" in refused.value.detail


def test_a_reference_to_nothing_is_refused_and_nothing_is_written(
    ctx: Context, tmp_path: Path
) -> None:
    path = tmp_path / "dangling.toml"
    path.write_text(
        '[[warehouses]]\ncode = "X"\nname = "X"\nregion = "MARS"\ncity = "C"\nlat = 1\nlon = 0\n',
        encoding="utf-8",
    )
    with pytest.raises(InvalidInput, match="unknown region 'MARS'"):
        load_shop(ctx, read_shop_file(path))
    assert list_entries(ctx, Warehouse) == []


SUPPLIERS_AND_CASH = """
[[suppliers]]
code = "SZ-1"
name = "Shenzhen one"
tier = "cost"
skus = ["MUG-1"]
unit_cost = 7.5
currency = "cny"
lead_time_days = 12
capacity = 800
moq = 100
material_ready_days = 2

[cash]
liquid_funds = 30000
currency = "CNY"
"""


def test_d1_d5_suppliers_and_cash_come_from_the_shop_file_once(
    ctx: Context, tmp_path: Path
) -> None:
    path = tmp_path / "shop.toml"
    yaml_shop = read_shop_file(_write(tmp_path / "shop.yaml", YAML))
    path.write_text(SUPPLIERS_AND_CASH, encoding="utf-8")
    extra = read_shop_file(path)
    shop = yaml_shop.model_copy(update={"suppliers": extra.suppliers, "cash": extra.cash})
    report = load_shop(ctx, shop)
    assert report.created["suppliers"] == 1
    assert report.cash == "opening funds 30,000.00 CNY"
    [supplier] = decide.list_suppliers(ctx)
    assert (supplier["tier"], supplier["currency"], supplier["skus"]) == (
        "cost_optimised",
        "CNY",
        ["MUG-1"],
    )
    assert supplier["lead_time_mode_days"] == 12 and supplier["moq"] == 100
    assert supplier["material_ready_at"] is not None
    assert set(supplier["freight"]) == {"air", "fast_sea", "sea"}
    decide.set_liquid_funds(ctx, 12_000)
    again = load_shop(ctx, shop)
    assert again.updated["suppliers"] == 1
    assert again.cash.startswith("kept")
    assert decide.cash_overview(ctx)["liquid_funds"] == 12_000


def test_every_platform_name_sellers_use_is_read_as_the_one_platform_list() -> None:
    def platform(name: str) -> str:
        return Channel(code="c", name="c", platform=name, market="US").platform.value

    assert platform("youtube_shopping") == "google_merchant"
    assert platform("Instagram") == "meta"
    assert platform("custom") == "generic"
    assert platform("tiktok_shop") == "tiktok_shop"
    with pytest.raises(ValueError, match="unknown platform 'myspace'"):
        platform("myspace")


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


SHOP_WITH_TWO_MISTAKES = """\
[[regions]]
code = "US"
name = "North America"
timezone = "America/Chicago"
lat = 39.8
lon = -98.6

[[markets]]
code = "US"
name = "United States"
region = "US"
currency = "USD"
timezone = "America/New_York"

[[warehouses]]
code = "NJ"
name = "New Jersey"
region = "US"
city = "Edison"
lat = 40.5
lon = -74.4

[[channels]]
code = "shop"
name = "Own shop"
platform = "shopify"
market = "US"

[[skus]]
code = "MUG-1"
name = "Office ritual mug"

[[stock]]
sku = "MUG-1"
warehouses = { NJ = 120 }
quotas = { US = 1, XX = 1 }
elastic_share = 0.25

[[stock]]
sku = "NOPE"
warehouses = { NJ = 5, MARS = 1 }
"""


def test_finding_4_a_failed_catalog_load_changes_nothing_and_names_every_problem(
    database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("BUZZSTOCK_DATABASE_URL", database_url)
    monkeypatch.setenv("BUZZSTOCK_CONFIG", str(tmp_path / "none.toml"))
    path = _write(tmp_path / "shop.toml", SHOP_WITH_TWO_MISTAKES)

    refused = runner.invoke(app, ["catalog", "load", str(path)])

    assert refused.exit_code == 1, refused.output
    assert "Traceback" not in refused.output
    assert "nothing was changed" in refused.output
    assert "shop.toml: line 36: stock[0].quotas.XX: unknown region 'XX'" in refused.output
    assert "shop.toml: line 40: stock[1].sku: unknown SKU 'NOPE'" in refused.output
    assert "shop.toml: line 41: stock[1].warehouses.MARS: unknown warehouse 'MARS'" in (
        refused.output
    )
    shown = runner.invoke(app, ["stock", "show", "MUG-1"])
    assert shown.exit_code == 1
    store = open_context(Settings(database_url=database_url))
    try:
        for kind in (Region, Market, Warehouse, Channel, Sku):
            assert list_entries(store, kind) == [], kind.__name__
    finally:
        store.close()

    fixed = SHOP_WITH_TWO_MISTAKES.replace(", XX = 1", "").split('[[stock]]\nsku = "NOPE"')[0]
    loaded = runner.invoke(app, ["catalog", "load", str(_write(path, fixed))])

    assert loaded.exit_code == 0, loaded.output
    assert "opening stock set for: MUG-1" in loaded.output
    shown = runner.invoke(app, ["stock", "show", "MUG-1"])
    assert "on hand 120" in shown.output


def test_finding_9_shop_file_refuses_numbers_beyond_range(
    database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("BUZZSTOCK_DATABASE_URL", database_url)
    monkeypatch.setenv("BUZZSTOCK_CONFIG", str(tmp_path / "none.toml"))
    warehouses = "".join(
        f'[[warehouses]]\ncode = "W{n}"\nname = "W"\nregion = "US"\ncity = "C"\nlat = 1\nlon = 1\n'
        for n in range(11)
    )
    units = ", ".join(f"W{n} = 100000000" for n in range(11))
    shop = (
        SHOP_WITH_TWO_MISTAKES.split("[[stock]]")[0].replace('name = "Office ritual mug"', "")
        + 'name = "Mug"\nbase_price = 1e12\n\n'
        + warehouses
        + f'[[stock]]\nsku = "MUG-1"\nwarehouses = {{ {units} }}\nquotas = {{ US = 1e12 }}\n'
        + "buyer_limit = 9000000000000000000\n"
    )
    path = _write(tmp_path / "big.toml", shop)

    refused = runner.invoke(app, ["catalog", "load", str(path)])

    assert refused.exit_code == 1, refused.output
    assert "skus[0].base_price: Input should be less than or equal to 1000000000" in refused.output
    assert "stock[0].warehouses: a SKU holds at most 1000000000 units" in refused.output
    assert "stock[0].quotas: the quota weight of region 'US' must be a finite" in refused.output
    assert "stock[0].buyer_limit: Input should be less than or equal to 1000000000" in (
        refused.output
    )
    store = open_context(Settings(database_url=database_url))
    try:
        assert list_entries(store, Sku) == []
    finally:
        store.close()
