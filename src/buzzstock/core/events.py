"""Domain events recorded in a transactional outbox, in the same transaction as the change.

Each capability declares its events in its ``events.py`` as frozen dataclasses deriving from
``DomainEvent``: the class names its type, ``to_payload`` gives the JSON document stored and sent
to subscribers, ``from_payload`` parses it back (a consumer does that once, at the top of its
handler). ``record`` writes one in the caller's transaction. The dispatcher
(``buzzstock.core.outbox``) later hands every event at least once to each in-process handler and
each HTTP subscriber.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Self

from pydantic import TypeAdapter, ValidationError
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
from buzzstock.core.errors import InvalidInput
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


class DomainEvent:
    """Base of every domain event: subclasses are frozen dataclasses that set ``event_type``."""

    event_type: ClassVar[str]

    def to_payload(self) -> dict[str, Any]:
        """The event as a JSON document (datetimes in ISO 8601, tuples as lists)."""
        payload: dict[str, Any] = _adapter(type(self)).dump_python(self, mode="json")
        return payload

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Self:
        """Parse a stored payload; InvalidInput names what does not fit the event."""
        try:
            event: Self = _adapter(cls).validate_python(dict(payload))
        except ValidationError as error:
            problems = "; ".join(
                f"{'.'.join(str(part) for part in item['loc']) or '(event)'}: {item['msg']}"
                for item in error.errors()
            )
            raise InvalidInput(f"not a valid {cls.event_type} event: {problems}") from error
        return event


_ADAPTERS: dict[type[DomainEvent], TypeAdapter[Any]] = {}


def _adapter(kind: type[DomainEvent]) -> TypeAdapter[Any]:
    adapter = _ADAPTERS.get(kind)
    if adapter is None:
        adapter = _ADAPTERS[kind] = TypeAdapter(kind)
    return adapter


def record(connection: Connection, event: DomainEvent, occurred_at: datetime) -> str:
    """Write one domain event to the outbox inside the caller's transaction; returns its id."""
    return record_event(connection, event.event_type, event.to_payload(), occurred_at)


def record_all(
    connection: Connection, events: Sequence[DomainEvent], occurred_at: datetime
) -> list[str]:
    """Write domain events to the outbox in one statement, in the order given; returns ids."""
    return record_events(
        connection, [(event.event_type, event.to_payload()) for event in events], occurred_at
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
