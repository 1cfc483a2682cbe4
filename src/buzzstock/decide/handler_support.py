"""What every Decide event handler shares: reading the event's SKU and numbers, the idempotency
claim on the event id, and recording a ``watch`` decision when there is nothing to do.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from buzzstock.catalog.service import Sku, get_entry
from buzzstock.core.context import Context
from buzzstock.core.errors import InvalidInput, NotFound
from buzzstock.core.events import Event
from buzzstock.decide import queue
from buzzstock.decide.explain import Reason
from buzzstock.decide.matrix import Route
from buzzstock.decide.proposal import ProposalStatus
from buzzstock.decide.store import processed_events


def sku_of(payload: dict[str, Any]) -> str | None:
    for key in ("sku", "product_id", "product"):
        value = payload.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def catalogue_entry(ctx: Context, sku: str | None) -> dict[str, Any] | None:
    if sku is None:
        return None
    try:
        return get_entry(ctx, Sku, sku)
    except NotFound:
        return None


def claim_event(connection: Connection, event: Event, handler: str, now: datetime) -> bool:
    """Record that ``handler`` processed ``event``; False when it already had."""
    done = connection.execute(
        select(processed_events.c.event_id).where(
            processed_events.c.event_id == event.event_id, processed_events.c.handler == handler
        )
    ).first()
    if done is not None:
        return False
    connection.execute(
        insert(processed_events).values(event_id=event.event_id, handler=handler, at=now)
    )
    return True


def number_field(payload: dict[str, Any], key: str, default: float | None = None) -> float | None:
    value = payload.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidInput(f"event field {key!r} must be a number, got {value!r}")
    return float(value)


def record_watch(
    connection: Connection,
    sku: str,
    route: Route,
    reasons: tuple[Reason, ...],
    inputs: dict[str, Any],
    now: datetime,
    event: Event,
) -> None:
    queue.insert_decision(
        connection,
        kind=queue.WATCH,
        sku=sku,
        route=route,
        status=ProposalStatus.RECORDED,
        reasons=reasons,
        inputs=inputs,
        now=now,
        source_event_id=event.event_id,
    )
