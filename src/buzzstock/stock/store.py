"""Stock tables.

Counters live in three kinds of rows, each changed only by conditional writes:

* ``stock_levels`` (SKU x warehouse, S-2): physical units on hand, units reserved for confirmed
  orders not yet shipped, units in transit with their ETA;
* ``quota_buckets`` (SKU x region quota, the elastic pool, or a sub-pool, S-3/S-9): how many of
  the SKU's units the bucket may sell (``limit_units``) and how many it has committed
  (``used_units``: held reservations and unshipped orders). The limits of a SKU's buckets always
  add up to its units on hand, so ``used <= limit`` in every bucket means no oversell;
* ``stock_pools`` (one per SKU): pause flag, buyer limit, totals, and the head of the SKU's
  hash-chained ledger (S-10).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

from buzzstock.core.db import metadata

ELASTIC = "elastic"

stock_pools = Table(
    "stock_pools",
    metadata,
    Column("sku", String(80), ForeignKey("skus.code"), primary_key=True),
    Column("paused", Boolean, nullable=False, default=False),
    Column("pause_reason", Text),
    Column("pause_rule", String(8)),
    Column("buyer_limit", Integer),
    Column("reference_units", Integer, nullable=False, default=0),
    Column("units_total", BigInteger, nullable=False, default=0),
    Column("units_used", BigInteger, nullable=False, default=0),
    Column("low_alert_active", Boolean, nullable=False, default=False),
    Column("ledger_seq", BigInteger, nullable=False, default=0),
    Column("ledger_head", String(64), nullable=False),
    Column("ledger_prev_head", String(64), nullable=False),
    CheckConstraint("units_used >= 0 AND units_used <= units_total", name="pool_within_total"),
)

stock_levels = Table(
    "stock_levels",
    metadata,
    Column("sku", String(80), ForeignKey("skus.code"), nullable=False),
    Column("warehouse", String(40), ForeignKey("warehouses.code"), nullable=False),
    Column("on_hand", Integer, nullable=False, default=0),
    Column("reserved", Integer, nullable=False, default=0),
    Column("in_transit", Integer, nullable=False, default=0),
    Column("in_transit_eta", DateTime(timezone=True)),
    Column("low_threshold", Integer, nullable=False),
    PrimaryKeyConstraint("sku", "warehouse"),
    CheckConstraint("reserved >= 0 AND reserved <= on_hand", name="reserved_within_on_hand"),
    CheckConstraint("in_transit >= 0", name="in_transit_non_negative"),
)

quota_buckets = Table(
    "quota_buckets",
    metadata,
    Column("sku", String(80), ForeignKey("skus.code"), nullable=False),
    Column("bucket", String(80), nullable=False),
    Column("limit_units", Integer, nullable=False, default=0),
    Column("used_units", Integer, nullable=False, default=0),
    Column("sold_units", Integer, nullable=False, default=0),
    Column("initial_units", Integer, nullable=False, default=0),
    PrimaryKeyConstraint("sku", "bucket"),
    CheckConstraint("used_units >= 0 AND used_units <= limit_units", name="used_within_limit"),
)

reservations = Table(
    "reservations",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("request_key", String(200), unique=True),
    Column("request_fingerprint", String(64)),
    Column("sku", String(80), ForeignKey("skus.code"), nullable=False),
    Column("channel", String(80), ForeignKey("channels.code"), nullable=False),
    Column("buyer", String(200), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("primary_bucket", String(80), nullable=False),
    Column("primary_units", Integer, nullable=False),
    Column("elastic_units", Integer, nullable=False),
    Column("state", String(16), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("ended_at", DateTime(timezone=True)),
    Index("ix_reservations_held_expiry", "state", "expires_at"),
    Index("ix_reservations_sku_created", "sku", "created_at"),
)

buyer_purchases = Table(
    "buyer_purchases",
    metadata,
    Column("sku", String(80), ForeignKey("skus.code"), nullable=False),
    Column("buyer", String(200), nullable=False),
    Column("units", Integer, nullable=False, default=0),
    PrimaryKeyConstraint("sku", "buyer"),
    CheckConstraint("units >= 0", name="buyer_units_non_negative"),
)

orders = Table(
    "orders",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("reservation_id", String(40), ForeignKey("reservations.id"), unique=True),
    Column("sku", String(80), ForeignKey("skus.code"), nullable=False),
    Column("channel", String(80), ForeignKey("channels.code"), nullable=False),
    Column("buyer", String(200), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("state", String(16), nullable=False),
    Column("ship_to_lat", Float),
    Column("ship_to_lon", Float),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("shipped_at", DateTime(timezone=True)),
)

order_allocations = Table(
    "order_allocations",
    metadata,
    Column("order_id", String(40), ForeignKey("orders.id"), nullable=False),
    Column("warehouse", String(40), ForeignKey("warehouses.code"), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("ship_day", Date, nullable=False),
    Column("distance_km", Float, nullable=False),
    PrimaryKeyConstraint("order_id", "warehouse", "ship_day"),
)

warehouse_capacity = Table(
    "warehouse_capacity",
    metadata,
    Column("warehouse", String(40), ForeignKey("warehouses.code"), nullable=False),
    Column("day", Date, nullable=False),
    Column("capacity", Integer, nullable=False),
    Column("booked", Integer, nullable=False, default=0),
    PrimaryKeyConstraint("warehouse", "day"),
    CheckConstraint("booked >= 0 AND booked <= capacity", name="booked_within_capacity"),
)

stock_ledger = Table(
    "stock_ledger",
    metadata,
    Column("sku", String(80), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("ref", String(200), nullable=False),
    Column("warehouse", String(40)),
    Column("bucket", String(80)),
    Column("d_on_hand", Integer, nullable=False, default=0),
    Column("d_reserved", Integer, nullable=False, default=0),
    Column("d_in_transit", Integer, nullable=False, default=0),
    Column("d_limit", Integer, nullable=False, default=0),
    Column("d_used", Integer, nullable=False, default=0),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    PrimaryKeyConstraint("sku", "seq"),
)

channel_listings = Table(
    "channel_listings",
    metadata,
    Column("channel", String(80), ForeignKey("channels.code"), nullable=False),
    Column("sku", String(80), ForeignKey("skus.code"), nullable=False),
    Column("external_ref", String(200)),
    Column("published_units", Integer, nullable=False, default=0),
    Column("held_units", Integer),
    Column("acknowledged_units", Integer, nullable=False, default=0),
    Column("version", BigInteger, nullable=False, default=0),
    Column("acknowledged_version", BigInteger, nullable=False, default=0),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("channel", "sku"),
)

live_rule_firings = Table(
    "live_rule_firings",
    metadata,
    Column("sku", String(80), ForeignKey("skus.code"), nullable=False),
    Column("rule", String(16), nullable=False),
    Column("subject", String(80), nullable=False),
    Column("fired_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("sku", "rule", "subject"),
)
