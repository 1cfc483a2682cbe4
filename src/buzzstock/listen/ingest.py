"""Mention ingest (L-1): files and pushed batches → stored mentions (one row per post, one
snapshot per fetch) linked to their products, then those products re-evaluated.

Products are catalogue SKU codes. One batch is one transaction: a bad batch stores nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, insert, select, update

from buzzstock.core.context import Context
from buzzstock.core.errors import InvalidInput
from buzzstock.core.ids import new_id
from buzzstock.listen.evaluation import IngestReport, evaluate_products
from buzzstock.listen.mention import (
    COUNTER_FIELDS,
    ColumnMapping,
    ImportResult,
    LineError,
    Mention,
    check_not_after,
    mention_from_record,
    parse_file_text,
)
from buzzstock.listen.settings import ListenSettings
from buzzstock.listen.store import mention_products, mention_snapshots, mentions
from buzzstock.listen.watch_store import load_watch_lists, save_watch_list
from buzzstock.listen.watchlist import Matcher, WatchList

CHUNK = 400


class BadMentions(InvalidInput):
    """L-1: a file or batch with bad rows; nothing of it was stored."""

    slug = "invalid-mentions"
    title = "Some mentions are not valid; nothing was imported"


# --- parsing ----------------------------------------------------------------------------------


def _refuse(errors: Sequence[LineError], where: str, unit: str) -> BadMentions:
    return BadMentions(
        f"{where}: {len(errors)} bad {unit}(s); nothing imported: "
        + "; ".join(f"{unit} {error.line}: {error.message}" for error in errors[:5]),
        rule="L-1",
        errors=[{unit: error.line, "message": error.message} for error in errors],
    )


def latest_allowed(ctx: Context) -> datetime:
    """L-1: the latest time a mention may carry: now plus ``listen.max_future_skew_seconds``."""
    skew = ctx.section(ListenSettings).max_future_skew_seconds
    return ctx.clock.now() + timedelta(seconds=skew)


def parse_or_refuse(
    name: str,
    text: str | Iterable[str],
    mapping: ColumnMapping | None = None,
    not_after: datetime | None = None,
) -> list[Mention]:
    """L-1: the file's mentions, or BadMentions listing every bad line (1-based)."""
    result: ImportResult = parse_file_text(name, text, mapping, not_after)
    if not result.ok:
        raise _refuse(result.errors, name, "line")
    return list(result.mentions)


def mentions_from_records(
    records: Sequence[Mapping[str, Any]], not_after: datetime | None = None
) -> list[Mention]:
    """L-1: canonical mention objects (as pushed to the API), or BadMentions naming each bad item
    by its 0-based index (one dated after ``not_after`` too). Within a batch the last copy of a
    post wins."""
    found: dict[tuple[str, str], Mention] = {}
    errors: list[LineError] = []
    for index, record in enumerate(records):
        try:
            mention = mention_from_record(record, ColumnMapping(), not_after)
        except ValueError as error:
            errors.append(LineError(index, str(error)))
            continue
        found[mention.key] = mention
    if errors:
        raise _refuse(errors, "mentions", "index")
    return list(found.values())


# --- ingest -------------------------------------------------------------------------------------


def import_file(
    ctx: Context,
    name: str,
    text: str | Iterable[str],
    mapping: ColumnMapping | None = None,
    watch: Sequence[WatchList] = (),
) -> IngestReport:
    """L-1: import a JSONL/CSV export (its text, or its lines as ``core.textfiles`` streams
    them) and optionally its watch lists; a bad file imports nothing and BadMentions lists
    every bad line."""
    parsed = parse_or_refuse(name, text, mapping, latest_allowed(ctx))
    return ingest(ctx, parsed, source=f"file:{name}"[:80], watch=watch)


def ingest(
    ctx: Context,
    batch: Sequence[Mention],
    *,
    source: str = "api",
    watch: Sequence[WatchList] = (),
) -> IngestReport:
    """L-1 … L-10 for one batch, in one transaction.

    Known posts get their counters updated and a snapshot row; new posts are matched to products
    (their own ``products`` or the stored watch lists) and remember the batch's id, then every
    product the batch touched is re-evaluated over all its stored mentions and its new events are
    recorded. A mention dated after ``latest_allowed`` refuses the batch (BadMentions by index).
    """
    now = ctx.clock.now()
    _refuse_the_future(batch, latest_allowed(ctx))
    batch_id = new_id("imp")
    latest: dict[tuple[str, str], Mention] = {}
    for mention in batch:
        latest[mention.key] = mention
    with ctx.engine.begin() as connection:
        for watch_list in watch:
            save_watch_list(connection, watch_list, now)
        matcher = Matcher(load_watch_lists(connection))
        new, updated, unmatched, affected = _store(
            connection, list(latest.values()), matcher, source, now, batch_id
        )
        recorded = evaluate_products(connection, ctx, sorted(affected), now)
    return IngestReport(
        received=len(batch),
        new=new,
        updated=updated,
        unmatched=unmatched,
        products=tuple(sorted(affected)),
        events=tuple(recorded),
        batch=batch_id if new else None,
    )


