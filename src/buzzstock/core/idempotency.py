"""Idempotency-Key: a creating request retried with the same key gets the first answer.

Same key + same body -> the stored answer, byte for byte; same key + another body -> 422; same
key while the first request is still running -> 409. Keys are scoped to the API key that sent
them, and claimed only once that key is known to be valid.

A server can die between committing a request's change and storing its answer. So that a retry
never repeats the change, the request's first committing transaction also marks the key as
changed (in that same transaction, through a commit hook). A retry that finds a key
abandoned without an answer then re-runs the request only when nothing was committed, or when
the route is idempotent by itself (a reservation is found again by its request key); otherwise
it is told the change was made and its answer lost, never given a second change.
"""

from __future__ import annotations

import hashlib
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
    Table,
    delete,
    event,
    false,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from buzzstock.core.clock import as_utc
from buzzstock.core.context import Context
from buzzstock.core.db import READ_ONLY, metadata, reading
from buzzstock.core.errors import (
    IdempotencyAnswerLost,
    IdempotencyInFlight,
    IdempotencyMismatch,
    InvalidInput,
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("scope", String(120), nullable=False),
    Column("key", String(255), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("status_code", Integer),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
    Column("changed", Boolean, nullable=False, default=False, server_default=false()),
    Column("response_body", LargeBinary),
    Column("content_type", String(120)),
    PrimaryKeyConstraint("scope", "key"),
)


@dataclass(frozen=True)
class StoredAnswer:
    status_code: int
    body: bytes
    content_type: str


@dataclass
class Claim:
    """One request's hold on its key while it runs."""

    scope: str
    key: str
    reruns_safely: bool = False
    changed: bool = False


_running: ContextVar[Claim | None] = ContextVar("idempotency_claim", default=None)


def fingerprint(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + body).hexdigest()


def begin(ctx: Context, scope: str, key: str, request_fingerprint: str) -> StoredAnswer | Claim:
    """Claim the key for this request, or return the answer stored for it earlier."""
    if not key or len(key) > 255:
        raise InvalidInput("Idempotency-Key must be 1 to 255 characters (a UUID is a good choice)")
    settings = ctx.settings.api
    now = ctx.clock.now()
    with ctx.engine.begin() as connection:
        connection.execute(
            delete(idempotency_keys).where(
                idempotency_keys.c.scope == scope,
                idempotency_keys.c.key == key,
                idempotency_keys.c.created_at
                < now - timedelta(hours=settings.idempotency_ttl_hours),
            )
        )
    try:
        with ctx.engine.begin() as connection:
            connection.execute(
                insert(idempotency_keys).values(
                    scope=scope, key=key, fingerprint=request_fingerprint, created_at=now
                )
            )
        return Claim(scope, key)
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
    if row.status_code is not None:
        return StoredAnswer(row.status_code, bytes(row.response_body), row.content_type)
    if as_utc(row.created_at) > now - timedelta(seconds=settings.idempotency_takeover_seconds):
        raise IdempotencyInFlight(
            "the first request with this Idempotency-Key is still running; retry shortly"
        )
    if row.changed:
        raise IdempotencyAnswerLost(
            "the first request with this Idempotency-Key was carried out, but the server stopped "
            "before answering; look the result up (for example with GET) instead of retrying"
        )
    # The first attempt stopped before it changed anything: this retry takes the key over,
    # and only one retry can win the conditional update.
    with ctx.engine.begin() as connection:
        taken = connection.execute(
            update(idempotency_keys)
            .where(
                idempotency_keys.c.scope == scope,
                idempotency_keys.c.key == key,
                idempotency_keys.c.status_code.is_(None),
                idempotency_keys.c.changed.is_(False),
                idempotency_keys.c.created_at == row.created_at,
            )
            .values(created_at=now)
        ).rowcount
    if not taken:
        raise IdempotencyInFlight("another retry with this Idempotency-Key is running")
    return Claim(scope, key)


def running(claim: Claim) -> object:
    """Mark ``claim`` as the current request's, for the commit hook; returns the reset token."""
    return _running.set(claim)


def done_running(token: object) -> None:
    _running.reset(token)  # type: ignore[arg-type]


def reruns_safely() -> None:
    """The running route finds its own earlier result by the key (reservations do), so a retry
    after a crash may run it again; its commits do not mark the key as changed."""
    claim = _running.get()
    if claim is not None:
        claim.reruns_safely = True


def watch_commits(engine: Engine) -> None:
    """Install the commit hook that marks a running request's key in its own transaction."""
    if not event.contains(engine, "commit", _mark_changed):
        event.listen(engine, "commit", _mark_changed)


def _mark_changed(connection: Connection) -> None:
    claim = _running.get()
    if (
        claim is None
        or claim.changed
        or claim.reruns_safely
        or connection.get_execution_options().get(READ_ONLY)
    ):
        return
    claim.changed = True
    connection.execute(
        update(idempotency_keys)
        .where(idempotency_keys.c.scope == claim.scope, idempotency_keys.c.key == claim.key)
        .values(changed=True)
    )


def finish(ctx: Context, claim: Claim, status_code: int, body: bytes, content_type: str) -> None:
    """Store the answer. A 5xx answer of a request that changed nothing is forgotten instead,
    so the client may retry with the same key."""
    where = (idempotency_keys.c.scope == claim.scope, idempotency_keys.c.key == claim.key)
    with ctx.engine.begin() as connection:
        if status_code >= 500 and not claim.changed:
            connection.execute(delete(idempotency_keys).where(*where))
            return
        connection.execute(
            update(idempotency_keys)
            .where(*where)
            .values(status_code=status_code, response_body=body, content_type=content_type)
        )


def expire(ctx: Context) -> int:
    """Forget keys older than ``api.idempotency_ttl_hours``; returns how many (retention job)."""
    cutoff = ctx.clock.now() - timedelta(hours=ctx.settings.api.idempotency_ttl_hours)
    with reading(ctx.engine) as connection:
        due = connection.execute(
            select(idempotency_keys.c.key).where(idempotency_keys.c.created_at < cutoff).limit(1)
        ).first()
    if due is None:
        return 0
    with ctx.engine.begin() as connection:
        return int(
            connection.execute(
                delete(idempotency_keys).where(idempotency_keys.c.created_at < cutoff)
            ).rowcount
        )
