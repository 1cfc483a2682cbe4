"""Reading the stored trends (L-3 … L-10) and the alert review queue (L-6): list, acknowledge
and dismiss alerts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from buzzstock.core.clock import as_utc
from buzzstock.core.context import Context
from buzzstock.core.db import reading
from buzzstock.core.errors import Conflict, InvalidInput, NotFound
from buzzstock.listen.store import alerts, attribute_requests, trends

ALERT_STATES = ("new", "acknowledged", "dismissed")


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
