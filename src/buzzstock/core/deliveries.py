"""What the API shows of the outbox: dead letters, retrying them, deliveries per state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, false, func, select, update

from buzzstock.core.clock import as_utc
from buzzstock.core.context import Context
from buzzstock.core.errors import Conflict, NotFound
from buzzstock.core.events import outbox_deliveries, outbox_events
from buzzstock.core.outbox import DEAD, PENDING, STATES


@dataclass(frozen=True)
class DeadLetter:
    delivery_id: int
    event_id: str
    event_type: str
    consumer: str
    attempts: int
    last_error: str | None
    occurred_at: datetime
    failed_at: datetime
    payload: dict[str, Any]


def dead_letters(ctx: Context, *, limit: int = 100, offset: int = 0) -> list[DeadLetter]:
    """Deliveries that gave up, most recent failure first."""
    table = outbox_deliveries.c
    query = (
        select(
            table.id,
            table.event_id,
            table.consumer,
            table.attempts,
            table.last_error,
            table.next_attempt_at,
            outbox_events.c.event_type,
            outbox_events.c.occurred_at,
            outbox_events.c.payload,
        )
        .join(outbox_events, outbox_events.c.event_id == table.event_id)
        .where(table.state == DEAD)
        .order_by(table.next_attempt_at.desc(), table.id.desc())
        .limit(limit)
        .offset(offset)
    )
    with ctx.engine.connect() as connection:
        rows = connection.execute(query).mappings().all()
    return [
        DeadLetter(
            delivery_id=row["id"],
            event_id=row["event_id"],
            event_type=row["event_type"],
            consumer=row["consumer"],
            attempts=row["attempts"],
            last_error=row["last_error"],
            occurred_at=as_utc(row["occurred_at"]),
            failed_at=as_utc(row["next_attempt_at"]),
            payload=row["payload"],
        )
        for row in rows
    ]


def retry_dead_letter(ctx: Context, delivery_id: int) -> None:
    """Put a dead letter back in the queue, due now, with a fresh attempt budget.

    Raises NotFound for an unknown id and Conflict if the delivery is not dead.
    """
    table = outbox_deliveries.c
    now = as_utc(ctx.clock.now())
    with ctx.engine.begin() as connection:
        updated = connection.execute(
            update(outbox_deliveries)
            .where(and_(table.id == delivery_id, table.state == DEAD))
            .values(state=PENDING, attempts=0, next_attempt_at=now)
        ).rowcount
        if updated:
            return
        state = connection.execute(
            select(table.state).where(table.id == delivery_id)
        ).scalar_one_or_none()
    if state is None:
        raise NotFound(f"no outbox delivery {delivery_id}")
    raise Conflict(f"delivery {delivery_id} is {state}, only dead letters can be retried")


def delivery_stats(ctx: Context) -> dict[str, int]:
    """Deliveries per state (every state present), plus events not yet fanned out."""
    with ctx.engine.connect() as connection:
        counts: dict[str, int] = dict(
            connection.execute(
                select(outbox_deliveries.c.state, func.count()).group_by(outbox_deliveries.c.state)
            ).all()
        )
        waiting = connection.execute(
            select(func.count())
            .select_from(outbox_events)
            .where(outbox_events.c.fanned_out == false())
        ).scalar_one()
    stats = {state: int(counts.get(state, 0)) for state in STATES}
    stats["events_awaiting_fan_out"] = int(waiting)
    return stats
