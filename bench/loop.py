"""Loop benchmark: does the loop close by itself with the default settings?

Run: ``.venv/bin/python bench/loop.py`` (about 5–10 minutes on 2 cores; set
``BUZZSTOCK_BENCH_SCENARIOS`` for fewer). Prints a Rich table and rewrites the ``## loop``
section of docs/benchmarks.md.

Each scenario is one simulated catalogue (``buzzstock listen simulate``: 45 days, 8 products
with the roles trend, fad, bot attack, complaint burst, quiet and steady) run through the real
engine as a seller would: a fresh SQLite store, a shop with a supplier per product and
cash, the mentions imported, the worker run until idle (listen's events reach decide). Then, per
role, how many products got a ``purchase_order`` decision auto-executed, any purchase order,
a price rise, or a prepare-production notice; and the heat index at confirmation and at the
alerts of each role. The acceptance's targets: at least 90 % of organic trends auto-executed,
and no order, price rise or notice for bot, complaint, quiet or steady products.
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
from collections import defaultdict
from multiprocessing import Pool
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from buzzstock.catalog.model import Channel, Market, Region, Sku, Warehouse
from buzzstock.core.context import open_context
from buzzstock.core.events import outbox_events
from buzzstock.decide.service import CashEntry, SupplierEntry, list_decisions
from buzzstock.listen.service import import_file
from buzzstock.settings import Settings
from buzzstock.shop import ShopFile, load_shop
from buzzstock.sim.buzz import MARKET_UTC_OFFSET_HOURS, simulate
from buzzstock.stock.service import StockPlan
from buzzstock.worker import run_until_idle
from common import machine, markdown_table, today, write_section

SCENARIOS = int(os.environ.get("BUZZSTOCK_BENCH_SCENARIOS", "60"))
DAYS = 45
ROLES = ("trend", "fad", "attack", "complaint", "quiet", "steady")
NEGATIVE_ROLES = ("attack", "complaint", "quiet", "steady")


def _shop(skus: list[str]) -> ShopFile:
    return ShopFile(
        regions=[Region(code="US", name="US", timezone="America/New_York", lat=40, lon=-74)],
        markets=[
            Market(code="US", name="US", region="US", currency="USD", timezone="America/New_York")
        ],
        warehouses=[Warehouse(code="NJ", name="NJ", region="US", city="Newark", lat=40, lon=-74)],
        channels=[Channel(code="shop", name="shop", platform="shopify", market="US")],
        skus=[Sku(code=sku, name=sku, category="home", base_price=25.0) for sku in skus],
        stock=[StockPlan(sku=sku, warehouses={"NJ": 300}) for sku in skus],
        suppliers=[
            SupplierEntry(
                code=f"F-{sku}",
                name=f"Factory {sku}",
                tier="fast",
                skus=[sku],
                unit_cost=12.0,
                lead_time_days=5,
                capacity=400,
                moq=50,
            )
            for sku in skus
        ],
        cash=CashEntry(liquid_funds=100_000),
    )


def run_scenario(seed: int) -> dict[str, Any]:
    simulation = simulate(DAYS, seed)
    role = {product.product_id: product.kind for product in simulation.products}
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(database_url=f"sqlite:///{folder}/loop.db")
        settings.listen.market_utc_offset_hours = MARKET_UTC_OFFSET_HOURS
        ctx = open_context(settings)
        try:
            load_shop(ctx, _shop(sorted(role)))
            text = "".join(
                json.dumps(m.to_json(), ensure_ascii=False) + "\n" for m in simulation.mentions
            )
            import_file(ctx, "buzz.jsonl", text)
            run_until_idle(ctx)
            decisions = list_decisions(ctx, limit=10_000)
            with ctx.engine.connect() as connection:
                events = [
                    (row.event_type, row.payload)
                    for row in connection.execute(
                        select(outbox_events.c.event_type, outbox_events.c.payload).where(
                            outbox_events.c.event_type.in_(("TrendConfirmed", "TrendAlertRaised"))
                        )
                    )
                ]
        finally:
            ctx.close()
    products: dict[str, dict[str, Any]] = {}
    for sku, kind in role.items():
        own = [d for d in decisions if d["sku"] == sku]
        orders = [d for d in own if d["kind"] == "purchase_order"]
        products[sku] = {
            "role": kind,
            "auto_executed": any(d["route"] == "auto_execute" for d in orders),
            "ordered": bool(orders),
            "price_rise": any(
                d["kind"] == "price" and d["price"] > d["inputs"]["previous_price"] for d in own
            ),
            "notice": any(d["kind"] == "supplier_notice" for d in own),
            "confirmed_heat": [
                p["heat"] for t, p in events if t == "TrendConfirmed" and p["sku"] == sku
            ],
            "alert_heat": [
                p["heat"] for t, p in events if t == "TrendAlertRaised" and p["sku"] == sku
            ],
            "why_not": [
                d["explanation"][0] for d in own if d["kind"] in ("watch", "purchase_order")
            ],
        }
    return {"seed": seed, "products": products}


def main() -> None:
    console = Console()
    with Pool(min(2, os.cpu_count() or 1)) as pool:
        results = pool.map(run_scenario, range(1, SCENARIOS + 1))
    by_role: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for result in results:
        for product in result["products"].values():
            by_role[product["role"]].append(product)
    rows = []
    for kind in ROLES:
        found = by_role[kind]
        confirmed = [heat for product in found for heat in product["confirmed_heat"]]
        alerts = [heat for product in found for heat in product["alert_heat"]]
        rows.append(
            [
                kind,
                str(len(found)),
                f"{sum(p['auto_executed'] for p in found)}",
                f"{sum(p['ordered'] for p in found)}",
                f"{sum(p['price_rise'] for p in found)}",
                f"{sum(p['notice'] for p in found)}",
                _range(confirmed),
                _range(alerts),
            ]
        )
    headers = [
        "role",
        "products",
        "auto-executed orders",
        "any purchase order",
        "price rises",
        "prepare notices",
        "heat at confirmation (min / median / max)",
        "heat of alerts (min / median / max)",
    ]
    table = Table(title=f"the loop on {SCENARIOS} simulated scenarios, default settings")
    for header in headers:
        table.add_column(header)
    for row in rows:
        table.add_row(*row)
    console.print(table)
    trends = by_role["trend"]
    auto_share = sum(p["auto_executed"] for p in trends) / max(len(trends), 1)
    wrong = sum(
        p["ordered"] or p["price_rise"] or p["notice"]
        for kind in NEGATIVE_ROLES
        for p in by_role[kind]
    )
    misses = [p["why_not"] for p in trends if not p["auto_executed"]]
    console.print(f"organic trends auto-executed: {auto_share:.1%}; wrong actions: {wrong}")
    for miss in misses:
        console.print(f"  not auto-executed: {miss}")
    write_section(
        "loop",
        f"""`bench/loop.py`, {today()}, {machine()}.

{SCENARIOS} simulated scenarios (seeds 1–{SCENARIOS}, 45 days, 8 products each) through the real
engine with the default settings: a fresh SQLite store, `load_shop` (a supplier per product,
100,000 CNY cash), the mentions imported, the worker run until idle, then the decisions.
Targets: at least 90 % of organic trends auto-executed; no purchase order, price rise or
prepare-production notice for bot-attack, complaint, quiet or steady products.

{markdown_table(headers, rows)}

Organic trends auto-executed: **{auto_share:.1%}**; orders, price rises or notices for bot,
complaint, quiet and steady products: **{wrong}**. The acceptance run on data written apart from
the simulator is the test `tests/e2e/test_loop_acceptance.py`.""",
    )


def _heats(events: list[tuple[str, Any]], event_type: str, sku: str) -> list[float]:
    return [float(p["heat"]) for kind, p in events if kind == event_type and p["sku"] == sku]


def _range(values: list[float]) -> str:
    if not values:
        return "-"
    return f"{min(values):.0f} / {statistics.median(values):.0f} / {max(values):.0f}"


if __name__ == "__main__":
    main()
