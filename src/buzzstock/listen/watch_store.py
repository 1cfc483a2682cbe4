"""Watch lists kept per catalogue SKU (L-2): saving, reading and removing them, and linking the
stored mentions a new watch list matches so that their products are re-evaluated."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from buzzstock.catalog.service import sku_exists
from buzzstock.core.context import Context
from buzzstock.core.db import reading
from buzzstock.core.errors import InvalidInput, NotFound
from buzzstock.listen.evaluation import IngestReport, evaluate_products
from buzzstock.listen.store import mention_products, mentions, watch_lists
from buzzstock.listen.watchlist import Matcher, WatchList, watch_lists_from_json


def _clean(terms: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for term in terms:
        if term.strip():
            seen.setdefault(term.strip(), None)
    return list(seen)


def _require_sku(connection: Connection, sku: str) -> None:
    if not sku_exists(connection, sku):
        raise NotFound(
            f"{sku!r} is not a catalogue SKU code; watch lists are kept per catalogue SKU so "
            "that trends reach purchasing (load it with `buzzstock catalog load`)",
            rule="L-2",
        )


def save_watch_list(connection: Connection, watch: WatchList, now: datetime) -> None:
    _require_sku(connection, watch.product_id)
    pairs = [[scene.strip(), emotion.strip()] for scene, emotion in watch.scene_emotion]
    if not _clean(watch.product_keywords) and not pairs:
        raise InvalidInput(
            f"the watch list of {watch.product_id} needs at least one product keyword or "
            "scene + emotion pair (competitor and category words alone do not count as heat)",
            rule="L-2",
        )
    if any(not scene or not emotion for scene, emotion in pairs):
        raise InvalidInput("a scene + emotion pair needs both words", rule="L-2")
    values = {
        "product_keywords": _clean(watch.product_keywords),
        "competitor_keywords": _clean(watch.competitor_keywords),
        "category_keywords": _clean(watch.category_keywords),
        "scene_emotion": pairs,
        "updated_at": now,
    }
    exists = connection.execute(
        select(watch_lists.c.sku).where(watch_lists.c.sku == watch.product_id)
    ).first()
    if exists is None:
        connection.execute(insert(watch_lists).values(sku=watch.product_id, **values))
    else:
        connection.execute(
            update(watch_lists).where(watch_lists.c.sku == watch.product_id).values(**values)
        )


def _watch_list(row: Any) -> WatchList:
    return WatchList(
        product_id=row.sku,
        product_keywords=tuple(row.product_keywords),
        competitor_keywords=tuple(row.competitor_keywords),
        category_keywords=tuple(row.category_keywords),
        scene_emotion=tuple((str(pair[0]), str(pair[1])) for pair in row.scene_emotion),
    )


def load_watch_lists(connection: Connection) -> list[WatchList]:
    return [
        _watch_list(row)
        for row in connection.execute(select(watch_lists).order_by(watch_lists.c.sku))
    ]


def watch_list_json(watch: WatchList) -> dict[str, Any]:
    return {
        "sku": watch.product_id,
        "product_keywords": list(watch.product_keywords),
        "competitor_keywords": list(watch.competitor_keywords),
        "category_keywords": list(watch.category_keywords),
        "scene_emotion": [list(pair) for pair in watch.scene_emotion],
    }


def read_watch_lists(data: Any) -> list[WatchList]:
    """Watch lists from JSON (a list of objects naming the SKU as ``sku`` or ``product_id``)."""
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise InvalidInput("a watch-list file is a JSON list of objects", rule="L-2")
    items = []
    for number, item in enumerate(data, start=1):
        sku = item.get("sku", item.get("product_id"))
        if not isinstance(sku, str) or not sku.strip():
            raise InvalidInput(f"watch list {number} names no sku", rule="L-2")
        items.append({**item, "product_id": sku.strip()})
    return watch_lists_from_json(items)


def set_watch_lists(ctx: Context, lists: Sequence[WatchList]) -> IngestReport:
    """L-2: save watch lists (per catalogue SKU), link stored mentions that match them and
    re-evaluate those products; one transaction."""
    now = ctx.clock.now()
    with ctx.engine.begin() as connection:
        for watch in lists:
            save_watch_list(connection, watch, now)
        affected = _link_stored_mentions(connection, lists)
        recorded = evaluate_products(connection, ctx, sorted(affected), now)
    return IngestReport(0, 0, 0, 0, tuple(sorted(affected)), tuple(recorded))


def remove_watch_list(ctx: Context, sku: str) -> None:
    """L-2: stop matching new mentions for ``sku`` (stored mentions and trends are kept)."""
    with ctx.engine.begin() as connection:
        removed = connection.execute(delete(watch_lists).where(watch_lists.c.sku == sku))
    if removed.rowcount == 0:
        raise NotFound(f"no watch list for {sku!r}")


def list_watch_lists(ctx: Context) -> list[WatchList]:
    with reading(ctx.engine) as connection:
        return load_watch_lists(connection)


def _link_stored_mentions(connection: Connection, lists: Sequence[WatchList]) -> set[str]:
    matcher = Matcher(lists)
    affected: set[str] = set()
    linked = {
        (row.mention_id, row.sku)
        for row in connection.execute(
            select(mention_products.c.mention_id, mention_products.c.sku).where(
                mention_products.c.sku.in_([watch.product_id for watch in lists])
            )
        )
    }
    links = []
    for row in connection.execute(select(mentions.c.id, mentions.c.text)):
        for sku in matcher.products(row.text):
            if (row.id, sku) not in linked:
                links.append({"mention_id": row.id, "sku": sku})
                affected.add(sku)
    if links:
        connection.execute(insert(mention_products), links)
    return affected
