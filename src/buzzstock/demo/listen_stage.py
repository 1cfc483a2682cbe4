"""Demo stage: four weeks of simulated social buzz go through the real listening service.

The demo's bracelet (BREEZE-BAND) takes off organically across platforms; a decoy product gets
bought heat from bot clusters. The seller sees the trends table, which alerts were raised, which
spike was flagged as fake heat, and the ``TrendConfirmed`` event the decide capability acts on.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from buzzstock.catalog.model import Sku
from buzzstock.catalog.service import create
from buzzstock.core.context import Context
from buzzstock.core.db import reading
from buzzstock.core.events import outbox_events
from buzzstock.listen.ingest import import_file
from buzzstock.listen.mention import Mention
from buzzstock.listen.review import list_alerts, list_trends
from buzzstock.listen.store_cli import trends_table
from buzzstock.listen.watch_store import set_watch_lists
from buzzstock.listen.watchlist import WatchList
from buzzstock.sim.buzz import CATALOGUE, simulate
from buzzstock.worker import run_until_idle

SKU = "BREEZE-BAND"
DECOY_SKU = "NOVA-RING"
DAYS = 28
SEED = 3
DECOY = Sku(code=DECOY_SKU, name="Nova magnetic ring", category="jewellery")
# What the simulated texts call each product, per role of the simulator's scenario.
NAMES = {
    "trend": (SKU, "BreezeStyle smart bracelet", "智能手环", "breezeband"),
    "attack": (DECOY_SKU, "Nova magnetic ring", "磁吸戒指", "novaring"),
}


def demo_watch_lists() -> list[WatchList]:
    """L-2: English and Chinese keywords for the bracelet and the decoy ring."""
    return [
        WatchList(
            product_id=SKU,
            product_keywords=("BreezeStyle smart bracelet", "smart bracelet", "智能手环"),
            competitor_keywords=("fitness band",),
            category_keywords=("bracelet", "手环"),
            scene_emotion=(("workout", "cool"), ("夏天", "清凉")),
        ),
        WatchList(
            product_id=DECOY_SKU,
            product_keywords=("Nova magnetic ring", "magnetic ring", "磁吸戒指"),
            category_keywords=("ring", "戒指"),
        ),
    ]


def demo_mentions(end: datetime, days: int = DAYS, seed: int = SEED) -> list[Mention]:
    """Simulated buzz for the last ``days`` days before ``end``: the simulator's organic trend
    becomes BREEZE-BAND and its bot attack the decoy, with the texts naming them."""
    start = end.replace(minute=0, second=0, microsecond=0) - timedelta(days=days)
    simulation = simulate(days, seed, products=2, start=start, market_utc_offset_hours=0)
    old_tags = {entry[0]: entry[3] for entry in CATALOGUE}
    by_id = {product.product_id: product for product in simulation.products}
    mentions = []
    for mention in simulation.mentions:
        product = by_id[mention.products[0]]
        sku, name_en, name_zh, tag = NAMES[product.kind]
        text = (
            mention.text.replace(product.name_en, name_en)
            .replace(product.name_zh, name_zh)
            .replace(f"#{old_tags[product.product_id]}", f"#{tag}")
        )
        mentions.append(replace(mention, text=text, products=(sku,)))
    return mentions


def _to_jsonl(mentions: list[Mention]) -> str:
    return "".join(json.dumps(mention.to_json(), ensure_ascii=False) + "\n" for mention in mentions)


def run_listen_stage(console: Console, ctx: Context) -> dict[str, Any]:
    """Simulated buzz → import → trends, alerts and fake heat → ``TrendConfirmed`` for decide.

    Expects the demo catalogue (BREEZE-BAND) to be loaded; adds the decoy SKU. Returns a summary.
    """
    console.rule("[bold]Listen: four weeks of social buzz[/bold]")
    create(ctx, DECOY)
    set_watch_lists(ctx, demo_watch_lists())
    mentions = demo_mentions(ctx.clock.now())
    report = import_file(ctx, "demo-buzz.jsonl", _to_jsonl(mentions))
    run_until_idle(ctx)
    console.print(
        f"imported {report.new} mentions from {len({item.platform for item in mentions})} "
        "platforms (English and Chinese) for "
        f"{', '.join(report.products)}"
    )
    trends = list_trends(ctx)
    console.print(trends_table(trends, "Trends (✓ = confirmed after 5 days of heat)"))
    raised = list_alerts(ctx, state="new")
    table = Table(title="Review queue (L-6): new alerts")
    for column in ("sku", "event", "tier", "at", "detail"):
        table.add_column(column)
    for alert in sorted(raised, key=lambda item: item["at"]):
        payload = alert["payload"]
        if alert["type"] == "FakeHeatSuspected":
            detail = f"{payload['probability']:.0%} of the surge is suspect"
        elif alert["type"] == "TrendConfirmed":
            detail = f"heat {payload['heat']:.0f}, held since {payload['alert_since'][:10]}"
        else:
            detail = f"heat {payload.get('heat', 0):.0f}"
        table.add_row(alert["sku"], alert["type"], alert["tier"] or "-", alert["at"], detail)
    console.print(table)
    with reading(ctx.engine) as connection:
        confirmed = [
            row.payload
            for row in connection.execute(
                select(outbox_events.c.payload)
                .where(outbox_events.c.event_type == "TrendConfirmed")
                .order_by(outbox_events.c.seq)
            )
            if row.payload.get("sku") == SKU
        ]
    fake = sorted({alert["sku"] for alert in raised if alert["type"] == "FakeHeatSuspected"})
    if confirmed:
        console.print(
            f"[green]TrendConfirmed for {SKU}[/green] recorded for decide: "
            + json.dumps(
                {key: confirmed[0][key] for key in ("sku", "heat", "positive_share", "platforms")},
                ensure_ascii=False,
            )
        )
    console.print(f"flagged as fake heat (never confirmed): {', '.join(fake) or 'none'}")
    return {
        "mentions": report.new,
        "trends": {trend["sku"]: trend for trend in trends},
        "alerts": [(alert["sku"], alert["type"], alert["tier"]) for alert in raised],
        "fake_heat": fake,
        "trend_confirmed": confirmed[0] if confirmed else None,
    }
