"""The shop file: a seller's whole set-up in one TOML or YAML file (`buzzstock catalog load`).

It spans capabilities (the catalogue's entries, the stock hub's opening stock, decide's
suppliers and cash), so it lives above them and uses each one's front door.

A shop file is all or nothing: every entry is checked first, each against its shape and every
code it names (regions, markets, warehouses, SKUs) against the file and the store; all problems
are listed at once with the file, line and field, and nothing is written. A file without
problems is applied in one transaction.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import Connection, Table, select

from buzzstock.catalog.model import Catalogue, Channel, Market, Region, Sku, Warehouse
from buzzstock.catalog.service import markets, regions, skus, upsert, warehouses
from buzzstock.core.context import Context
from buzzstock.core.errors import InvalidInput
from buzzstock.core.textfiles import FileProblem, read_text_file, refusal
from buzzstock.decide import service as decide
from buzzstock.decide.service import CashEntry, SupplierEntry
from buzzstock.stock import service as stock_service
from buzzstock.stock.service import StockPlan

Location = tuple[str | int, ...]
Problem = tuple[Location, str]

_SECTIONS: dict[str, type[BaseModel]] = {
    "regions": Region,
    "markets": Market,
    "warehouses": Warehouse,
    "channels": Channel,
    "skus": Sku,
    "stock": StockPlan,
    "suppliers": SupplierEntry,
}
"""Each list section of a shop file and the shape of its entries, in the order they apply."""
_KEYS = {
    "regions": "code",
    "markets": "code",
    "warehouses": "code",
    "channels": "code",
    "skus": "code",
    "stock": "sku",
    "suppliers": "code",
}
"""The field that names an entry; a name given twice in one section is a mistake."""


class ShopFile(Catalogue):
    """The catalogue plus each new SKU's opening stock, the suppliers and the opening cash."""

    stock: list[StockPlan] = Field(default_factory=list)
    suppliers: list[SupplierEntry] = Field(default_factory=list)
    cash: CashEntry | None = None


@dataclass
class ParsedShop:
    """A shop file read entry by entry: the entries that have the right shape (with their index
    in the file), the codes each section defines (also by entries with mistakes, so that what
    names them is not blamed too) and the problems found so far."""

    name: str
    entries: dict[str, list[tuple[int, Any]]]
    defined: dict[str, set[str]]
    cash: CashEntry | None
    problems: list[Problem]
    lines: dict[Location, int] = field(default_factory=dict)

    def shop(self) -> ShopFile:
        def valid(section: str) -> list[Any]:
            return [entry for _, entry in self.entries[section]]

        return ShopFile.model_construct(
            regions=valid("regions"),
            markets=valid("markets"),
            warehouses=valid("warehouses"),
            channels=valid("channels"),
            skus=valid("skus"),
            stock=valid("stock"),
            suppliers=valid("suppliers"),
            cash=self.cash,
        )

    def refusal(self, problems: Sequence[Problem]) -> InvalidInput:
        return refusal(
            self.name,
            [
                FileProblem(_dotted(location), message, _line_of(self.lines, location))
                for location, message in problems
            ],
        )


@dataclass
class LoadReport:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    stocked: list[str] = field(default_factory=list)
    skipped_stock: list[str] = field(default_factory=list)
    cash: str = "not in the file"


def read_shop_file(path: Path) -> ShopFile:
    """Parse and validate a TOML or YAML shop file, naming every problem of shape found."""
    parsed = parse_shop_file(path)
    if parsed.problems:
        raise parsed.refusal(parsed.problems)
    return parsed.shop()


def load_shop_file(ctx: Context, path: Path) -> LoadReport:
    """Check a shop file completely (shapes and references), then apply it in one transaction;
    with any problem, refuse listing them all and change nothing."""
    return _load(ctx, parse_shop_file(path))


def load_shop(ctx: Context, shop: ShopFile, *, name: str = "the catalogue") -> LoadReport:
    """Create or update every entry of a validated shop in one transaction; stock a SKU only if
    it has no pool yet; refuse (changing nothing) if it names what neither it nor the store has.

    Re-loading the same file changes nothing, so it is safe to keep the file as the source of
    truth of the set-up. Opening stock is applied once: after that, stock moves only through
    the hub (receipts, orders, CSV import).
    """
    entries = {section: list(enumerate(getattr(shop, section))) for section in _SECTIONS}
    defined = {
        section: {str(getattr(entry, _KEYS[section])) for entry in getattr(shop, section)}
        for section in _SECTIONS
    }
    return _load(ctx, ParsedShop(name, entries, defined, shop.cash, []))


