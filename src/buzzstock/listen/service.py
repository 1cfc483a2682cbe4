"""The listening service: mentions in batches → stored (with snapshots) → the pipeline per
product → stored trend states, the alert review queue and outbox events for the decide capability.

Products are catalogue SKU codes. One batch is one transaction: a bad batch stores nothing, and
each alert, confirmation, decline, fake-heat warning and attribute-request count is recorded in the
outbox exactly once, however often the same posts are imported again.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from buzzstock.catalog.store import skus
from buzzstock.core.clock import as_utc
from buzzstock.core.context import Context
from buzzstock.core.db import reading
from buzzstock.core.errors import Conflict, InvalidInput, NotFound
from buzzstock.core.events import record_event
from buzzstock.core.ids import new_id
from buzzstock.listen.alerts import (
    FakeHeatSuspected,
    ListenEvent,
    TrendAlertRaised,
    TrendConfirmed,
    TrendDeclining,
)
from buzzstock.listen.engine import Pipeline, TrendState
from buzzstock.listen.mention import (
    COUNTER_FIELDS,
    ColumnMapping,
    ImportResult,
    LineError,
    Mention,
    mention_from_record,
    parse_file_text,
)
from buzzstock.listen.settings import ListenSettings
from buzzstock.listen.store import (
    alerts,
    attribute_requests,
    mention_products,
    mention_snapshots,
    mentions,
    trends,
    watch_lists,
)
from buzzstock.listen.watchlist import Matcher, WatchList, watch_lists_from_json

HOUR = timedelta(hours=1)
CHUNK = 400
ALERT_STATES = ("new", "acknowledged", "dismissed")
ATTRIBUTE_REQUESTS = "AttributeRequests"


class BadMentions(InvalidInput):
    """L-1: a file or batch with bad rows; nothing of it was stored."""

    slug = "invalid-mentions"
    title = "Some mentions are not valid; nothing was imported"


@dataclass(frozen=True, slots=True)
class RecordedEvent:
    """One event listen recorded in the outbox during an import."""

    event_type: str
    sku: str
    at: datetime
    event_id: str
    alert_id: str | None
    payload: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "type": self.event_type,
            "sku": self.sku,
            "at": self.at.isoformat(),
            "event_id": self.event_id,
            "alert_id": self.alert_id,
            "payload": self.payload,
        }


@dataclass(frozen=True, slots=True)
class IngestReport:
    """What one batch did: new posts, new snapshots of known posts, and the events it raised."""

    received: int
    new: int
    updated: int
    unmatched: int
    products: tuple[str, ...]
    events: tuple[RecordedEvent, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return {
            "received": self.received,
            "new": self.new,
            "updated": self.updated,
            "unmatched": self.unmatched,
            "products": list(self.products),
            "events": [event.to_json() for event in self.events],
        }


# --- parsing ----------------------------------------------------------------------------------


def _refuse(errors: Sequence[LineError], where: str, unit: str) -> BadMentions:
    return BadMentions(
        f"{where}: {len(errors)} bad {unit}(s); nothing imported: "
        + "; ".join(f"{unit} {error.line}: {error.message}" for error in errors[:5]),
        rule="L-1",
        errors=[{unit: error.line, "message": error.message} for error in errors],
    )


def parse_or_refuse(name: str, text: str, mapping: ColumnMapping | None = None) -> list[Mention]:
    """L-1: the file's mentions, or BadMentions listing every bad line (1-based)."""
    result: ImportResult = parse_file_text(name, text, mapping)
    if not result.ok:
        raise _refuse(result.errors, name, "line")
    return list(result.mentions)


def mentions_from_records(records: Sequence[Mapping[str, Any]]) -> list[Mention]:
    """L-1: canonical mention objects (as pushed to the API), or BadMentions naming each bad item
    by its 0-based index. Within a batch the last copy of a post wins."""
    found: dict[tuple[str, str], Mention] = {}
    errors: list[LineError] = []
    for index, record in enumerate(records):
        try:
            mention = mention_from_record(record, ColumnMapping())
        except ValueError as error:
            errors.append(LineError(index, str(error)))
            continue
        found[mention.key] = mention
    if errors:
        raise _refuse(errors, "mentions", "index")
    return list(found.values())


# --- watch lists --------------------------------------------------------------------------------


