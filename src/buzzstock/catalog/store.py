"""Catalogue tables."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from buzzstock.core.db import metadata

regions = Table(
    "regions",
    metadata,
    Column("code", String(40), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
)

markets = Table(
    "markets",
    metadata,
    Column("code", String(40), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("region", String(40), ForeignKey("regions.code"), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("tax_rate", Float, nullable=False),
)

skus = Table(
    "skus",
    metadata,
    Column("code", String(80), primary_key=True),
    Column("name", String(300), nullable=False),
    Column("category", String(120), nullable=False),
    Column("base_price", Float, nullable=False),
    Column("currency", String(3), nullable=False),
)

warehouses = Table(
    "warehouses",
    metadata,
    Column("code", String(40), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("region", String(40), ForeignKey("regions.code"), nullable=False),
    Column("city", String(120), nullable=False),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("daily_capacity", Integer, nullable=False),
    Column("bonded", Boolean, nullable=False, default=False),
)

channels = Table(
    "channels",
    metadata,
    Column("code", String(80), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("platform", String(40), nullable=False),
    Column("market", String(40), ForeignKey("markets.code"), nullable=False),
    Column("webhook_url", Text),
    Column("webhook_secret", String(200)),
    Column("settings", JSON, nullable=False),
    Column("active", Boolean, nullable=False, default=True),
)

channel_retired_secrets = Table(
    "channel_retired_secrets",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("channel", String(80), nullable=False),
    Column("path", String(400), nullable=False),
    Column("secret", Text, nullable=False),
    Column("retired_at", DateTime(timezone=True), nullable=False),
    Index("ix_channel_retired_secrets_channel", "channel", "retired_at"),
)
"""Issue 11: a channel's previous secrets, kept to verify deliveries during the grace window
after a rotation (``channels.secret_grace_seconds``), then deleted by the retention job."""