def _refuse_the_future(batch: Sequence[Mention], not_after: datetime) -> None:
    """L-1: the last guard for sources that build mentions themselves (the pull connectors)."""
    errors: list[LineError] = []
    for index, mention in enumerate(batch):
        try:
            check_not_after("created_at", mention.created_at, not_after)
            if mention.author_created_at is not None:
                check_not_after("author_created_at", mention.author_created_at, not_after)
        except ValueError as error:
            errors.append(LineError(index, f"{mention.platform}:{mention.post_id}: {error}"))
    if errors:
        raise _refuse(errors, "mentions", "index")


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _existing_ids(connection: Connection, keys: Sequence[tuple[str, str]]) -> dict[Any, int]:
    by_platform: dict[str, list[str]] = {}
    for platform, post_id in keys:
        by_platform.setdefault(platform, []).append(post_id)
    found: dict[Any, int] = {}
    for platform, post_ids in by_platform.items():
        for chunk in _chunks(post_ids):
            for row in connection.execute(
                select(mentions.c.id, mentions.c.post_id).where(
                    mentions.c.platform == platform, mentions.c.post_id.in_(list(chunk))
                )
            ):
                found[(platform, row.post_id)] = int(row.id)
    return found


def _row(mention: Mention, source: str, now: datetime, batch_id: str) -> dict[str, Any]:
    return {
        "platform": mention.platform,
        "post_id": mention.post_id,
        "author_id": mention.author_id,
        "author_followers": mention.author_followers,
        "created_at": mention.created_at,
        "text": mention.text,
        "language": mention.language,
        "hashtags": list(mention.hashtags),
        **{name: getattr(mention, name) for name in COUNTER_FIELDS},
        "ad_disclosed": mention.ad_disclosed,
        "device_hint": mention.device_hint,
        "ip_hint": mention.ip_hint,
        "author_created_at": mention.author_created_at,
        "ai_generated": mention.ai_generated,
        "source": source,
        "first_seen_at": now,
        "last_seen_at": now,
        "snapshots": 1,
        "batch_id": batch_id,
    }


def _store(
    connection: Connection,
    batch: Sequence[Mention],
    matcher: Matcher,
    source: str,
    now: datetime,
    batch_id: str,
) -> tuple[int, int, int, set[str]]:
    """L-1: one row per post, one snapshot row per fetch, product links; never a duplicate."""
    existing = _existing_ids(connection, [mention.key for mention in batch])
    fresh = [mention for mention in batch if mention.key not in existing]
    known = [mention for mention in batch if mention.key in existing]
    for chunk in _chunks(fresh):
        connection.execute(
            insert(mentions), [_row(mention, source, now, batch_id) for mention in chunk]
        )
    ids = {**existing, **_existing_ids(connection, [mention.key for mention in fresh])}
    for mention in known:
        connection.execute(
            update(mentions)
            .where(mentions.c.id == ids[mention.key])
            .values(
                last_seen_at=now,
                snapshots=mentions.c.snapshots + 1,
                **{name: getattr(mention, name) for name in COUNTER_FIELDS},
            )
        )
    snapshot_rows = [
        {
            "mention_id": ids[mention.key],
            "fetched_at": now,
            **{name: getattr(mention, name) for name in COUNTER_FIELDS},
        }
        for mention in batch
    ]
    for chunk in _chunks(snapshot_rows):
        connection.execute(insert(mention_snapshots), list(chunk))
    linked: set[tuple[int, str]] = set()
    known_ids = [ids[mention.key] for mention in known]
    for chunk in _chunks(known_ids):
        linked.update(
            (int(row.mention_id), str(row.sku))
            for row in connection.execute(
                select(mention_products.c.mention_id, mention_products.c.sku).where(
                    mention_products.c.mention_id.in_(list(chunk))
                )
            )
        )
    links: list[dict[str, Any]] = []
    affected: set[str] = set()
    unmatched = 0
    for mention in batch:
        products = tuple(product.strip() for product in mention.products if product.strip())
        products = products or matcher.products(mention.text)
        if not products:
            unmatched += 1
        mention_id = ids[mention.key]
        for sku in dict.fromkeys(products):
            affected.add(sku)
            if (mention_id, sku) not in linked:
                linked.add((mention_id, sku))
                links.append({"mention_id": mention_id, "sku": sku})
    for chunk in _chunks(links):
        connection.execute(insert(mention_products), list(chunk))
    return len(fresh), len(known), unmatched, affected
