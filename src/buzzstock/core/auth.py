"""API keys with roles. Only a key's SHA-256 is stored; the key itself is shown once."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Boolean, Column, DateTime, String, Table, insert, select, update

from buzzstock.core.clock import as_utc
from buzzstock.core.context import Context
from buzzstock.core.db import metadata, reading
from buzzstock.core.errors import Forbidden, InvalidInput, NotFound, Unauthorized
from buzzstock.core.ids import new_id

ROLES = ("admin", "operator", "channel", "supplier")

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("channel", String(80)),
    Column("supplier", String(80)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked", Boolean, nullable=False, default=False),
)


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's id, name and role, and for channel/supplier keys their scope."""

    key_id: str
    name: str
    role: str
    channel: str | None = None
    supplier: str | None = None

    def require(self, *roles: str) -> None:
        if self.role not in roles:
            raise Forbidden(
                f"this needs a key with role {' or '.join(roles)}; this key is {self.role!r}"
            )

    def require_channel(self, channel: str) -> None:
        """A channel key touches only its own channel's reservations and orders."""
        if self.role == "channel" and self.channel != channel:
            raise Forbidden(
                f"this channel key belongs to {self.channel!r} and cannot act for {channel!r}"
            )
        if self.role not in ("admin", "operator", "channel"):
            raise Forbidden(f"a {self.role!r} key cannot touch reservations or orders")


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(
    ctx: Context,
    name: str,
    role: str,
    *,
    channel: str | None = None,
    supplier: str | None = None,
) -> tuple[str, str]:
    """Create a key; returns (key id, secret key). The secret is not stored and not shown again."""
    if role not in ROLES:
        raise InvalidInput(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    if role == "channel" and not channel:
        raise InvalidInput("a channel key needs the channel it belongs to")
    if role == "supplier" and not supplier:
        raise InvalidInput("a supplier key needs the supplier it belongs to")
    if channel and role != "channel":
        raise InvalidInput(
            f"only a channel key belongs to a channel; drop the channel or make a channel key "
            f"(this one is a {role} key)"
        )
    if supplier and role != "supplier":
        raise InvalidInput(
            f"only a supplier key belongs to a supplier; drop the supplier or make a supplier "
            f"key (this one is a {role} key)"
        )
    if not name.strip():
        raise InvalidInput("give the key a name so you can recognise it later")
    key = f"bz_{role}_{secrets.token_urlsafe(24)}"
    key_id = new_id("key")
    with ctx.engine.begin() as connection:
        connection.execute(
            insert(api_keys).values(
                id=key_id,
                name=name.strip(),
                key_hash=_hash(key),
                role=role,
                channel=channel,
                supplier=supplier,
                created_at=ctx.clock.now(),
                revoked=False,
            )
        )
    return key_id, key


def authenticate(ctx: Context, key: str | None) -> Principal:
    if not key:
        raise Unauthorized(
            "send your API key as 'Authorization: Bearer <key>' (create one with "
            "'buzzstock keys create')"
        )
    with reading(ctx.engine) as connection:
        row = connection.execute(
            select(api_keys).where(api_keys.c.key_hash == _hash(key), api_keys.c.revoked.is_(False))
        ).first()
    if row is None:
        raise Unauthorized("this API key is unknown or revoked")
    return Principal(row.id, row.name, row.role, row.channel, row.supplier)


def list_keys(ctx: Context) -> list[dict[str, Any]]:
    with reading(ctx.engine) as connection:
        return [
            {
                "id": row.id,
                "name": row.name,
                "role": row.role,
                "channel": row.channel,
                "supplier": row.supplier,
                "created_at": as_utc(row.created_at).isoformat(),
                "revoked": row.revoked,
            }
            for row in connection.execute(select(api_keys).order_by(api_keys.c.created_at))
        ]


def revoke_key(ctx: Context, key_id: str) -> None:
    with ctx.engine.begin() as connection:
        if not connection.execute(
            update(api_keys).where(api_keys.c.id == key_id).values(revoked=True)
        ).rowcount:
            raise NotFound(f"no API key {key_id!r}")