def _clean(terms: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for term in terms:
        if term.strip():
            seen.setdefault(term.strip(), None)
    return list(seen)


def _require_sku(connection: Connection, sku: str) -> None:
    if connection.execute(select(skus.c.code).where(skus.c.code == sku)).first() is None:
        raise NotFound(
            f"{sku!r} is not a catalogue SKU code; watch lists are kept per catalogue SKU so "
            "that trends reach purchasing (load it with `buzzstock catalog load`)",
            rule="L-2",
        )


def _save_watch_list(connection: Connection, watch: WatchList, now: datetime) -> None:
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


def _load_watch_lists(connection: Connection) -> list[WatchList]:
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
            _save_watch_list(connection, watch, now)
        affected = _link_stored_mentions(connection, lists)
        recorded = _evaluate_products(connection, ctx, sorted(affected), now)
    return IngestReport(0, 0, 0, 0, tuple(sorted(affected)), tuple(recorded))


def remove_watch_list(ctx: Context, sku: str) -> None:
    """L-2: stop matching new mentions for ``sku`` (stored mentions and trends are kept)."""
    with ctx.engine.begin() as connection:
        removed = connection.execute(delete(watch_lists).where(watch_lists.c.sku == sku))
    if removed.rowcount == 0:
        raise NotFound(f"no watch list for {sku!r}")


def list_watch_lists(ctx: Context) -> list[WatchList]:
    with reading(ctx.engine) as connection:
        return _load_watch_lists(connection)


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


# --- ingest -------------------------------------------------------------------------------------


def import_file(
    ctx: Context,
    name: str,
    text: str,
    mapping: ColumnMapping | None = None,
    watch: Sequence[WatchList] = (),
) -> IngestReport:
    """L-1: import a JSONL/CSV export (and optionally its watch lists); a bad file imports
    nothing and BadMentions lists every bad line."""
    return ingest(
        ctx, parse_or_refuse(name, text, mapping), source=f"file:{name}"[:80], watch=watch
    )


def ingest(
    ctx: Context,
    batch: Sequence[Mention],
    *,
    source: str = "api",
    watch: Sequence[WatchList] = (),
) -> IngestReport:
    """L-1 … L-10 for one batch, in one transaction.

    Known posts get their counters updated and a snapshot row; new posts are matched to products
    (their own ``products`` or the stored watch lists), then every product the batch touched is
    re-evaluated over all its stored mentions and its new events are recorded.
    """
    now = ctx.clock.now()
    latest: dict[tuple[str, str], Mention] = {}
    for mention in batch:
        latest[mention.key] = mention
    with ctx.engine.begin() as connection:
        for watch_list in watch:
            _save_watch_list(connection, watch_list, now)
        matcher = Matcher(_load_watch_lists(connection))
        new, updated, unmatched, affected = _store(
            connection, list(latest.values()), matcher, source, now
        )
        recorded = _evaluate_products(connection, ctx, sorted(affected), now)
    return IngestReport(
        received=len(batch),
        new=new,
        updated=updated,
        unmatched=unmatched,
        products=tuple(sorted(affected)),
        events=tuple(recorded),
    )


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


def _row(mention: Mention, source: str, now: datetime) -> dict[str, Any]:
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
    }


def _store(
    connection: Connection,
    batch: Sequence[Mention],
    matcher: Matcher,
    source: str,
    now: datetime,
) -> tuple[int, int, int, set[str]]:
    """L-1: one row per post, one snapshot row per fetch, product links; never a duplicate."""
    existing = _existing_ids(connection, [mention.key for mention in batch])
    fresh = [mention for mention in batch if mention.key not in existing]
    known = [mention for mention in batch if mention.key in existing]
    for chunk in _chunks(fresh):
        connection.execute(insert(mentions), [_row(mention, source, now) for mention in chunk])
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


# --- evaluation ----------------------------------------------------------------------------


def _mention(row: Any, sku: str) -> Mention:
    return Mention(
        platform=row.platform,
        post_id=row.post_id,
        author_id=row.author_id,
        created_at=as_utc(row.created_at),
        text=row.text,
        author_followers=int(row.author_followers),
        language=row.language,
        hashtags=tuple(row.hashtags or ()),
        views=int(row.views),
        likes=int(row.likes),
        comments=int(row.comments),
        shares=int(row.shares),
        saves=int(row.saves),
        wishlist_adds=int(row.wishlist_adds),
        preorders=int(row.preorders),
        ad_disclosed=bool(row.ad_disclosed),
        device_hint=row.device_hint,
        ip_hint=row.ip_hint,
        author_created_at=as_utc(row.author_created_at) if row.author_created_at else None,
        ai_generated=bool(row.ai_generated),
        products=(sku,),
    )


