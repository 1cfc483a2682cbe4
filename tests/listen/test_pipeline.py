"""The in-memory pipeline: idempotent re-ingest, watch-list matching, hourly series."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from buzzstock.listen.engine import Pipeline
from buzzstock.listen.mention import Mention
from buzzstock.listen.metrics import F
from buzzstock.listen.sentiment import TransformerSentiment
from buzzstock.listen.watchlist import Matcher, WatchList

START = datetime(2026, 3, 2, 9, tzinfo=UTC)
MATCHER = Matcher([WatchList("mug", ("starry mug", "星空杯"))])


def post(post_id: str, text: str, minutes: int, likes: int = 1) -> Mention:
    return Mention(
        platform="instagram",
        post_id=post_id,
        author_id=f"author-{post_id}",
        created_at=START + timedelta(minutes=minutes),
        text=text,
        author_followers=2_000,
        likes=likes,
        author_created_at=START - timedelta(days=400),
    )


def hourly(pipeline: Pipeline, field: str) -> list[float]:
    state = pipeline._products["mug"]
    return [float(value) for value in state.series.column(field)]


def test_watch_list_matches_mentions_that_name_no_product() -> None:
    pipeline = Pipeline(matcher=MATCHER)
    pipeline.ingest(post("1", "my new starry mug 😍", 5))
    pipeline.ingest(post("2", "星空杯太好看了", 10))
    pipeline.ingest(post("3", "nothing to do with us", 15))
    pipeline.advance_to(START + timedelta(hours=1))
    assert hourly(pipeline, "authentic") == [2.0]
    assert hourly(pipeline, "positive") == [2.0]


def test_reingesting_the_same_post_never_counts_it_twice() -> None:
    pipeline = Pipeline(matcher=MATCHER)
    pipeline.ingest(post("1", "starry mug", 5, likes=3))
    pipeline.ingest(post("1", "starry mug", 50, likes=40))
    pipeline.ingest(post("2", "starry mug again", 70))
    pipeline.advance_to(START + timedelta(hours=2))
    assert hourly(pipeline, "raw") == [1.0, 1.0]
    assert pipeline._seen[("instagram", "1")].likes == 40


def test_hours_without_mentions_are_zero_and_time_only_moves_forward() -> None:
    pipeline = Pipeline(matcher=MATCHER)
    pipeline.ingest(post("1", "starry mug", 0))
    pipeline.advance_to(START + timedelta(hours=5))
    pipeline.advance_to(START + timedelta(hours=3))
    assert hourly(pipeline, "raw") == [1.0, 0.0, 0.0, 0.0, 0.0]
    assert pipeline.now == START + timedelta(hours=5)
    assert F["raw"] == 0


def test_transformer_backend_never_downloads(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        TransformerSentiment(tmp_path / "missing")
    try:
        import transformers  # type: ignore[import-not-found,unused-ignore]  # noqa: F401
    except ImportError:
        with pytest.raises(RuntimeError, match="transformers"):
            TransformerSentiment(tmp_path)
