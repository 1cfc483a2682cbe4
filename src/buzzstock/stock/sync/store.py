"""Tables of channel publication and sync (S-1, S-6): what each channel may sell, the push
lane per (channel, SKU), the webhook inbox, booked order lines and sync-latency samples.

``channel_listings`` (created by the foundation, unused until now) gains the columns below in
migration 0002; a channel's allotment of a SKU is the quota bucket ``ch:<channel>``.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

from buzzstock.core.db import metadata
from buzzstock.stock.store import channel_listings as channel_listings

LISTING_COLUMNS = (
    Column("exposure_units", Integer, nullable=False, default=0, server_default="0"),
    Column("sold_since_ack", Integer, nullable=False, default=0, server_default="0"),
    Column("compare_and_swap", Boolean, nullable=False, default=False, server_default="0"),
    Column("committed_at", DateTime(timezone=True)),
    Column("inflight_version", BigInteger, nullable=False, default=0, server_default="0"),
    Column("inflight_units", Integer, nullable=False, default=0, server_default="0"),
    Column("inflight_expected", Integer),
    Column("inflight_extra", Integer, nullable=False, default=0, server_default="0"),
    Column("inflight_committed_at", DateTime(timezone=True)),
    Column("lease_until", DateTime(timezone=True)),
    Column("next_attempt_at", DateTime(timezone=True)),
    Column("attempts", Integer, nullable=False, default=0, server_default="0"),
    Column("failed_version", BigInteger, nullable=False, default=0, server_default="0"),
    Column("last_error", Text),
    Column("pushes_sent", Integer, nullable=False, default=0, server_default="0"),
    Column("forecast_rate", Float),
    Column("changes", Integer, nullable=False, default=0, server_default="0"),
    Column("reconciled_at", DateTime(timezone=True)),
    Column("drift_units", Integer, nullable=False, default=0, server_default="0"),
)
for _column in LISTING_COLUMNS:
    if _column.name not in channel_listings.c:
        channel_listings.append_column(_column)

channel_inbox = Table(
    "channel_inbox",
    metadata,
    Column("channel", String(80), nullable=False),
    Column("event_id", String(200), nullable=False),
    Column("platform", String(40), nullable=False),
    Column("topic", String(120), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("lines", JSON, nullable=False),
    Column("fetch_ids", JSON, nullable=False),
    Column("state", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("lease_until", DateTime(timezone=True)),
    Column("processed_at", DateTime(timezone=True)),
    Column("last_error", Text),
    PrimaryKeyConstraint("channel", "event_id"),
    Index("ix_channel_inbox_state", "channel", "state"),
    Index("ix_channel_inbox_processed", "state", "processed_at"),
)

channel_order_lines = Table(
    "channel_order_lines",
    metadata,
    Column("channel", String(80), nullable=False),
    Column("order_id", String(200), nullable=False),
    Column("sku_ref", String(200), nullable=False),
    Column("sku", String(80)),
    Column("quantity", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("reservation_id", String(40)),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("booked_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("channel", "order_id", "sku_ref"),
    Index("ix_channel_order_lines_sku", "sku", "occurred_at"),
)

channel_sync_samples = Table(
    "channel_sync_samples",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("channel", String(80), nullable=False),
    Column("sku", String(80), nullable=False),
    Column("version", BigInteger, nullable=False),
    Column("committed_at", DateTime(timezone=True), nullable=False),
    Column("acknowledged_at", DateTime(timezone=True), nullable=False),
    Column("seconds", Float, nullable=False),
    Index("ix_channel_sync_samples_channel", "channel", "id"),
)
