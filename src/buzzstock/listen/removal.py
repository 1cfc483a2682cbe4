"""L-1: deleting stored mentions, by post (platform + post id) or by the import batch that first
stored them, with the trends they fed recomputed in the same transaction.

A wrong import (a file from the wrong shop, a post dated in the future that froze a trend) is
undone without touching the database by hand; nothing is deleted when any named post or batch
is unknown.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, func, select

from buzzstock.core.clock import as_utc
from buzzstock.core.context import Context
from buzzstock.core.db import reading
from buzzstock.core.errors import InvalidInput, NotFound
from buzzstock.listen.evaluation import RecordedEvent, reevaluate_after_removal
from buzzstock.listen.mention import PLATFORMS
from buzzstock.listen.store import mention_products, mention_snapshots, mentions

CHUNK = 400


@dataclass(frozen=True, slots=True)
class RemovalReport:
    """What a deletion did: mentions deleted, products whose trend was recomputed, new events."""

    deleted: int
    products: tuple[str, ...]
    events: tuple[RecordedEvent, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "deleted": self.deleted,
            "products": list(self.products),
            "events": [event.to_json() for event in self.events],
        }


def parse_post(text: str) -> tuple[str, str]:
    """``PLATFORM:POST_ID`` (the post id may itself hold colons, as URLs do)."""
    platform, sep, post_id = text.strip().partition(":")
    if not sep or not platform or not post_id:
        raise InvalidInput(f"name a post as PLATFORM:POST_ID (e.g. tiktok:7301), not {text!r}")
    return check_platform(platform), post_id


def check_platform(platform: str) -> str:
    name = platform.strip().casefold()
    if name not in PLATFORMS:
        raise InvalidInput(
            f"unknown platform {platform!r}: mentions are stored under {', '.join(PLATFORMS)}",
            rule="L-1",
        )
    return name


def _chunks(items: Sequence[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(items), CHUNK):
        yield list(items[start : start + CHUNK])


def delete_posts(ctx: Context, posts: Sequence[tuple[str, str]]) -> RemovalReport:
    """L-1: delete the named posts (``(platform, post_id)``) with their snapshots and product
    links, then recompute the trends they fed. NotFound names every unknown post; then nothing
    is deleted."""
    if not posts:
        raise InvalidInput("name at least one post as PLATFORM:POST_ID")
    wanted = list(dict.fromkeys((check_platform(platform), post_id) for platform, post_id in posts))
    with ctx.engine.begin() as connection:
        found: dict[tuple[str, str], int] = {}
        for platform in sorted({platform for platform, _ in wanted}):
            ids = [post_id for name, post_id in wanted if name == platform]
            for chunk in _chunks(ids):
                for row in connection.execute(
                    select(mentions.c.id, mentions.c.post_id).where(
                        mentions.c.platform == platform, mentions.c.post_id.in_(chunk)
                    )
                ):
                    found[(platform, str(row.post_id))] = int(row.id)
        missing = [
            f"{platform}:{post_id}"
            for platform, post_id in wanted
            if (platform, post_id) not in found
        ]
        if missing:
            raise NotFound(f"no stored mention {', '.join(missing)}; nothing deleted", rule="L-1")
        return _remove(connection, ctx, sorted(found.values()))


def delete_batch(ctx: Context, batch_id: str) -> RemovalReport:
    """L-1: delete every post the import batch ``batch_id`` first stored (posts it only gave a
    new snapshot keep it), then recompute the trends they fed."""
    with ctx.engine.begin() as connection:
        ids = [
            int(mention_id)
            for mention_id in connection.execute(
                select(mentions.c.id).where(mentions.c.batch_id == batch_id)
            ).scalars()
        ]
        if not ids:
            raise NotFound(
                f"no import batch {batch_id!r} with stored mentions (see `buzzstock listen "
                "batches` or GET /api/v1/mentions/batches); nothing deleted",
                rule="L-1",
            )
        return _remove(connection, ctx, ids)


def list_batches(ctx: Context, limit: int = 200) -> list[dict[str, Any]]:
    """L-1: import batches with stored mentions, newest first: id, source, when, how many."""
    query = (
        select(
            mentions.c.batch_id,
            func.min(mentions.c.source).label("source"),
            func.min(mentions.c.first_seen_at).label("imported_at"),
            func.count().label("mentions"),
        )
        .where(mentions.c.batch_id.is_not(None))
        .group_by(mentions.c.batch_id)
        .order_by(func.min(mentions.c.first_seen_at).desc(), mentions.c.batch_id)
        .limit(limit)
    )
    with reading(ctx.engine) as connection:
        return [
            {
                "batch": row.batch_id,
                "source": row.source,
                "imported_at": as_utc(row.imported_at).isoformat(),
                "mentions": int(row.mentions),
            }
            for row in connection.execute(query)
        ]


def _remove(connection: Connection, ctx: Context, ids: Sequence[int]) -> RemovalReport:
    products: set[str] = set()
    for chunk in _chunks(ids):
        products.update(
            str(sku)
            for sku in connection.execute(
                select(mention_products.c.sku).where(mention_products.c.mention_id.in_(chunk))
            ).scalars()
        )
        connection.execute(delete(mention_products).where(mention_products.c.mention_id.in_(chunk)))
        connection.execute(
            delete(mention_snapshots).where(mention_snapshots.c.mention_id.in_(chunk))
        )
        connection.execute(delete(mentions).where(mentions.c.id.in_(chunk)))
    recomputed, events = reevaluate_after_removal(
        connection, ctx, sorted(products), ctx.clock.now()
    )
    return RemovalReport(deleted=len(ids), products=tuple(recomputed), events=tuple(events))
