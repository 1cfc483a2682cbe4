"""Decide tables: suppliers, the decision queue (K-4), purchase orders, cash, prices and what
suppliers are shown (heat, attribute requests, notices)."""

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

_AUTO_ID = BigInteger().with_variant(Integer, "sqlite")

suppliers = Table(
    "decide_suppliers",
    metadata,
    Column("code", String(80), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("tier", String(20), nullable=False),
    Column("grade", String(1), nullable=False),
    Column("capacity", Integer, nullable=False),
    Column("capacity_period_days", Integer, nullable=False),
    Column("moq", Integer, nullable=False),
    Column("lead_time_min_days", Integer, nullable=False),
    Column("lead_time_mode_days", Integer, nullable=False),
    Column("lead_time_max_days", Integer, nullable=False),
    Column("unit_cost", Float, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("freight", JSON, nullable=False),
    Column("material_ready_at", DateTime(timezone=True)),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

supplier_skus = Table(
    "decide_supplier_skus",
    metadata,
    Column("supplier", String(80), ForeignKey("decide_suppliers.code"), primary_key=True),
    Column("sku", String(80), primary_key=True),
    Index("ix_decide_supplier_skus_sku", "sku"),
)

decisions = Table(
    "decide_decisions",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("kind", String(24), nullable=False),
    Column("sku", String(80), nullable=False),
    Column("route", String(24), nullable=False),
    Column("status", String(16), nullable=False),
    Column("quantity", Integer),
    Column("price", Float),
    Column("inputs", JSON, nullable=False),
    Column("reasons", JSON, nullable=False),
    Column("result", JSON, nullable=False),
    Column("source_event_id", String(40)),
    Column("scheduled_for", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_decide_decisions_status", "status", "created_at"),
    Index("ix_decide_decisions_sku", "sku"),
)

purchase_orders = Table(
    "decide_purchase_orders",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("decision_id", String(40), ForeignKey("decide_decisions.id")),
    Column("supplier", String(80), ForeignKey("decide_suppliers.code"), nullable=False),
    Column("warehouse", String(40), nullable=False),
    Column("state", String(16), nullable=False),
    Column("freight_mode", String(16), nullable=False),
    Column("transit_days", Integer, nullable=False),
    Column("freight_cost", Float, nullable=False),
    Column("cost", Float, nullable=False),
    Column("expected_arrival_at", DateTime(timezone=True)),
    Column("eta", DateTime(timezone=True)),
    Column("paused", Boolean, nullable=False, default=False),
    Column("pause_reason", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("approved_at", DateTime(timezone=True)),
    Column("sent_at", DateTime(timezone=True)),
    Column("shipped_at", DateTime(timezone=True)),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("received_at", DateTime(timezone=True)),
    Column("spare_units", Integer, nullable=False, default=0, server_default="0"),
    Column("qc_plan", JSON),
    Column("receipts", Integer, nullable=False, default=0, server_default="0"),
    Index("ix_decide_purchase_orders_supplier", "supplier", "created_at"),
    Index("ix_decide_purchase_orders_state", "state", "approved_at"),
)

purchase_order_lines = Table(
    "decide_purchase_order_lines",
    metadata,
    Column("order_id", String(40), ForeignKey("decide_purchase_orders.id"), primary_key=True),
    Column("sku", String(80), primary_key=True),
    Column("quantity", Integer, nullable=False),
    Column("unit_cost", Float, nullable=False),
    Column("received", Integer, nullable=False, default=0),
)

cash_accounts = Table(
    "decide_cash_accounts",
    metadata,
    Column("account", String(40), primary_key=True),
    Column("liquid_funds", Float, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

cash_movements = Table(
    "decide_cash_movements",
    metadata,
    Column("id", _AUTO_ID, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("amount", Float, nullable=False),
    Column("balance_after", Float, nullable=False),
    Column("ref", String(40)),
    Column("label", String(200), nullable=False),
)

cash_flows = Table(
    "decide_cash_flows",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("due_at", DateTime(timezone=True), nullable=False),
    Column("amount", Float, nullable=False),
    Column("label", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

prices = Table(
    "decide_prices",
    metadata,
    Column("sku", String(80), primary_key=True),
    Column("price", Float, nullable=False),
    Column("decision_id", String(40)),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

sku_modes = Table(
    "decide_sku_modes",
    metadata,
    Column("sku", String(80), primary_key=True),
    Column("ladder_stage", String(20), nullable=False),
    Column("make_to_order", Boolean, nullable=False, default=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

heat_points = Table(
    "decide_heat_points",
    metadata,
    Column("id", _AUTO_ID, primary_key=True, autoincrement=True),
    Column("sku", String(80), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("heat", Float, nullable=False),
    Column("growth", Float),
    Column("positive_share", Float),
    Column("platforms", JSON),
    Column("source", String(40), nullable=False),
    Index("ix_decide_heat_points_sku_at", "sku", "at"),
)

attribute_requests = Table(
    "decide_attribute_requests",
    metadata,
    Column("id", _AUTO_ID, primary_key=True, autoincrement=True),
    Column("sku", String(80), nullable=False),
    Column("attribute", String(200), nullable=False),
    Column("mentions", Integer, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("ix_decide_attribute_requests_sku", "sku"),
)

supplier_notices = Table(
    "decide_supplier_notices",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("supplier", String(80), nullable=False),
    Column("sku", String(80), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("text", Text, nullable=False),
    Column("heat", Float),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("ix_decide_supplier_notices_supplier", "supplier", "at"),
)

processed_events = Table(
    "decide_processed_events",
    metadata,
    Column("event_id", String(40), primary_key=True),
    Column("handler", String(80), primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False),
)

emergency_stops = Table(
    "decide_emergency_stops",
    metadata,
    Column("sku", String(80), primary_key=True),
    Column("active", Boolean, nullable=False),
    Column("reason", Text, nullable=False),
    Column("raised_by", String(200), nullable=False),
    Column("raised_at", DateTime(timezone=True), nullable=False),
    Column("previous_stage", String(24), nullable=False),
    Column("source_event_id", String(40)),
    Column("lifted_by", String(200)),
    Column("lifted_at", DateTime(timezone=True)),
    Column("lift_reason", Text),
)
"""D-6: the SKUs under an emergency stop (and the last stop of each, once lifted)."""