def _product_mentions(connection: Connection, sku: str) -> list[Mention]:
    query = (
        select(mentions)
        .join(mention_products, mention_products.c.mention_id == mentions.c.id)
        .where(mention_products.c.sku == sku)
        .order_by(mentions.c.created_at, mentions.c.platform, mentions.c.post_id)
    )
    return [_mention(row, sku) for row in connection.execute(query)]


def _evaluate_products(
    connection: Connection, ctx: Context, products: Sequence[str], now: datetime
) -> list[RecordedEvent]:
    """Re-evaluate ``products``, each with its category's listen settings (L-5 thresholds are
    per category), up to the newest mention stored."""
    newest = connection.execute(select(func.max(mentions.c.created_at))).scalar()
    if newest is None or not products:
        return []
    as_of = as_utc(newest)
    categories = {
        row.code: str(row.category)
        for row in connection.execute(
            select(skus.c.code, skus.c.category).where(skus.c.code.in_(list(products)))
        )
    }
    recorded: list[RecordedEvent] = []
    for sku in products:
        settings = ctx.settings_for(category=categories.get(sku)).listen
        recorded.extend(_evaluate(connection, settings, sku, as_of, now))
    return recorded


def _evaluate(
    connection: Connection, settings: ListenSettings, sku: str, as_of: datetime, now: datetime
) -> list[RecordedEvent]:
    """Run the pipeline over the product's stored mentions up to ``as_of`` (the newest mention
    stored); events after the previous evaluation's ``as_of`` are new and recorded once."""
    product_mentions = _product_mentions(connection, sku)
    if not product_mentions:
        return []
    previous = connection.execute(select(trends.c.as_of).where(trends.c.sku == sku)).scalar()
    evaluated_until = as_utc(previous) if previous is not None else None
    pipeline = Pipeline(settings)
    recorded: list[RecordedEvent] = []

    def handle(events: Sequence[ListenEvent]) -> None:
        for event in events:
            if evaluated_until is not None and event.at <= evaluated_until:
                continue
            state = _state_of(pipeline, sku)
            payload = event_payload(event, state, product_mentions, settings)
            found = _record_alert(connection, sku, event, payload, now)
            if found is not None:
                recorded.append(found)

    def close_hours_until(moment: datetime) -> None:
        while pipeline.hour_start is not None and pipeline.hour_start + HOUR <= moment:
            handle(pipeline.advance_to(pipeline.hour_start + HOUR))

    for mention in product_mentions:
        close_hours_until(mention.created_at.replace(minute=0, second=0, microsecond=0))
        handle(pipeline.ingest(mention))
    close_hours_until(as_of)
    state = _state_of(pipeline, sku, with_forecast=True)
    if state is not None:
        _save_trend(connection, state, as_of, len(product_mentions), now)
        attribute_event = _attribute_requests(connection, sku, state.attributes, as_of, now)
        if attribute_event is not None:
            recorded.append(attribute_event)
    return recorded


def _state_of(pipeline: Pipeline, sku: str, with_forecast: bool = False) -> TrendState | None:
    for state in pipeline.trend_states(with_forecast=with_forecast):
        if state.product_id == sku:
            return state
    return None


def event_payload(
    event: ListenEvent,
    state: TrendState | None,
    product_mentions: Sequence[Mention],
    settings: ListenSettings,
) -> dict[str, Any]:
    """The outbox payload of a listen event: the pipeline's fields plus what decide reads
    (``sku`` = the catalogue SKU code, ``platforms``, ``positive_share``, ``growth_percent``,
    ``cross_platform_verified``, ``validation_demand``)."""
    payload = {"sku": event.product_id, **event.payload()}
    if isinstance(event, TrendAlertRaised):
        payload["platforms"] = list(event.platforms_rising)
        payload["growth_percent"] = round(event.growth * 100, 1)
    if isinstance(event, TrendConfirmed) and state is not None:
        platforms = list(state.metrics.platforms_rising)
        preorders = sum(
            mention.preorders
            for mention in product_mentions
            if event.alert_since <= mention.created_at < event.at
        )
        payload.update(
            {
                "positive_share": round(float(state.metrics.positive_share), 4),
                "platforms": platforms,
                "platforms_rising": platforms,
                "cross_platform_verified": len(platforms) >= settings.red_min_platforms,
                "growth": round(float(state.growth), 4),
                "growth_percent": round(float(state.growth) * 100, 1),
                "phase": state.phase.value,
                "layers": {
                    "content": state.metrics.layers.content,
                    "discussion": state.metrics.layers.discussion,
                    "transaction": state.metrics.layers.transaction,
                },
            }
        )
        if preorders > 0:
            payload["validation_demand"] = preorders
    if isinstance(event, TrendDeclining | FakeHeatSuspected) and state is not None:
        payload["positive_share"] = round(float(state.metrics.positive_share), 4)
        payload["platforms"] = list(state.metrics.platforms_rising)
    return payload


