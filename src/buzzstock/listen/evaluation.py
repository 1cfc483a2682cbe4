"""Trend evaluation and its events: a product's stored mentions → the pipeline → its stored
trend state, new alerts for the review queue and outbox events for the decide capability.

Each alert, confirmation, decline, fake-heat warning and attribute-request count is recorded in the
outbox exactly once, however often the same posts are imported again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from buzzstock.catalog.service import sku_categories
from buzzstock.core.clock import as_utc
from buzzstock.core.context import Context
from buzzstock.core.events import record
from buzzstock.core.ids import new_id
from buzzstock.listen.engine import Pipeline, TrendState
from buzzstock.listen.events import AttributeRequests, ListenEvent
from buzzstock.listen.mention import Mention
from buzzstock.listen.settings import ListenSettings
from buzzstock.listen.store import alerts, attribute_requests, mention_products, mentions, trends

HOUR = timedelta(hours=1)


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
    batch: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "batch": self.batch,
            "received": self.received,
            "new": self.new,
            "updated": self.updated,
            "unmatched": self.unmatched,
            "products": list(self.products),
            "events": [event.to_json() for event in self.events],
        }


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


def evaluate_products(
    connection: Connection, ctx: Context, products: Sequence[str], now: datetime
) -> list[RecordedEvent]:
    """Re-evaluate ``products``, each with its category's listen settings (L-5 thresholds are
    per category), up to the newest mention stored."""
    newest = connection.execute(select(func.max(mentions.c.created_at))).scalar()
    if newest is None or not products:
        return []
    as_of = as_utc(newest)
    categories = sku_categories(connection, products)
    recorded: list[RecordedEvent] = []
    for sku in products:
        settings = ctx.section(ListenSettings, category=categories.get(sku))
        recorded.extend(_evaluate(connection, settings, sku, as_of, now))
    return recorded


REMOVED_BY = "buzzstock"
REMOVED_NOTE = "the mentions behind this alert were deleted"


def reevaluate_after_removal(
    connection: Connection, ctx: Context, products: Sequence[str], now: datetime
) -> tuple[list[str], list[RecordedEvent]]:
    """L-1/L-3: after mentions were deleted, recompute the trend of every product they were
    linked to, and of every product evaluated past the newest mention still stored (a post
    dated in the future carried every trend along to its date). Returns the products recomputed
    and the events that raised.

    A trend is evaluated again from its product's remaining mentions up to the newest one stored;
    what it had evaluated up to then already raised its events, so only later ones are new. A
    product left without mentions has no trend any more; alerts dated after the newest mention
    still stored are dismissed (the events they sent stay sent)."""
    newest = connection.execute(select(func.max(mentions.c.created_at))).scalar()
    stale_query = select(trends.c.sku)
    if newest is not None:
        stale_query = stale_query.where(trends.c.as_of > newest)
    stale = set(products) | {str(sku) for sku in connection.execute(stale_query).scalars()}
    if not stale:
        return [], []
    linked = {
        str(sku)
        for sku in connection.execute(
            select(mention_products.c.sku)
            .where(mention_products.c.sku.in_(sorted(stale)))
            .distinct()
        ).scalars()
    }
    connection.execute(delete(trends).where(trends.c.sku.in_(sorted(stale - linked))))
    if newest is not None:
        connection.execute(
            update(trends)
            .where(trends.c.sku.in_(sorted(linked)), trends.c.as_of > newest)
            .values(as_of=newest)
        )
        connection.execute(
            update(alerts)
            .where(alerts.c.sku.in_(sorted(stale)), alerts.c.at > newest, alerts.c.state == "new")
            .values(state="dismissed", reviewed_at=now, reviewed_by=REMOVED_BY, note=REMOVED_NOTE)
        )
    return sorted(stale), evaluate_products(connection, ctx, sorted(linked), now)


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
            found = _record_alert(connection, event, now)
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


def _record_alert(
    connection: Connection, event: ListenEvent, now: datetime
) -> RecordedEvent | None:
    """L-6: a new alert for the review queue, and its outbox event; None when already known."""
    sku = event.sku
    known = connection.execute(
        select(alerts.c.id).where(
            alerts.c.sku == sku, alerts.c.event_type == event.event_type, alerts.c.at == event.at
        )
    ).first()
    if known is not None:
        return None
    event_id = record(connection, event, event.at)
    payload = event.to_payload()
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
    event = AttributeRequests(
        sku=sku, at=as_of, requests=increase, totals=dict(sorted(totals.items()))
    )
    event_id = record(connection, event, as_of)
    return RecordedEvent(event.event_type, sku, as_of, event_id, None, event.to_payload())
