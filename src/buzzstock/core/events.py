"""Domain events recorded in a transactional outbox, in the same transaction as the change.

The dispatcher (``buzzstock.core.outbox``) later hands every event at least once to each
in-process handler and each HTTP subscriber.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    String,
    Table,
    Text,
    insert,
)
from sqlalchemy.engine import Connection

from buzzstock.core.db import metadata
from buzzstock.core.ids import new_id

outbox_events = Table(
    "outbox_events",
    metadata,
    Column(
        "seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("event_id", String(40), nullable=False, unique=True),
    Column("event_type", String(80), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("fanned_out", Boolean, nullable=False, default=False, server_default="0"),
    Index("ix_outbox_events_pending", "fanned_out", "seq"),
)

webhook_subscriptions = Table(
    "webhook_subscriptions",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("url", Text, nullable=False),
    Column("secret", String(200), nullable=False),
    Column("event_types", JSON, nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

outbox_deliveries = Table(
    "outbox_deliveries",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("event_id", String(40), nullable=False),
    Column("consumer", String(120), nullable=False),
    Column("state", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    Column("last_error", Text),
    Column("delivered_at", DateTime(timezone=True)),
    Index("ix_outbox_deliveries_due", "state", "next_attempt_at"),
    Index("uq_outbox_deliveries_event_consumer", "event_id", "consumer", unique=True),
)


@dataclass(frozen=True)
class Event:
    event_id: str
    event_type: str
    payload: dict[str, Any]
    occurred_at: datetime

    def body(self) -> str:
        """The JSON document sent to HTTP subscribers."""
        return json.dumps(
            {
                "id": self.event_id,
                "type": self.event_type,
                "occurred_at": self.occurred_at.isoformat(),
                "data": self.payload,
            },
            separators=(",", ":"),
            sort_keys=True,
        )


def record_event(
    connection: Connection, event_type: str, payload: dict[str, Any], occurred_at: datetime
) -> str:
    """Write one event to the outbox inside the caller's transaction; returns its id."""
    (event_id,) = record_events(connection, [(event_type, payload)], occurred_at)
    return event_id


def record_events(
    connection: Connection,
    events: Sequence[tuple[str, dict[str, Any]]],
    occurred_at: datetime,
) -> list[str]:
    """Write ``(type, payload)`` events to the outbox inside the caller's transaction, in the
    order given, with one statement; returns their ids."""
    event_ids = [new_id("evt") for _ in events]
    if event_ids:
        connection.execute(
            insert(outbox_events),
            [
                {
                    "event_id": event_id,
                    "event_type": event_type,
                    "payload": payload,
                    "occurred_at": occurred_at,
                    "fanned_out": False,
                }
                for event_id, (event_type, payload) in zip(event_ids, events, strict=True)
            ],
        )
    return event_ids
