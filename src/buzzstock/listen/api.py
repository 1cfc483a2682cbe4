"""Listen routes: push mentions (L-1), trends (L-3 … L-9), the alert review queue (L-6) and
watch lists per catalogue SKU (L-2). Staff keys only (admin, operator)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, Query
from pydantic import Field

from buzzstock.core.input import Input as Body
from buzzstock.core.requests import Caller, Ctx
from buzzstock.listen import ingest, removal, review, watch_store
from buzzstock.listen.api_models import (
    Alert,
    IngestReport,
    MentionBatchSummary,
    MentionsRemoved,
    SavedWatchList,
    Trend,
    TrendWithDetail,
    WatchListSaved,
)
from buzzstock.listen.watchlist import WatchList

router = APIRouter(prefix="/api/v1", tags=["listen"])

STAFF = ("admin", "operator")
MAX_BATCH = 2000


class MentionBatch(Body):
    mentions: list[dict[str, Any]] = Field(
        min_length=1,
        max_length=MAX_BATCH,
        description="Canonical mentions (docs/listen.md): platform, post_id, author_id, "
        "created_at (with a UTC offset) and text are required.",
    )


class ReviewNote(Body):
    note: str | None = Field(None, max_length=2000)


class Dismissal(Body):
    reason: str = Field(min_length=1, max_length=2000, description="L-6: why (kept).")


class WatchListBody(Body):
    product_keywords: list[str] = Field(default_factory=list, max_length=200)
    competitor_keywords: list[str] = Field(default_factory=list, max_length=200)
    category_keywords: list[str] = Field(default_factory=list, max_length=200)
    scene_emotion: list[tuple[str, str]] = Field(default_factory=list, max_length=200)


@router.post("/mentions", response_model=IngestReport)
def push_mentions(ctx: Ctx, caller: Caller, batch: MentionBatch) -> dict[str, Any]:
    """L-1: a batch of canonical mentions; a bad item (one dated in the future too) refuses the
    whole batch (problem+json listing every bad item by index) and stores nothing. The answer's
    ``batch`` id deletes the batch's new posts again."""
    caller.require(*STAFF)
    parsed = ingest.mentions_from_records(batch.mentions, ingest.latest_allowed(ctx))
    return ingest.ingest(ctx, parsed, source=f"api:{caller.name}"[:80]).to_json()


@router.get("/mentions/batches", response_model=list[MentionBatchSummary])
def get_mention_batches(
    ctx: Ctx, caller: Caller, limit: int = Query(200, ge=1, le=1000)
) -> list[dict[str, Any]]:
    """L-1: import batches with stored mentions, newest first."""
    caller.require(*STAFF)
    return removal.list_batches(ctx, limit)


@router.delete("/mentions/batches/{batch_id}", response_model=MentionsRemoved)
def delete_mention_batch(
    ctx: Ctx, caller: Caller, batch_id: str = Path(max_length=40)
) -> dict[str, Any]:
    """L-1: delete every post an import batch first stored; the trends they fed are recomputed."""
    caller.require(*STAFF)
    return removal.delete_batch(ctx, batch_id).to_json()


@router.delete("/mentions/{platform}/{post_id:path}", response_model=MentionsRemoved)
def delete_mention(
    ctx: Ctx,
    caller: Caller,
    platform: str = Path(max_length=20),
    post_id: str = Path(max_length=300),
) -> dict[str, Any]:
    """L-1: delete one stored post (its snapshots and product links too); the trends it fed are
    recomputed. 404 when no such post is stored."""
    caller.require(*STAFF)
    return removal.delete_posts(ctx, [(platform, post_id)]).to_json()


@router.get("/trends", response_model=list[Trend])
def get_trends(ctx: Ctx, caller: Caller) -> list[dict[str, Any]]:
    caller.require(*STAFF)
    return review.list_trends(ctx)


@router.get("/trends/{sku}", response_model=TrendWithDetail)
def get_trend(ctx: Ctx, caller: Caller, sku: str) -> dict[str, Any]:
    caller.require(*STAFF)
    return review.get_trend(ctx, sku)


@router.get("/alerts", response_model=list[Alert])
def get_alerts(
    ctx: Ctx,
    caller: Caller,
    state: str | None = Query(None, description="new, acknowledged or dismissed"),
    sku: str | None = None,
    type_: str | None = Query(None, alias="type"),
    limit: int = Query(200, ge=1, le=1000),
) -> list[dict[str, Any]]:
    """L-6: the review queue, newest first."""
    caller.require(*STAFF)
    return review.list_alerts(ctx, state=state, sku=sku, event_type=type_, limit=limit)


@router.post("/alerts/{alert_id}/acknowledge", response_model=Alert)
def acknowledge_alert(
    ctx: Ctx, caller: Caller, alert_id: str, body: ReviewNote | None = None
) -> dict[str, Any]:
    caller.require(*STAFF)
    return review.acknowledge(ctx, alert_id, caller.name, body.note if body else None)


@router.post("/alerts/{alert_id}/dismiss", response_model=Alert)
def dismiss_alert(ctx: Ctx, caller: Caller, alert_id: str, body: Dismissal) -> dict[str, Any]:
    caller.require(*STAFF)
    return review.dismiss(ctx, alert_id, body.reason, caller.name)


@router.get("/watchlists", response_model=list[SavedWatchList])
def get_watch_lists(ctx: Ctx, caller: Caller) -> list[dict[str, Any]]:
    caller.require(*STAFF)
    return [watch_store.watch_list_json(watch) for watch in watch_store.list_watch_lists(ctx)]


@router.put("/watchlists/{sku}", response_model=WatchListSaved)
def put_watch_list(ctx: Ctx, caller: Caller, sku: str, body: WatchListBody) -> dict[str, Any]:
    """L-2: set (replace) a catalogue SKU's watch list; stored mentions that match are linked
    and the SKU's trend is re-evaluated."""
    caller.require(*STAFF)
    watch = WatchList(
        product_id=sku,
        product_keywords=tuple(body.product_keywords),
        competitor_keywords=tuple(body.competitor_keywords),
        category_keywords=tuple(body.category_keywords),
        scene_emotion=tuple(body.scene_emotion),
    )
    report = watch_store.set_watch_lists(ctx, [watch])
    saved = next(item for item in watch_store.list_watch_lists(ctx) if item.product_id == sku)
    return {"watch_list": watch_store.watch_list_json(saved), **report.to_json()}


@router.delete("/watchlists/{sku}", status_code=204)
def delete_watch_list(ctx: Ctx, caller: Caller, sku: str) -> None:
    caller.require(*STAFF)
    watch_store.remove_watch_list(ctx, sku)
