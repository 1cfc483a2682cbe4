"""S-10: stock as a CSV file, the manual fallback when systems fail.

Export writes one row per SKU and warehouse. Import takes a counted file back: each row sets the
units on hand of a SKU in a warehouse; the difference is booked as an adjustment in the ledger
and in the quota the warehouse's region sells from (else the elastic pool). Every bad row is
reported with its line number and, unless asked to take the good rows only, nothing is imported.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from buzzstock.catalog.service import skus, warehouses
from buzzstock.core.clock import as_utc
from buzzstock.core.context import Context
from buzzstock.core.db import reading
from buzzstock.core.ids import new_id
from buzzstock.stock import ledger
from buzzstock.stock.model import Movement
from buzzstock.stock.rows import (
    change_bucket,
    change_level,
    default_bucket,
    ensure_bucket,
    ensure_level,
    ensure_pool,
)
from buzzstock.stock.settings import StockSettings
from buzzstock.stock.store import stock_levels

COLUMNS = (
    "sku",
    "warehouse",
    "on_hand",
    "reserved",
    "in_transit",
    "in_transit_eta",
    "low_threshold",
)
REQUIRED = ("sku", "warehouse", "on_hand")


def export_csv(ctx: Context) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    with reading(ctx.engine) as connection:
        for row in connection.execute(
            select(stock_levels).order_by(stock_levels.c.sku, stock_levels.c.warehouse)
        ):
            writer.writerow(
                (
                    row.sku,
                    row.warehouse,
                    row.on_hand,
                    row.reserved,
                    row.in_transit,
                    "" if row.in_transit_eta is None else as_utc(row.in_transit_eta).isoformat(),
                    row.low_threshold,
                )
            )
    return out.getvalue()


@dataclass(frozen=True)
class CountedRow:
    line: int
    sku: str
    warehouse: str
    on_hand: int
    low_threshold: int | None


@dataclass
class ImportReport:
    errors: list[str] = field(default_factory=list)
    applied: int = 0
    unchanged: int = 0
    adjustments: list[tuple[str, str, int]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def import_csv(ctx: Context, text: str, *, good_rows_only: bool = False) -> ImportReport:
    """Set counted units on hand from a CSV file (see the module doc)."""
    report = ImportReport()
    rows = _parse(ctx, text, report)
    if report.errors and not good_rows_only:
        return report
    now = ctx.clock.now()
    ref = new_id("csv")
    with ctx.engine.begin() as connection:
        for row in sorted(rows, key=lambda item: (item.sku, item.warehouse)):
            ensure_pool(connection, row.sku)
            ensure_level(ctx, connection, row.sku, row.warehouse)
            current = connection.execute(
                select(stock_levels.c.on_hand, stock_levels.c.reserved).where(
                    stock_levels.c.sku == row.sku, stock_levels.c.warehouse == row.warehouse
                )
            ).one()
            delta = row.on_hand - current.on_hand
            if row.low_threshold is not None:
                connection.execute(
                    stock_levels.update()
                    .where(stock_levels.c.sku == row.sku, stock_levels.c.warehouse == row.warehouse)
                    .values(low_threshold=row.low_threshold)
                )
            if delta == 0:
                report.unchanged += 1
                continue
            bucket = default_bucket(connection, row.sku, row.warehouse)
            ensure_bucket(connection, row.sku, bucket)
            if not change_bucket(connection, row.sku, bucket, d_limit=delta):
                report.errors.append(
                    f"line {row.line}: cannot lower {row.sku} in {row.warehouse} by {-delta}: "
                    f"quota {bucket!r} has fewer free units (they are held or sold)"
                )
                continue
            if not change_level(connection, row.sku, row.warehouse, d_on_hand=delta):
                report.errors.append(
                    f"line {row.line}: {row.sku} in {row.warehouse} has {current.reserved} units "
                    f"reserved for orders; on hand cannot go below that"
                )
                change_bucket(connection, row.sku, bucket, d_limit=-delta)
                continue
            ledger.append(
                connection,
                row.sku,
                now,
                [
                    Movement("count", ref, bucket=bucket, d_limit=delta),
                    Movement("count", ref, warehouse=row.warehouse, d_on_hand=delta),
                ],
                low_alert_share=ctx.section(StockSettings).low_stock_alert_share,
            )
            report.applied += 1
            report.adjustments.append((row.sku, row.warehouse, delta))
        if report.errors and not good_rows_only:
            connection.rollback()
            report.applied = 0
            report.adjustments.clear()
    return report


def _parse(ctx: Context, text: str, report: ImportReport) -> list[CountedRow]:
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        report.errors.append(f"line 1: missing column(s) {', '.join(missing)}")
        return []
    with reading(ctx.engine) as connection:
        known_skus = {row.code for row in connection.execute(select(skus.c.code))}
        known_warehouses = {row.code for row in connection.execute(select(warehouses.c.code))}
    rows: list[CountedRow] = []
    seen: dict[tuple[str, str], int] = {}
    for line, raw in enumerate(reader, start=2):
        sku = (raw.get("sku") or "").strip()
        warehouse = (raw.get("warehouse") or "").strip()
        problems = []
        if sku not in known_skus:
            problems.append(f"unknown sku {sku!r}")
        if warehouse not in known_warehouses:
            problems.append(f"unknown warehouse {warehouse!r}")
        on_hand = _whole_number(raw.get("on_hand"), "on_hand", problems)
        threshold_text = (raw.get("low_threshold") or "").strip()
        threshold = (
            _whole_number(threshold_text, "low_threshold", problems) if threshold_text else None
        )
        eta = (raw.get("in_transit_eta") or "").strip()
        if eta:
            try:
                datetime.fromisoformat(eta)
            except ValueError:
                problems.append(f"in_transit_eta {eta!r} is not an ISO 8601 time")
        if (sku, warehouse) in seen:
            problems.append(
                f"{sku} in {warehouse} already appears on line {seen[(sku, warehouse)]}"
            )
        seen[(sku, warehouse)] = line
        if problems:
            report.errors.append(f"line {line}: " + "; ".join(problems))
            continue
        assert on_hand is not None
        rows.append(CountedRow(line, sku, warehouse, on_hand, threshold))
    return rows


def _whole_number(value: str | None, name: str, problems: list[str]) -> int | None:
    text = (value or "").strip()
    try:
        number = int(text)
    except ValueError:
        problems.append(f"{name} {text!r} is not a whole number")
        return None
    if number < 0:
        problems.append(f"{name} must not be negative")
        return None
    return number
