"""The shop file: a seller's whole set-up in one TOML or YAML file (`buzzstock catalog load`).

It spans capabilities (the catalogue's entries, the stock hub's opening stock, decide's
suppliers and cash), so it lives above them and uses each one's front door.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import Field, ValidationError

from buzzstock.catalog.model import Catalogue
from buzzstock.catalog.service import upsert
from buzzstock.core.context import Context
from buzzstock.core.errors import InvalidInput
from buzzstock.decide import service as decide
from buzzstock.decide.service import CashEntry, SupplierEntry
from buzzstock.stock import service as stock_service
from buzzstock.stock.service import StockPlan, apply_stock_plan


class ShopFile(Catalogue):
    """The catalogue plus each new SKU's opening stock, the suppliers and the opening cash."""

    stock: list[StockPlan] = Field(default_factory=list)
    suppliers: list[SupplierEntry] = Field(default_factory=list)
    cash: CashEntry | None = None


def read_shop_file(path: Path) -> ShopFile:
    """Parse and validate a TOML or YAML shop file, naming every problem found."""
    if not path.exists():
        raise InvalidInput(f"catalogue file {path} does not exist")
    text = path.read_text(encoding="utf-8")
    try:
        if path.suffix.lower() == ".toml":
            raw: Any = tomllib.loads(text)
        elif path.suffix.lower() in (".yaml", ".yml"):
            raw = yaml.safe_load(text) or {}
        else:
            raise InvalidInput(f"{path}: use a .toml, .yaml or .yml catalogue file")
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as error:
        raise InvalidInput(f"{path} is not valid {path.suffix[1:].upper()}: {error}") from error
    try:
        return ShopFile.model_validate(raw)
    except ValidationError as error:
        problems = [
            f"{'.'.join(str(part) for part in item['loc']) or '(file)'}: {item['msg']}"
            for item in error.errors()
        ]
        raise InvalidInput(
            f"{path} has {len(problems)} problem(s): " + "; ".join(problems), problems=problems
        ) from error


@dataclass
class LoadReport:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    stocked: list[str] = field(default_factory=list)
    skipped_stock: list[str] = field(default_factory=list)
    cash: str = "not in the file"


def load_shop(ctx: Context, shop: ShopFile) -> LoadReport:
    """Create or update every entry in one transaction; stock a SKU only if it has no pool yet.

    Re-loading the same file changes nothing, so it is safe to keep the file as the source of
    truth of the set-up. Opening stock is applied once: after that, stock moves only through
    the hub (receipts, orders, CSV import).
    """
    report = LoadReport()
    with ctx.engine.begin() as connection:
        for kind, entries in (
            ("regions", shop.regions),
            ("markets", shop.markets),
            ("warehouses", shop.warehouses),
            ("skus", shop.skus),
            ("channels", shop.channels),
        ):
            for entry in entries:
                target = (
                    report.created
                    if upsert(connection, entry, now=ctx.clock.now())
                    else report.updated
                )
                target[kind] = target.get(kind, 0) + 1
    for plan in shop.stock:
        if stock_service.has_pool(ctx, plan.sku):
            report.skipped_stock.append(plan.sku)
            continue
        apply_stock_plan(ctx, plan)
        report.stocked.append(plan.sku)
    known = {supplier["code"] for supplier in decide.list_suppliers(ctx)}
    for supplier in shop.suppliers:
        decide.save_supplier(ctx, supplier.spec(ctx.clock.now()))
        target = report.updated if supplier.code in known else report.created
        target["suppliers"] = target.get("suppliers", 0) + 1
    if shop.cash is not None:
        opened = decide.set_opening_funds(ctx, shop.cash)
        report.cash = (
            f"opening funds {shop.cash.liquid_funds:,.2f} {shop.cash.currency.upper()}"
            if opened
            else "kept (already set; change it with `buzzstock decisions cash`)"
        )
    return report
