"""Catalogue use cases: create or update entries, and load a whole declarative catalogue file."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
from sqlalchemy import Connection, Table, insert, select, update

from buzzstock.catalog.model import Catalogue, Channel, Market, Region, Sku, StockPlan, Warehouse
from buzzstock.catalog.store import channels, markets, regions, skus, warehouses
from buzzstock.core.context import Context
from buzzstock.core.db import reading
from buzzstock.core.errors import InvalidInput, NotFound
from buzzstock.stock import service as stock_service

_TABLES: dict[type[BaseModel], Table] = {
    Region: regions,
    Market: markets,
    Sku: skus,
    Warehouse: warehouses,
    Channel: channels,
}


def upsert(connection: Connection, entry: Region | Market | Sku | Warehouse | Channel) -> bool:
    """Create the entry or update it in place; returns True if it was new."""
    table = _TABLES[type(entry)]
    values = entry.model_dump()
    _check_references(connection, entry)
    exists = connection.execute(select(table.c.code).where(table.c.code == entry.code)).first()
    if exists is None:
        connection.execute(insert(table).values(**values))
        return True
    connection.execute(update(table).where(table.c.code == entry.code).values(**values))
    return False


def _check_references(
    connection: Connection, entry: Region | Market | Sku | Warehouse | Channel
) -> None:
    references: list[tuple[Table, str, str]] = []
    if isinstance(entry, Market | Warehouse):
        references.append((regions, "region", entry.region))
    if isinstance(entry, Channel):
        references.append((markets, "market", entry.market))
    for table, kind, code in references:
        if connection.execute(select(table.c.code).where(table.c.code == code)).first() is None:
            raise InvalidInput(
                f"{type(entry).__name__.lower()} {entry.code!r} names unknown {kind} {code!r}"
            )


def create(ctx: Context, entry: Region | Market | Sku | Warehouse | Channel) -> bool:
    with ctx.engine.begin() as connection:
        return upsert(connection, entry)


def list_entries(ctx: Context, kind: type[BaseModel]) -> list[dict[str, Any]]:
    table = _TABLES[kind]
    with reading(ctx.engine) as connection:
        return [
            dict(row._mapping) for row in connection.execute(select(table).order_by(table.c.code))
        ]


def get_entry(ctx: Context, kind: type[BaseModel], code: str) -> dict[str, Any]:
    table = _TABLES[kind]
    with reading(ctx.engine) as connection:
        row = connection.execute(select(table).where(table.c.code == code)).first()
    if row is None:
        raise NotFound(f"no {kind.__name__.lower()} {code!r}")
    return dict(row._mapping)


def read_catalogue_file(path: Path) -> Catalogue:
    """Parse and validate a TOML or YAML catalogue file, naming every problem found."""
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
        return Catalogue.model_validate(raw)
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


def load_catalogue(ctx: Context, catalogue: Catalogue) -> LoadReport:
    """Create or update every entry in one transaction; stock a SKU only if it has no pool yet.

    Re-loading the same file changes nothing, so it is safe to keep the file as the source of
    truth of the set-up. Opening stock is applied once: after that, stock moves only through
    the hub (receipts, orders, CSV import).
    """
    report = LoadReport()
    with ctx.engine.begin() as connection:
        for kind, entries in (
            ("regions", catalogue.regions),
            ("markets", catalogue.markets),
            ("warehouses", catalogue.warehouses),
            ("skus", catalogue.skus),
            ("channels", catalogue.channels),
        ):
            for entry in entries:
                target = report.created if upsert(connection, entry) else report.updated
                target[kind] = target.get(kind, 0) + 1
    for plan in catalogue.stock:
        if stock_service.has_pool(ctx, plan.sku):
            report.skipped_stock.append(plan.sku)
            continue
        apply_stock_plan(ctx, plan)
        report.stocked.append(plan.sku)
    return report


def apply_stock_plan(ctx: Context, plan: StockPlan) -> None:
    """Opening stock: receive units per warehouse, then split them into quotas (S-3)."""
    for warehouse, units in sorted(plan.warehouses.items()):
        if units:
            stock_service.receive(ctx, plan.sku, warehouse, units, bucket="elastic", ref="opening")
    if plan.quotas:
        stock_service.set_quotas(ctx, plan.sku, plan.quotas, plan.elastic_share)
    if plan.buyer_limit is not None:
        stock_service.set_buyer_limit(ctx, plan.sku, plan.buyer_limit)
