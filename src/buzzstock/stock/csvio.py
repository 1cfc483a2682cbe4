"""S-10: stock as a CSV file, the manual fallback when systems fail.

Export writes one row per SKU and warehouse. Import takes a counted file back: each row sets the
units on hand of a SKU in a warehouse; the difference is booked as an adjustment in the ledger
and in the quota the warehouse's region sells from (else the elastic pool). Every problem is
reported with its line and column and, unless asked to take the good rows only, nothing is
imported.

``on_hand`` and ``low_threshold`` are counts from 0 to ``MAX_UNITS_PER_SKU``, and a SKU holds
at most ``MAX_UNITS_PER_SKU`` units over all its warehouses after the import. The file is read as
``core.textfiles`` reads files sellers have: UTF-8 with or without BOM, or GB18030/GBK;
comma, semicolon or tab separated; streamed, never read whole.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from buzzstock.catalog.service import skus, warehouses
from buzzstock.core.clock import as_utc
from buzzstock.core.context import Context
from buzzstock.core.db import reading
from buzzstock.core.ids import new_id
from buzzstock.core.textfiles import FileProblem, TextFile, excel_csv
from buzzstock.stock import ledger
from buzzstock.stock.model import MAX_UNITS_PER_SKU, Movement
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
_WHOLE_NUMBER = re.compile(r"\+?0*[0-9]{1,12}")


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
    errors: list[FileProblem] = field(default_factory=list)
    applied: int = 0
    unchanged: int = 0
    adjustments: list[tuple[str, str, int]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def import_csv(
    ctx: Context, source: TextFile | str, *, good_rows_only: bool = False
) -> ImportReport:
    """Set counted units on hand from a CSV file or text (see the module doc)."""
    report = ImportReport()
    lines = source.lines() if isinstance(source, TextFile) else io.StringIO(source, newline="")
    rows = _parse(ctx, lines, report)
    if report.errors and not good_rows_only:
        return report
    now = ctx.clock.now()
    ref = new_id("csv")
    with ctx.engine.begin() as connection:
        rows = _within_totals(connection, rows, report)
        if report.errors and not good_rows_only:
            return report
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
                    FileProblem(
                        "on_hand",
                        f"cannot lower {row.sku} in {row.warehouse} by {-delta}: quota "
                        f"{bucket!r} has fewer free units (they are held or sold)",
                        row.line,
                    )
                )
                continue
            if not change_level(connection, row.sku, row.warehouse, d_on_hand=delta):
                report.errors.append(
                    FileProblem(
                        "on_hand",
                        f"{row.sku} in {row.warehouse} has {current.reserved} units reserved "
                        "for orders; on hand cannot go below that",
                        row.line,
                    )
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


def _parse(ctx: Context, lines: Iterable[str], report: ImportReport) -> list[CountedRow]:
    reader = excel_csv(lines)
    header = reader.fieldnames or []
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        found = f"the header has {', '.join(header)}" if header else "the file is empty"
        report.errors.append(
            FileProblem("", f"missing column(s) {', '.join(missing)} ({found})", 1)
        )
        return []
    with reading(ctx.engine) as connection:
        known_skus = {row.code for row in connection.execute(select(skus.c.code))}
        known_warehouses = {row.code for row in connection.execute(select(warehouses.c.code))}
    rows: list[CountedRow] = []
    seen: dict[tuple[str, str], int] = {}
    line = reader.line_num + 1
    while True:
        try:
            raw = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            report.errors.append(FileProblem("", f"not valid CSV: {error}", reader.line_num))
            line = reader.line_num + 1
            continue
        row_line, line = line, reader.line_num + 1
        if not any((value or "").strip() for value in raw.values() if isinstance(value, str)):
            continue
        problems = _row_problems(raw, known_skus, known_warehouses, row_line)
        sku = (raw.get("sku") or "").strip()
        warehouse = (raw.get("warehouse") or "").strip()
        if (sku, warehouse) in seen:
            problems.append(
                FileProblem(
                    "warehouse",
                    f"{sku} in {warehouse} already appears on line {seen[(sku, warehouse)]}",
                    row_line,
                )
            )
        seen[(sku, warehouse)] = row_line
        if problems:
            report.errors.extend(problems)
            continue
        threshold = (raw.get("low_threshold") or "").strip()
        rows.append(
            CountedRow(
                row_line,
                sku,
                warehouse,
                int((raw.get("on_hand") or "").strip()),
                int(threshold) if threshold else None,
            )
        )
    return rows


def _row_problems(
    raw: dict[str | Any, Any], known_skus: set[str], known_warehouses: set[str], line: int
) -> list[FileProblem]:
    problems: list[FileProblem] = []
    if None in raw:
        problems.append(FileProblem("", "more fields than the header has columns", line))
    sku = (raw.get("sku") or "").strip()
    warehouse = (raw.get("warehouse") or "").strip()
    if sku not in known_skus:
        problems.append(FileProblem("sku", f"unknown SKU {sku!r}", line))
    if warehouse not in known_warehouses:
        problems.append(FileProblem("warehouse", f"unknown warehouse {warehouse!r}", line))
    problems.extend(_count_problems(raw.get("on_hand"), "on_hand", line, required=True))
    problems.extend(_count_problems(raw.get("low_threshold"), "low_threshold", line))
    eta = (raw.get("in_transit_eta") or "").strip()
    if eta:
        try:
            datetime.fromisoformat(eta)
        except ValueError:
            problems.append(FileProblem("in_transit_eta", f"{eta!r} is not an ISO 8601 time", line))
    return problems


def _count_problems(
    value: str | None, name: str, line: int, *, required: bool = False
) -> list[FileProblem]:
    """S-10: a count is a whole number from 0 to ``MAX_UNITS_PER_SKU``, so that every counter it
    moves fits its 32-bit column."""
    text = (value or "").strip()
    if not text and not required:
        return []
    if not _WHOLE_NUMBER.fullmatch(text) or not 0 <= int(text) <= MAX_UNITS_PER_SKU:
        return [
            FileProblem(
                name, f"{text or '(empty)'} is not a count from 0 to {MAX_UNITS_PER_SKU}", line
            )
        ]
    return []


def _within_totals(
    connection: Connection, rows: list[CountedRow], report: ImportReport
) -> list[CountedRow]:
    """S-10: a SKU holds at most ``MAX_UNITS_PER_SKU`` units over all its warehouses after the
    import, since each of its quota buckets (32-bit) may come to hold all of them."""
    counted: dict[str, dict[str, CountedRow]] = {}
    for row in rows:
        counted.setdefault(row.sku, {})[row.warehouse] = row
    over: set[str] = set()
    for sku, by_warehouse in sorted(counted.items()):
        total = sum(row.on_hand for row in by_warehouse.values()) + sum(
            int(level.on_hand)
            for level in connection.execute(
                select(stock_levels.c.warehouse, stock_levels.c.on_hand).where(
                    stock_levels.c.sku == sku
                )
            )
            if level.warehouse not in by_warehouse
        )
        if total > MAX_UNITS_PER_SKU:
            over.add(sku)
            first = min(row.line for row in by_warehouse.values())
            report.errors.append(
                FileProblem(
                    "on_hand",
                    f"{sku} would hold {total} units in all warehouses; a SKU holds at most "
                    f"{MAX_UNITS_PER_SKU}",
                    first,
                )
            )
    return [row for row in rows if row.sku not in over]
