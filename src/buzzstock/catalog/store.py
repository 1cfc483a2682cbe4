"""Catalogue tables."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Float, ForeignKey, Integer, String, Table, Text

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