def parse_shop_file(path: Path) -> ParsedShop:
    """Read a shop file (UTF-8, UTF-8 with BOM or GB18030) and check each entry's shape."""
    name = str(path)
    text = read_text_file(path)
    suffix = path.suffix.lower()
    try:
        if suffix == ".toml":
            raw: Any = tomllib.loads(text)
            lines = _toml_lines(text)
        elif suffix in (".yaml", ".yml"):
            raw = yaml.safe_load(text) or {}
            lines = _yaml_lines(text)
        else:
            raise InvalidInput(f"{name}: use a .toml, .yaml or .yml catalogue file")
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as error:
        raise InvalidInput(f"{name} is not valid {suffix[1:].upper()}: {error}") from error
    parsed = _parse_entries(name, raw)
    parsed.lines = lines
    return parsed


def _parse_entries(name: str, raw: Any) -> ParsedShop:
    parsed = ParsedShop(name, {section: [] for section in _SECTIONS}, {}, None, [])
    if not isinstance(raw, dict):
        parsed.problems.append(((), "expected sections such as [[regions]] and [[skus]]"))
        raw = {}
    for key in raw:
        if key not in _SECTIONS and key != "cash":
            parsed.problems.append(
                ((str(key),), f"unknown section (use {', '.join([*_SECTIONS, 'cash'])})")
            )
    for section, model in _SECTIONS.items():
        items = raw.get(section, [])
        if not isinstance(items, list):
            parsed.problems.append(((section,), f"expected a list of entries ([[{section}]])"))
            items = []
        parsed.defined[section] = {
            item[_KEYS[section]]
            for item in items
            if isinstance(item, dict) and isinstance(item.get(_KEYS[section]), str)
        }
        for index, item in enumerate(items):
            try:
                parsed.entries[section].append((index, model.model_validate(item)))
            except ValidationError as error:
                parsed.problems.extend(_shape_problems((section, index), error))
        parsed.problems.extend(_twice(section, parsed.entries[section]))
    if "cash" in raw:
        try:
            parsed.cash = CashEntry.model_validate(raw["cash"])
        except ValidationError as error:
            parsed.problems.extend(_shape_problems(("cash",), error))
    return parsed


def _shape_problems(where: Location, error: ValidationError) -> Iterator[Problem]:
    for item in error.errors():
        yield (*where, *item["loc"]), item["msg"].removeprefix("Value error, ")


def _twice(section: str, entries: Sequence[tuple[int, Any]]) -> Iterator[Problem]:
    first: dict[str, int] = {}
    for index, entry in entries:
        code = str(getattr(entry, _KEYS[section]))
        if code in first:
            yield (
                (section, index, _KEYS[section]),
                f"{code!r} is already given by {section}[{first[code]}]",
            )
        else:
            first[code] = index


def _load(ctx: Context, parsed: ParsedShop) -> LoadReport:
    report = LoadReport()
    with ctx.engine.begin() as connection:
        problems = [*parsed.problems, *_reference_problems(connection, parsed)]
        if problems:
            raise parsed.refusal(problems)
        shop = parsed.shop()
        for kind in ("regions", "markets", "warehouses", "skus", "channels"):
            for entry in getattr(shop, kind):
                created = upsert(connection, entry, now=ctx.clock.now())
                target = report.created if created else report.updated
                target[kind] = target.get(kind, 0) + 1
        for plan in shop.stock:
            if stock_service.pool_exists(connection, plan.sku):
                report.skipped_stock.append(plan.sku)
                continue
            stock_service.apply_stock_plan_in(connection, ctx, plan)
            report.stocked.append(plan.sku)
        for supplier in shop.suppliers:
            created = decide.save_supplier_in(connection, ctx, supplier.spec(ctx.clock.now()))
            target = report.created if created else report.updated
            target["suppliers"] = target.get("suppliers", 0) + 1
        if shop.cash is not None:
            opened = decide.set_opening_funds_in(connection, ctx, shop.cash)
            report.cash = (
                f"opening funds {shop.cash.liquid_funds:,.2f} {shop.cash.currency.upper()}"
                if opened
                else "kept (already set; change it with `buzzstock decisions cash`)"
            )
    return report


