"""Idempotency-Key: a creating request retried with the same key gets the first answer.

Same key + same body -> the stored answer; same key + another body -> 422; same key while the
first request is still running -> 409. Keys are scoped to the API key that sent them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from buzzstock.core.clock import as_utc
from buzzstock.core.context import Context
from buzzstock.core.db import metadata, reading
from buzzstock.core.errors import IdempotencyInFlight, IdempotencyMismatch, InvalidInput

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("scope", String(120), nullable=False),
    Column("key", String(255), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("status_code", Integer),
    Column("response", JSON),
    Column("created_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("scope", "key"),
)


ABANDONED_AFTER = timedelta(seconds=60)


@dataclass(frozen=True)
class StoredAnswer:
    status_code: int
    body: Any


def fingerprint(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + body).hexdigest()


def begin(ctx: Context, scope: str, key: str, request_fingerprint: str) -> StoredAnswer | None:
    """Claim the key for this request, or return the answer stored for it earlier."""
    if not key or len(key) > 255:
        raise InvalidInput("Idempotency-Key must be 1 to 255 characters (a UUID is a good choice)")
    ttl = timedelta(hours=ctx.settings.api.idempotency_ttl_hours)
    now = ctx.clock.now()
    with ctx.engine.begin() as connection:
        connection.execute(
            delete(idempotency_keys).where(
                idempotency_keys.c.scope == scope,
                idempotency_keys.c.key == key,
                idempotency_keys.c.created_at < now - ttl,
            )
        )
    try:
        with ctx.engine.begin() as connection:
            connection.execute(
                insert(idempotency_keys).values(
                    scope=scope, key=key, fingerprint=request_fingerprint, created_at=now
                )
            )
        return None
    except IntegrityError:
        pass
    with reading(ctx.engine) as connection:
        row = connection.execute(
            select(idempotency_keys).where(
                idempotency_keys.c.scope == scope, idempotency_keys.c.key == key
            )
        ).one()
    if row.fingerprint != request_fingerprint:
        raise IdempotencyMismatch(
            "this Idempotency-Key was already used for a different request; use a new key"
        )
    if row.status_code is None:
        if as_utc(row.created_at) > now - ABANDONED_AFTER:
            raise IdempotencyInFlight(
                "the first request with this Idempotency-Key is still running; retry shortly"
            )
        # The first attempt never finished (the server stopped mid-request): this retry takes
        # the key over, and only one retry can win the conditional update.
        with ctx.engine.begin() as connection:
            taken = connection.execute(
                update(idempotency_keys)
                .where(
                    idempotency_keys.c.scope == scope,
                    idempotency_keys.c.key == key,
                    idempotency_keys.c.status_code.is_(None),
                    idempotency_keys.c.created_at == row.created_at,
                )
                .values(created_at=now)
            ).rowcount
        if not taken:
            raise IdempotencyInFlight("another retry with this Idempotency-Key is running")
        return None
    return StoredAnswer(row.status_code, row.response)


def finish(ctx: Context, scope: str, key: str, status_code: int, body: Any) -> None:
    """Store the answer; 5xx answers are not stored so the client may retry with the same key."""
    with ctx.engine.begin() as connection:
        if status_code >= 500:
            connection.execute(
                delete(idempotency_keys).where(
                    idempotency_keys.c.scope == scope, idempotency_keys.c.key == key
                )
            )
            return
        connection.execute(
            update(idempotency_keys)
            .where(idempotency_keys.c.scope == scope, idempotency_keys.c.key == key)
            .values(status_code=status_code, response=body)
        )