def _record_alert(
    connection: Connection,
    sku: str,
    event: ListenEvent,
    payload: dict[str, Any],
    now: datetime,
) -> RecordedEvent | None:
    """L-6: a new alert for the review queue, and its outbox event; None when already known."""
    known = connection.execute(
        select(alerts.c.id).where(
            alerts.c.sku == sku, alerts.c.event_type == event.event_type, alerts.c.at == event.at
        )
    ).first()
    if known is not None:
        return None
    event_id = record_event(connection, event.event_type, payload, event.at)
    alert_id = new_id("alr")
    tier = payload.get("tier")
    connection.execute(
        insert(alerts).values(
            id=alert_id,
            sku=sku,
            event_type=event.event_type,
            tier=tier if isinstance(tier, str) else None,
            at=event.at,
            payload=payload,
            event_id=event_id,
            state="new",
            created_at=now,
        )
    )
    return RecordedEvent(event.event_type, sku, event.at, event_id, alert_id, payload)


def _save_trend(
    connection: Connection, state: TrendState, as_of: datetime, count: int, now: datetime
) -> None:
    values = {
        "as_of": as_of,
        "heat": round(float(state.heat), 1),
        "tier": state.tier,
        "phase": state.phase.value,
        "confirmed": state.confirmed,
        "alert_since": state.alert_since,
        "growth": round(float(state.growth), 4),
        "positive_share": round(float(state.metrics.positive_share), 4),
        "platforms_rising": list(state.metrics.platforms_rising),
        "fake_heat_probability": round(float(state.fake_heat.probability), 4),
        "daily": [round(float(value), 1) for value in state.daily],
        "forecast": state.forecast.to_json() if state.forecast else None,
        "detail": state.to_json(),
        "mentions": count,
        "updated_at": now,
    }
    exists = connection.execute(select(trends.c.sku).where(trends.c.sku == state.product_id))
    if exists.first() is None:
        connection.execute(insert(trends).values(sku=state.product_id, **values))
    else:
        connection.execute(update(trends).where(trends.c.sku == state.product_id).values(**values))


def _attribute_requests(
    connection: Connection, sku: str, counts: Mapping[str, int], as_of: datetime, now: datetime
) -> RecordedEvent | None:
    """L-10: record how often each attribute is asked for; the outbox event carries only the
    increase since the last report, so consumers that add the counts up never count one twice."""
    stored = {
        row.attribute: int(row.requests)
        for row in connection.execute(
            select(attribute_requests).where(attribute_requests.c.sku == sku)
        )
    }
    increase: dict[str, int] = {}
    for attribute, count in sorted(counts.items()):
        before = stored.get(attribute)
        if before is None:
            connection.execute(
                insert(attribute_requests).values(
                    sku=sku, attribute=attribute, requests=int(count), updated_at=now
                )
            )
        elif count > before:
            connection.execute(
                update(attribute_requests)
                .where(attribute_requests.c.sku == sku, attribute_requests.c.attribute == attribute)
                .values(requests=int(count), updated_at=now)
            )
        if count > (before or 0):
            increase[attribute] = int(count) - (before or 0)
    if not increase:
        return None
    totals = {**stored, **{name: max(stored.get(name, 0), int(n)) for name, n in counts.items()}}
    payload = {"sku": sku, "requests": increase, "totals": dict(sorted(totals.items()))}
    event_id = record_event(connection, ATTRIBUTE_REQUESTS, payload, as_of)
    return RecordedEvent(ATTRIBUTE_REQUESTS, sku, as_of, event_id, None, payload)


# --- reading: trends, alerts, attribute requests ---------------------------------------------


