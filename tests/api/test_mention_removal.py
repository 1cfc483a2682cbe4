"""Issue 11 finding 11: a mention from the future is refused at every edge (push API, import
files, connectors), and mentions can be deleted by post and by import batch, in the CLI and the
API, after which the product's trend is recomputed."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, func, select
from typer.testing import CliRunner

from buzzstock.cli import app
from buzzstock.core.clock import ManualClock
from buzzstock.core.context import open_context
from buzzstock.listen.ingest import ingest
from buzzstock.listen.mention import Mention
from buzzstock.listen.store import mention_products, mention_snapshots, mentions
from buzzstock.settings import Settings
from buzzstock.sim.local_server import serve
from buzzstock.sim.social_fakes import FakeYouTube, youtube_channel, youtube_video

from .helpers import DEMO_SKU, Server, problem_of

runner = CliRunner()


@pytest.fixture
def cli_store(server: Server, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The CLI pointed at the running server's database, without a settings file."""
    monkeypatch.setenv("BUZZSTOCK_DATABASE_URL", server.database_url)
    monkeypatch.setenv("BUZZSTOCK_CONFIG", str(tmp_path / "none.toml"))


def _rows(server: Server) -> tuple[int, int, int]:
    """Mentions, their snapshots and their product links, as stored."""
    engine = create_engine(server.database_url)
    try:
        with engine.connect() as connection:
            return tuple(  # type: ignore[return-value]
                int(connection.execute(select(func.count()).select_from(table)).scalar_one())
                for table in (mentions, mention_snapshots, mention_products)
            )
    finally:
        engine.dispose()


def _mention(post_id: str, created_at: datetime, **changes: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "platform": "tiktok",
        "post_id": post_id,
        "author_id": f"author-{post_id}",
        "created_at": created_at.isoformat(),
        "text": "my BreezeStyle smart bracelet is so good",
        "products": [DEMO_SKU],
    }
    record.update(changes)
    return record


def _jsonl(records: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(record) + "\n" for record in records)


@pytest.fixture
def youtube_from_2099() -> Iterator[str]:
    fake = FakeYouTube(api_key="good-key")
    fake.add_video(
        youtube_video("vid-2099", "chanA", "BreezeStyle band", "", "2099-01-01T00:00:00Z", 10, 1, 0)
    )
    fake.add_channel(youtube_channel("chanA", 1_000))
    with serve(fake.app()) as url:
        yield url


def test_finding_11_a_mention_from_the_future_is_refused_at_every_edge(
    server: Server, operator: httpx.Client, cli_store: None, tmp_path: Path, youtube_from_2099: str
) -> None:
    now = datetime.now(UTC)
    before = _rows(server)

    pushed = operator.post(
        "/api/v1/mentions",
        json={
            "mentions": [
                _mention("edge-ok", now - timedelta(hours=1)),
                _mention("edge-2099", datetime(2099, 1, 1, tzinfo=UTC)),
            ]
        },
    )
    assert pushed.status_code == 422
    problem = problem_of(pushed)
    assert problem["errors"] == [
        {"index": 1, "message": problem["errors"][0]["message"]},
    ]
    assert "future" in problem["errors"][0]["message"]
    assert "listen.max_future_skew_seconds" in problem["errors"][0]["message"]

    export = tmp_path / "export.jsonl"
    export.write_text(
        _jsonl(
            [
                _mention("edge-ok", now - timedelta(hours=1)),
                _mention("edge-2099", datetime(2099, 1, 1, tzinfo=UTC)),
            ]
        )
    )
    imported = runner.invoke(app, ["listen", "import", str(export)])
    assert imported.exit_code == 1, imported.output
    assert "line 2" in imported.stderr and "future" in imported.stderr
    assert "Traceback" not in imported.output

    pulled = runner.invoke(
        app,
        [
            "listen",
            "pull",
            "youtube",
            "--ids",
            "vid-2099",
            "--api-key",
            "good-key",
            "--base-url",
            youtube_from_2099,
        ],
    )
    assert pulled.exit_code == 1, pulled.output
    assert "future" in pulled.stderr and "vid-2099" in pulled.stderr

    assert _rows(server) == before

    skewed = operator.post(
        "/api/v1/mentions", json={"mentions": [_mention("edge-skew", now + timedelta(seconds=60))]}
    )
    assert skewed.status_code == 200, skewed.text
    removed = operator.delete("/api/v1/mentions/tiktok/edge-skew")
    assert removed.status_code == 200, removed.text
    assert _rows(server) == before


def _trend_as_of(operator: httpx.Client) -> datetime:
    trend = operator.get(f"/api/v1/trends/{DEMO_SKU}")
    assert trend.status_code == 200, trend.text
    return datetime.fromisoformat(trend.json()["as_of"])


def test_finding_11_mentions_are_deleted_by_post_and_by_batch_and_the_trend_recovers(
    server: Server, operator: httpx.Client, cli_store: None, tmp_path: Path
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    before = _rows(server)
    export = tmp_path / "buzz.jsonl"
    export.write_text(
        _jsonl([_mention(f"real-{hour}", now - timedelta(hours=hour)) for hour in range(1, 7)])
    )
    imported = runner.invoke(app, ["listen", "import", str(export)])
    assert imported.exit_code == 0, imported.output
    batch = re.search(r"batch (imp_\w+)", imported.stdout)
    assert batch is not None, imported.stdout
    real_as_of = _trend_as_of(operator)
    assert real_as_of <= now

    # A store that an older buzzstock let a mention from the future into: its trend is frozen.
    ahead = now + timedelta(days=20)
    frozen = open_context(Settings(database_url=server.database_url), ManualClock(ahead))
    try:
        ingest(
            frozen,
            [
                Mention(
                    platform="tiktok",
                    post_id="from-the-future",
                    author_id="clock-gone-wrong",
                    created_at=ahead,
                    text="BreezeStyle smart bracelet",
                    products=(DEMO_SKU,),
                )
            ],
        )
    finally:
        frozen.close()
    assert _trend_as_of(operator) == ahead
    listed = runner.invoke(app, ["listen", "trends"])
    assert ahead.date().isoformat() in listed.stdout

    unknown = operator.delete("/api/v1/mentions/tiktok/no-such-post")
    assert unknown.status_code == 404
    assert "no-such-post" in problem_of(unknown)["detail"]
    missing = runner.invoke(app, ["listen", "delete", "--post", "tiktok:no-such-post"])
    assert missing.exit_code == 1
    assert "no-such-post" in missing.stderr
    bad_post = runner.invoke(app, ["listen", "delete", "--post", "no-colon"])
    assert bad_post.exit_code == 1
    assert "PLATFORM:POST_ID" in bad_post.stderr

    deleted = runner.invoke(app, ["listen", "delete", "--post", "tiktok:from-the-future"])
    assert deleted.exit_code == 0, deleted.output
    assert "deleted 1 mention(s)" in deleted.stdout
    assert DEMO_SKU in deleted.stdout
    assert _trend_as_of(operator) == real_as_of

    gone = operator.delete("/api/v1/mentions/batches/imp_nosuchbatch")
    assert gone.status_code == 404
    assert "imp_nosuchbatch" in problem_of(gone)["detail"]

    by_batch = operator.delete(f"/api/v1/mentions/batches/{batch.group(1)}")
    assert by_batch.status_code == 200, by_batch.text
    answer = by_batch.json()
    assert answer["deleted"] == 6
    assert answer["products"] == [DEMO_SKU]
    assert _rows(server) == before
    assert operator.get(f"/api/v1/trends/{DEMO_SKU}").status_code == 404
