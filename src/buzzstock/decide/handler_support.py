"""What every decide event handler shares: the catalogue entry of the event's SKU, the
idempotency claim on the event id, and a ``watch`` decision when there is nothing to do.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from buzzstock.catalog.service import Sku, get_entry
from buzzstock.core.context import Context
from buzzstock.core.errors import NotFound
from buzzstock.core.events import Event
from buzzstock.decide import queue
from buzzstock.decide.explain import Reason
from buzzstock.decide.matrix import Route
from buzzstock.decide.proposal import ProposalStatus
from buzzstock.decide.store import processed_events


def catalogue_entry(ctx: Context, sku: str) -> dict[str, Any] | None:
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
