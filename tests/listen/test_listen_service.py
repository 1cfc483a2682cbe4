"""The stored listening service on SQLite and PostgreSQL: simulated buzz through import →
alerts, idempotent re-import, bad files, the review queue, the CLI and the demo stage."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from rich.console import Console
from sqlalchemy import func, select
from typer.testing import CliRunner

from buzzstock.catalog.service import create
from buzzstock.cli import app
from buzzstock.core.context import Context
from buzzstock.core.db import reading
from buzzstock.core.errors import Conflict, InvalidInput, NotFound
from buzzstock.core.events import outbox_events
from buzzstock.demo.listen_stage import (
    DECOY,
    DECOY_SKU,
    SKU,
    demo_mentions,
    demo_watch_lists,
    run_listen_stage,
)
from buzzstock.demo.run import catalogue_path
from buzzstock.listen import ingest, review, watch_store
from buzzstock.listen.mention import Mention
from buzzstock.listen.store import mention_snapshots, mentions
from buzzstock.listen.watchlist import WatchList
from buzzstock.shop import load_shop, read_shop_file


@pytest.fixture
def shop(ctx: Context) -> Context:
    load_shop(ctx, read_shop_file(catalogue_path()))
    create(ctx, DECOY)
    return ctx


def _jsonl(items: list[Mention]) -> str:
    return "".join(json.dumps(item.to_json(), ensure_ascii=False) + "\n" for item in items)


def _outbox(ctx: Context) -> list[tuple[str, dict[str, object]]]:
    with reading(ctx.engine) as connection:
        return [
            (row.event_type, row.payload)
            for row in connection.execute(
                select(outbox_events.c.event_type, outbox_events.c.payload).order_by(
                    outbox_events.c.seq
                )
            )
        ]


def _count(ctx: Context, table: object) -> int:
    with reading(ctx.engine) as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def test_demo_stage_confirms_the_bracelet_and_flags_the_bot_attack(shop: Context) -> None:
    console = Console(record=True, width=140)
    summary = run_listen_stage(console, shop)
    events = _outbox(shop)
    types = {(kind, payload.get("sku")) for kind, payload in events}
    assert ("TrendConfirmed", SKU) in types
    assert ("FakeHeatSuspected", DECOY_SKU) in types
    assert ("TrendConfirmed", DECOY_SKU) not in types
    confirmed = summary["trend_confirmed"]
    assert confirmed["sku"] == SKU and confirmed["heat"] > 100
    assert 0 <= confirmed["positive_share"] <= 1
    assert len(confirmed["platforms"]) >= 2 and confirmed["cross_platform_verified"] is True
    assert summary["fake_heat"] == [DECOY_SKU]
    assert summary["trends"][SKU]["confirmed"] is True
    assert any(kind == "AttributeRequests" for kind, _ in events)
    output = console.export_text()
    assert "BREEZE-BAND" in output and "TrendConfirmed" in output

    # Importing the same posts again (newer counters) adds snapshots, not mentions or events.
    posts = _count(shop, mentions)
    again = [replace(item, likes=item.likes + 5) for item in demo_mentions(shop.clock.now())]
    report = ingest.import_file(shop, "again.jsonl", _jsonl(again))
    assert (report.new, report.updated) == (0, posts)
    assert _count(shop, mentions) == posts
    assert _count(shop, mention_snapshots) == 2 * posts
    assert _outbox(shop) == events
    assert [e for e in report.events if e.event_type != "AttributeRequests"] == []


def test_a_bad_file_imports_nothing_and_names_every_bad_line(shop: Context) -> None:
    good = json.dumps(
        {
            "platform": "tiktok",
            "post_id": "p1",
            "author_id": "a",
            "created_at": "2026-03-01T10:00:00+00:00",
            "text": "smart bracelet love it",
            "products": [SKU],
        }
    )
    text = "\n".join([good, '{"platform": "tiktok"', good.replace('"p1"', '"p2"'), "[1]"])
    with pytest.raises(ingest.BadMentions) as refused:
        ingest.import_file(shop, "bad.jsonl", text)
    assert [item["line"] for item in refused.value.extra["errors"]] == [2, 4]
    assert _count(shop, mentions) == 0
    assert _outbox(shop) == []


def test_watch_lists_need_catalogue_skus_and_match_stored_mentions(shop: Context) -> None:
    with pytest.raises(NotFound):
        watch_store.set_watch_lists(shop, [WatchList("NO-SUCH-SKU", ("x",))])
    with pytest.raises(InvalidInput):
        watch_store.set_watch_lists(shop, [WatchList(SKU, (), competitor_keywords=("band",))])
    item = Mention(
        platform="xiaohongshu",
        post_id="x1",
        author_id="a",
        created_at=shop.clock.now(),
        text="这个智能手环太好看了",
    )
    report = ingest.ingest(shop, [item])
    assert report.unmatched == 1 and report.products == ()
    watch_store.set_watch_lists(shop, demo_watch_lists()[:1])
    assert [trend["sku"] for trend in review.list_trends(shop)] == [SKU]
    assert review.get_trend(shop, SKU)["mentions"] == 1


def test_review_queue_acknowledge_and_dismiss(shop: Context) -> None:
    watch_store.set_watch_lists(shop, demo_watch_lists())
    ingest.ingest(shop, demo_mentions(shop.clock.now()))
    queue = review.list_alerts(shop, state="new")
    assert {alert["type"] for alert in queue} >= {"TrendAlertRaised", "FakeHeatSuspected"}
    first, second = queue[0], queue[1]
    done = review.acknowledge(shop, first["id"], "ops", "asked suppliers for quotes")
    assert done["state"] == "acknowledged" and done["reviewed_by"] == "ops"
    assert review.acknowledge(shop, first["id"], "ops")["state"] == "acknowledged"
    with pytest.raises(InvalidInput):
        review.dismiss(shop, second["id"], "  ", "ops")
    dismissed = review.dismiss(shop, second["id"], "bought heat", "ops")
    assert dismissed["note"] == "bought heat"
    with pytest.raises(Conflict):
        review.acknowledge(shop, second["id"], "ops")
    assert [a["id"] for a in review.list_alerts(shop, state="dismissed")] == [second["id"]]
    assert len(review.list_alerts(shop, state="new")) == len(queue) - 2


def test_cli_import_watch_trends_and_review(
    shop: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BUZZSTOCK_DATABASE_URL", shop.settings.database_url)
    runner = CliRunner()
    watch_file = tmp_path / "watch.json"
    watch_file.write_text(
        json.dumps([watch_store.watch_list_json(watch) for watch in demo_watch_lists()]), "utf-8"
    )
    buzz = tmp_path / "buzz.jsonl"
    buzz.write_text(_jsonl(demo_mentions(shop.clock.now())), "utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "platform,post_id,author_id,created_at,text,likes\n"
        "tiktok,1,a,2026-03-01T10:00:00+00:00,nice,many\n"
        "tiktok,2,a,,nice,3\n",
        "utf-8",
    )
    refused = runner.invoke(app, ["listen", "import", str(bad)])
    assert refused.exit_code == 1
    assert "line 2: likes" in refused.stderr and "line 3: missing created_at" in refused.stderr
    imported = runner.invoke(app, ["listen", "import", str(buzz), "--watchlist", str(watch_file)])
    assert imported.exit_code == 0, imported.stderr
    assert "TrendConfirmed" in imported.stdout
    table = runner.invoke(app, ["trends"])
    assert table.exit_code == 0 and SKU in table.stdout and "✓" in table.stdout
    rows = json.loads(runner.invoke(app, ["trends", "--json"]).stdout)
    bracelet = next(row for row in rows if row["sku"] == SKU)
    assert bracelet["confirmed"] and len(bracelet["daily"]) == 14
    watch = runner.invoke(app, ["listen", "watch", "set", DECOY_SKU, "-k", "magnetic ring"])
    assert watch.exit_code == 0, watch.stderr
    unknown = runner.invoke(app, ["listen", "watch", "set", "NOPE", "-k", "x"])
    assert unknown.exit_code == 1 and "catalogue SKU" in unknown.stderr
    queue = json.loads(runner.invoke(app, ["listen", "alerts", "--json"]).stdout)
    alert_id = queue[0]["id"]
    no_reason = runner.invoke(app, ["listen", "dismiss", alert_id, "--reason", " "])
    assert no_reason.exit_code == 1
    assert runner.invoke(app, ["listen", "dismiss", alert_id, "--reason", "fake"]).exit_code == 0
    assert review.list_alerts(shop, state="dismissed")[0]["id"] == alert_id


def test_l1_a_json_array_export_imports_like_json_lines_and_names_bad_items_by_line(
    shop: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BUZZSTOCK_DATABASE_URL", shop.settings.database_url)
    runner = CliRunner()
    posts = demo_mentions(shop.clock.now())
    bad = tmp_path / "export-bad.json"
    bad.write_text(
        '[\n  {"platform": "tiktok", "post_id": "1", "author_id": "a",\n'
        '   "created_at": "2026-03-01T10:00:00+00:00", "text": "nice", "likes": "many"},\n'
        '  "not an object"\n]\n',
        "utf-8",
    )
    refused = runner.invoke(app, ["listen", "import", str(bad)])
    assert refused.exit_code == 1
    assert "line 2: likes" in refused.stderr
    assert "line 4: expected a JSON object" in refused.stderr
    assert _count(shop, mentions) == 0
    export = tmp_path / "export.json"
    export.write_text(
        json.dumps([post.to_json() for post in posts], ensure_ascii=False, indent=2), "utf-8"
    )
    imported = runner.invoke(app, ["listen", "import", str(export)])
    assert imported.exit_code == 0, imported.stderr
    assert "TrendConfirmed" in imported.stdout
    assert _count(shop, mentions) == len({(post.platform, post.post_id) for post in posts})
