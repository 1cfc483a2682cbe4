"""Catalog's front door: create, update, list and read regions, markets, warehouses, channels
and SKUs, the reference data every capability reads.

The tables are exported too, read-only: the stock hub joins them in its conditional writes so
that a reservation stays one round trip. Only this capability writes them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Connection, Row, Select, Table, Text, cast, delete, insert, select, update

from buzzstock.catalog.model import (
    Catalogue,
    Channel,
    Market,
    Region,
    Sku,
    Warehouse,
    settings_problem,
)
from buzzstock.catalog.store import (
    channel_retired_secrets,
    channels,
    markets,
    regions,
    skus,
    warehouses,
)
from buzzstock.channels.registry import adapter_secret_fields
from buzzstock.channels.secrets import SECRET_MASK, keep_stored, masked, secret_values
from buzzstock.core.clock import SystemClock, as_utc
from buzzstock.core.context import Context
from buzzstock.core.db import reading
from buzzstock.core.errors import InvalidInput, NotFound

__all__ = [
    "Catalogue",
    "Channel",
    "Market",
    "Region",
    "RetiredSecret",
    "Sku",
    "Warehouse",
    "channels",
    "create",
    "forget_retired_secrets",
    "get_entry",
    "list_entries",
    "markets",
    "public_channel",
    "regions",
    "retired_secrets",
    "sku_categories",
    "sku_exists",
    "skus",
    "upsert",
    "warehouses",
]


@dataclass(frozen=True)
class RetiredSecret:
    """A channel secret a save replaced: ``path`` in the settings (``("adapter",
    "client_secret")``) or ``("webhook_secret",)``, the old value and when it was replaced."""

    path: tuple[str, ...]
    secret: str
    retired_at: datetime


_TABLES: dict[type[BaseModel], Table] = {
    Region: regions,
    Market: markets,
    Sku: skus,
    Warehouse: warehouses,
    Channel: channels,
}


def upsert(
    connection: Connection,
    entry: Region | Market | Sku | Warehouse | Channel,
    *,
    now: datetime | None = None,
) -> bool:
    """Create the entry or update it in place; returns True if it was new. ``now`` stamps the
    secrets a channel update replaces (they verify for a grace window; the wall clock if
    not given)."""
    table = _TABLES[type(entry)]
    values = entry.model_dump()
    _check_references(connection, entry)
    exists = connection.execute(_select(table).where(table.c.code == entry.code)).first()
    if isinstance(entry, Channel):
        stored = None if exists is None else _entry(table, exists)
        values = _channel_values(entry, values, stored)
        if stored is not None:
            _retire_replaced_secrets(connection, stored, values, now or SystemClock().now())
    if exists is None:
        connection.execute(insert(table).values(**values))
        return True
    connection.execute(update(table).where(table.c.code == entry.code).values(**values))
    return False


def _channel_values(
    entry: Channel, values: dict[str, Any], stored: Mapping[str, Any] | None
) -> dict[str, Any]:
    """Issue 11: a secret sent masked, empty or not at all keeps the stored one (write-only
    secrets); the mask for a secret that was never stored is refused."""
    same_platform = stored is not None and stored["platform"] == entry.platform.value
    settings, unmatched = keep_stored(
        entry.settings,
        stored["settings"] if same_platform and stored is not None else None,
        adapter_secret_fields(entry.platform),
    )
    webhook_secret = entry.webhook_secret
    if webhook_secret in (None, "", SECRET_MASK):
        webhook_secret = stored["webhook_secret"] if stored is not None else None
        if webhook_secret is None and entry.webhook_secret == SECRET_MASK:
            unmatched.append("webhook_secret")
    if unmatched:
        raise InvalidInput(
            f"channel {entry.code!r}: {', '.join(unmatched)} is {SECRET_MASK!r}, which stands "
            "for a stored secret, but none is stored: send the secret itself",
            errors=[{"field": name, "message": "no stored secret"} for name in unmatched],
        )
    return {**values, "settings": settings, "webhook_secret": webhook_secret}


def _retire_replaced_secrets(
    connection: Connection, stored: Mapping[str, Any], saved: Mapping[str, Any], now: datetime
) -> None:
    """Issue 11: keep each secret a save replaces, so deliveries the platform signed with it
    still verify during ``channels.secret_grace_seconds``."""
    if stored["platform"] != saved["platform"]:
        return
    fields = adapter_secret_fields(stored["platform"])
    before = dict(secret_values(stored["settings"] or {}, fields))
    before[("webhook_secret",)] = stored["webhook_secret"]
    after = dict(secret_values(saved["settings"], fields))
    after[("webhook_secret",)] = saved["webhook_secret"]
    rows = [
        {"channel": stored["code"], "path": ".".join(path), "secret": old, "retired_at": now}
        for path, old in sorted(before.items())
        if isinstance(old, str) and old and after.get(path) != old
    ]
    if rows:
        connection.execute(insert(channel_retired_secrets), rows)


def retired_secrets(ctx: Context, channel: str, since: datetime) -> list[RetiredSecret]:
    """The secrets of ``channel`` replaced after ``since``, newest first."""
    table = channel_retired_secrets
    with reading(ctx.engine) as connection:
        rows = connection.execute(
            select(table.c.path, table.c.secret, table.c.retired_at)
            .where(table.c.channel == channel, table.c.retired_at > since)
            .order_by(table.c.retired_at.desc(), table.c.id.desc())
        ).all()
    return [
        RetiredSecret(tuple(str(row.path).split(".")), str(row.secret), as_utc(row.retired_at))
        for row in rows
    ]


def forget_retired_secrets(ctx: Context, before: datetime) -> int:
    """Delete the secrets replaced before ``before`` (retention job); returns how many."""
    table = channel_retired_secrets
    with reading(ctx.engine) as connection:
        due = connection.execute(
            select(table.c.id).where(table.c.retired_at < before).limit(1)
        ).first()
    if due is None:
        return 0
    with ctx.engine.begin() as connection:
        return int(connection.execute(delete(table).where(table.c.retired_at < before)).rowcount)


def public_channel(row: Mapping[str, Any]) -> dict[str, Any]:
    """Issue 11: a channel as anyone may read it: every secret masked, never returned."""
    return {
        **row,
        "webhook_secret": SECRET_MASK if row.get("webhook_secret") else None,
        "settings": None
        if row.get("settings") is None
        else masked(row["settings"], adapter_secret_fields(row["platform"])),
    }


def _check_references(
    connection: Connection, entry: Region | Market | Sku | Warehouse | Channel
) -> None:
    references: list[tuple[Table, str, str]] = []
    if isinstance(entry, Market | Warehouse):
        references.append((regions, "region", entry.region))
    if isinstance(entry, Channel):
        references.append((markets, "market", entry.market))
    for table, kind, code in references:
        if connection.execute(select(table.c.code).where(table.c.code == code)).first() is None:
            raise InvalidInput(
                f"{type(entry).__name__.lower()} {entry.code!r} names unknown {kind} {code!r}"
            )


def create(ctx: Context, entry: Region | Market | Sku | Warehouse | Channel) -> bool:
    with ctx.engine.begin() as connection:
        return upsert(connection, entry, now=ctx.clock.now())


def _select(table: Table) -> Select[Any]:
    if table is not channels:
        return select(table)
    # A channel's settings are read as text and decoded row by row, so that one row saved
    # before the limits existed cannot break reading the others (issue 11).
    return select(
        *(column for column in channels.c if column.name != "settings"),
        cast(channels.c.settings, Text).label("settings"),
    )


def _entry(table: Table, row: Row[Any]) -> dict[str, Any]:
    entry = dict(row._mapping)
    if table is channels:
        try:
            settings = json.loads(entry["settings"]) if entry["settings"] is not None else {}
        except (ValueError, RecursionError):
            settings = None
        problem = settings_problem(settings) if settings is not None else "unreadable settings"
        entry["settings"] = None if problem else settings
        if problem:
            entry["settings_problem"] = (
                f"{problem}: save the channel again with valid settings (docs/api.md#catalogue)"
            )
    return entry


def list_entries(ctx: Context, kind: type[BaseModel]) -> list[dict[str, Any]]:
    table = _TABLES[kind]
    with reading(ctx.engine) as connection:
        return [
            _entry(table, row) for row in connection.execute(_select(table).order_by(table.c.code))
        ]


def get_entry(ctx: Context, kind: type[BaseModel], code: str) -> dict[str, Any]:
    """One entry as stored; a channel whose stored settings break the limits comes with
    ``settings`` None and a ``settings_problem`` saying why."""
    table = _TABLES[kind]
    with reading(ctx.engine) as connection:
        row = connection.execute(_select(table).where(table.c.code == code)).first()
    if row is None:
        raise NotFound(f"no {kind.__name__.lower()} {code!r}")
    return _entry(table, row)


def sku_exists(connection: Connection, code: str) -> bool:
    return connection.execute(select(skus.c.code).where(skus.c.code == code)).first() is not None


def sku_categories(connection: Connection, codes: Sequence[str]) -> dict[str, str]:
    """The category of each of ``codes`` that is a catalogue SKU."""
    return {
        row.code: str(row.category)
        for row in connection.execute(
            select(skus.c.code, skus.c.category).where(skus.c.code.in_(list(codes)))
        )
    }