def _reference_problems(connection: Connection, parsed: ParsedShop) -> Iterator[Problem]:
    """Every code an entry names must be defined in the file or already be in the store."""
    known = {
        section: parsed.defined[section] | _stored_codes(connection, table)
        for section, table in (
            ("regions", regions),
            ("markets", markets),
            ("warehouses", warehouses),
            ("skus", skus),
        )
    }

    def check(where: Location, section: str, code: str) -> Iterator[Problem]:
        if code not in known[section]:
            kind = "SKU" if section == "skus" else section[:-1]
            yield where, f"unknown {kind} {code!r} (define it in {section} or fix the code)"

    entries = parsed.entries
    for index, market in entries["markets"]:
        yield from check(("markets", index, "region"), "regions", market.region)
    for index, warehouse in entries["warehouses"]:
        yield from check(("warehouses", index, "region"), "regions", warehouse.region)
    for index, channel in entries["channels"]:
        yield from check(("channels", index, "market"), "markets", channel.market)
    for index, plan in entries["stock"]:
        yield from check(("stock", index, "sku"), "skus", plan.sku)
        for code in plan.warehouses:
            yield from check(("stock", index, "warehouses", code), "warehouses", code)
        for code in plan.quotas:
            yield from check(("stock", index, "quotas", code), "regions", code)
    for index, supplier in entries["suppliers"]:
        for position, code in enumerate(supplier.skus):
            yield from check(("suppliers", index, "skus", position), "skus", code)


def _stored_codes(connection: Connection, table: Table) -> set[str]:
    return {str(row.code) for row in connection.execute(select(table.c.code))}


def _dotted(location: Location) -> str:
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _line_of(lines: Mapping[Location, int], location: Location) -> int | None:
    """The line of the deepest part of ``location`` that the file shows (a table, a key)."""
    for end in range(len(location), 0, -1):
        if location[:end] in lines:
            return lines[location[:end]]
    return None


_TOML_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\[\]]+?)\s*\]\]?\s*(?:#.*)?$")
_TOML_KEY = re.compile(
    r"^\s*((?:[A-Za-z0-9_\-]+|\"[^\"]*\"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_\-]+|\"[^\"]*\"|'[^']*'))*)\s*="
)
_INLINE_KEY = re.compile(r"[{,]\s*([A-Za-z0-9_\-]+|\"[^\"]*\"|'[^']*')\s*=")


def _toml_keys(dotted: str) -> list[str]:
    return [part.strip().strip("\"'") for part in re.findall(r"\"[^\"]*\"|'[^']*'|[^.]+", dotted)]


def _toml_lines(text: str) -> dict[Location, int]:
    """Where each table and key of a TOML file starts, by its location in the parsed document
    (``tomllib`` keeps no positions). Arrays of tables (``[[stock]]``) count their entries;
    keys of inline tables are found on their line."""
    found: dict[Location, int] = {}
    counts: dict[tuple[str, ...], int] = {}
    table: Location = ()
    open_string: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if open_string is not None:
            if open_string in line:
                open_string = None
            continue
        header = _TOML_HEADER.match(line)
        if header is not None:
            keys = _toml_keys(header[2])
            location: list[str | int] = []
            for depth, key in enumerate(keys):
                location.append(key)
                prefix = tuple(keys[: depth + 1])
                if depth < len(keys) - 1 and prefix in counts:
                    location.append(counts[prefix])
            if header[1] == "[[":
                counts[tuple(keys)] = counts.get(tuple(keys), -1) + 1
                location.append(counts[tuple(keys)])
            table = tuple(location)
            found.setdefault(table, number)
            continue
        assignment = _TOML_KEY.match(line)
        if assignment is None:
            continue
        where = (*table, *_toml_keys(assignment[1]))
        found.setdefault(where, number)
        rest = line[assignment.end() :]
        for inner in _INLINE_KEY.finditer(rest):
            found.setdefault((*where, inner[1].strip("\"'")), number)
        for quotes in ('"""', "'''"):
            if rest.count(quotes) == 1:
                open_string = quotes
    return found


def _yaml_lines(text: str) -> dict[Location, int]:
    """Where each mapping key and list item of a YAML file starts."""
    found: dict[Location, int] = {}

    def walk(node: yaml.Node, where: Location) -> None:
        found.setdefault(where, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                child = (*where, str(key.value))
                found.setdefault(child, key.start_mark.line + 1)
                walk(value, child)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                walk(item, (*where, index))

    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if root is not None:
        walk(root, ())
    return found
