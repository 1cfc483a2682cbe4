"""S-10: the ledger shows tampering, replays to the counters, and CSV is a working fallback."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from buzzstock.core.context import Context
from buzzstock.shop import load_shop, read_shop_file
from buzzstock.stock import csvio, ledger, service
from buzzstock.stock.model import Movement, bucket_lock_order
from buzzstock.stock.rows import change_bucket
from buzzstock.stock.store import quota_buckets, stock_ledger, stock_levels
from buzzstock.stock.view import stock_view
from tests.stock.test_pool_basics import SKU, demo_catalogue_path


@pytest.fixture
def hub(ctx: Context) -> Context:
    load_shop(ctx, read_shop_file(demo_catalogue_path()))
    order = service.confirm(ctx, service.reserve(ctx, SKU, 2, "amazon-eu", "eve").id)
    service.ship(ctx, order.id)
    service.cancel(ctx, service.reserve(ctx, SKU, 1, "shopee-th", "fay").id)
    return ctx


def test_an_edited_ledger_row_breaks_the_chain(hub: Context) -> None:
    assert ledger.verify(hub.engine).ok
    with hub.engine.begin() as connection:
        connection.execute(
            update(stock_ledger)
            .where(stock_ledger.c.sku == SKU, stock_ledger.c.seq == 3)
            .values(d_on_hand=stock_ledger.c.d_on_hand + 1)
        )
    report = ledger.verify(hub.engine)
    assert not report.ok
    assert any("row 3" in problem for problem in report.broken)


def test_a_counter_changed_behind_the_ledger_is_found_by_replay(hub: Context) -> None:
    with hub.engine.begin() as connection:
        connection.execute(
            update(stock_levels)
            .where(stock_levels.c.sku == SKU, stock_levels.c.warehouse == "SIN")
            .values(on_hand=stock_levels.c.on_hand + 5)
        )
    report = ledger.verify(hub.engine)
    assert report.broken == []
    assert report.mismatched and "SIN" in report.mismatched[0]


def test_export_then_import_of_a_count_adjusts_stock_through_the_ledger(hub: Context) -> None:
    exported = csvio.export_csv(hub)
    assert exported.splitlines()[0] == ",".join(csvio.COLUMNS)
    counted = exported.replace(f"{SKU},SIN,800,", f"{SKU},SIN,790,")
    report = csvio.import_csv(hub, counted)
    assert report.ok, report.errors
    assert report.adjustments == [(SKU, "SIN", -10)]
    view = stock_view(hub, SKU)
    assert {w["warehouse"]: w["on_hand"] for w in view["warehouses"]}["SIN"] == 790
    assert ledger.verify(hub.engine).ok


def test_a_file_with_bad_rows_imports_nothing_and_names_every_line(hub: Context) -> None:
    before = stock_view(hub, SKU)
    bad = (
        "sku,warehouse,on_hand\n"
        f"{SKU},LAX,1100\n"
        "NOPE,LAX,5\n"
        f"{SKU},HAM,-4\n"
        f"{SKU},SIN,lots\n"
        f"{SKU},LAX,1000\n"
    )
    report = csvio.import_csv(hub, bad)
    assert [problem.line for problem in report.errors] == [3, 4, 5, 6]
    assert report.errors[0].message == "unknown SKU 'NOPE'"
    assert "already appears on line 2" in report.errors[3].message
    assert stock_view(hub, SKU) == before
    partial = csvio.import_csv(hub, bad, good_rows_only=True)
    assert partial.adjustments == [(SKU, "LAX", 1100 - 1200)]


def test_on_hand_cannot_be_counted_below_units_already_promised(hub: Context) -> None:
    service.set_buyer_limit(hub, SKU, None)
    service.confirm(hub, service.reserve(hub, SKU, 500, "tiktok-eu", "big").id)
    with hub.engine.connect() as connection:
        ham = connection.execute(
            select(stock_levels.c.on_hand).where(
                stock_levels.c.sku == SKU, stock_levels.c.warehouse == "HAM"
            )
        ).scalar_one()
    report = csvio.import_csv(hub, f"sku,warehouse,on_hand\n{SKU},HAM,0\n")
    assert not report.ok
    assert ham == 998
    assert ledger.verify(hub.engine).ok


def test_one_append_of_many_movements_keeps_the_chain_and_the_counters(hub: Context) -> None:
    """A batch of many channel orders appends dozens of rows at once (more than one UPDATE)."""
    with hub.engine.begin() as connection:
        buckets = [
            row.bucket
            for row in connection.execute(
                select(quota_buckets).where(
                    quota_buckets.c.sku == SKU,
                    quota_buckets.c.limit_units - quota_buckets.c.used_units >= 30,
                )
            )
        ][:2]
        source, target = sorted(buckets, key=bucket_lock_order)
        movements = []
        for index in range(30):
            for bucket, delta in ((source, -1), (target, 1)):
                assert change_bucket(connection, SKU, bucket, d_limit=delta)
                movements.append(Movement("quota_move", f"m{index}", bucket=bucket, d_limit=delta))
        ledger.append(connection, SKU, hub.clock.now(), movements)
    report = ledger.verify(hub.engine)
    assert report.ok, report
    with hub.engine.connect() as connection:
        rows = connection.execute(
            select(stock_ledger.c.seq).where(stock_ledger.c.sku == SKU, stock_ledger.c.ref == "m29")
        ).all()
    assert len(rows) == 2