def _trend_json(row: Any) -> dict[str, Any]:
    return {
        "sku": row.sku,
        "as_of": as_utc(row.as_of).isoformat(),
        "heat": row.heat,
        "tier": row.tier,
        "confirmed": bool(row.confirmed),
        "phase": row.phase,
        "alert_since": as_utc(row.alert_since).isoformat() if row.alert_since else None,
        "growth": row.growth,
        "positive_share": row.positive_share,
        "platforms_rising": list(row.platforms_rising),
        "spread": len(row.platforms_rising),
        "fake_heat_probability": row.fake_heat_probability,
        "daily": list(row.daily),
        "forecast": row.forecast,
        "mentions": row.mentions,
    }


def list_trends(ctx: Context) -> list[dict[str, Any]]:
    """Every product's current trend state, hottest first."""
    with reading(ctx.engine) as connection:
        rows = connection.execute(select(trends).order_by(trends.c.heat.desc(), trends.c.sku))
        return [_trend_json(row) for row in rows]


def get_trend(ctx: Context, sku: str) -> dict[str, Any]:
    """One product's trend state with its full detail and its attribute requests (L-10)."""
    with reading(ctx.engine) as connection:
        row = connection.execute(select(trends).where(trends.c.sku == sku)).first()
        if row is None:
            raise NotFound(f"no trend for {sku!r}: no stored mention matches it yet")
        requests = {
            item.attribute: int(item.requests)
            for item in connection.execute(
                select(attribute_requests)
                .where(attribute_requests.c.sku == sku)
                .order_by(attribute_requests.c.requests.desc(), attribute_requests.c.attribute)
            )
        }
    return {**_trend_json(row), "detail": row.detail, "attribute_requests": requests}


def _alert_json(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "sku": row.sku,
        "type": row.event_type,
        "tier": row.tier,
        "at": as_utc(row.at).isoformat(),
        "state": row.state,
        "reviewed_at": as_utc(row.reviewed_at).isoformat() if row.reviewed_at else None,
        "reviewed_by": row.reviewed_by,
        "note": row.note,
        "event_id": row.event_id,
        "payload": row.payload,
    }


def list_alerts(
    ctx: Context,
    state: str | None = None,
    sku: str | None = None,
    event_type: str | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    """L-6: the review queue (newest first); ``state`` is new, acknowledged or dismissed."""
    if state is not None and state not in ALERT_STATES:
        raise InvalidInput(f"unknown alert state {state!r}; use {', '.join(ALERT_STATES)}")
    query = select(alerts).order_by(alerts.c.at.desc(), alerts.c.id).limit(limit)
    if state is not None:
        query = query.where(alerts.c.state == state)
    if sku is not None:
        query = query.where(alerts.c.sku == sku)
    if event_type is not None:
        query = query.where(alerts.c.event_type == event_type)
    with reading(ctx.engine) as connection:
        return [_alert_json(row) for row in connection.execute(query)]


def _review(ctx: Context, alert_id: str, state: str, by: str, note: str | None) -> dict[str, Any]:
    with ctx.engine.begin() as connection:
        row = connection.execute(select(alerts).where(alerts.c.id == alert_id)).first()
        if row is None:
            raise NotFound(f"no alert {alert_id!r}")
        if row.state == state:
            return _alert_json(row)
        if row.state != "new":
            raise Conflict(
                f"alert {alert_id} was already {row.state}; a reviewed alert stays as reviewed",
                rule="L-6",
            )
        connection.execute(
            update(alerts)
            .where(alerts.c.id == alert_id)
            .values(state=state, reviewed_at=ctx.clock.now(), reviewed_by=by, note=note)
        )
        updated = connection.execute(select(alerts).where(alerts.c.id == alert_id)).one()
    return _alert_json(updated)


def acknowledge(ctx: Context, alert_id: str, by: str, note: str | None = None) -> dict[str, Any]:
    """L-6: a person has seen the alert and acts on it (idempotent)."""
    return _review(ctx, alert_id, "acknowledged", by, (note or "").strip() or None)


def dismiss(ctx: Context, alert_id: str, reason: str, by: str) -> dict[str, Any]:
    """L-6: a person judged the alert wrong or irrelevant; the reason is required and kept."""
    if not reason.strip():
        raise InvalidInput("say why the alert is dismissed (the reason is kept)", rule="L-6")
    return _review(ctx, alert_id, "dismissed", by, reason.strip())
