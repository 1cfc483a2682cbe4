"""decide: suppliers, decision queue, purchase orders, cash, prices, supplier portal data

Revision ID: 0003
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0001"
branch_labels = ("decide",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "decide_attribute_requests",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("sku", sa.String(length=80), nullable=False),
        sa.Column("attribute", sa.String(length=200), nullable=False),
        sa.Column("mentions", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decide_attribute_requests")),
    )
    op.create_index(
        "ix_decide_attribute_requests_sku", "decide_attribute_requests", ["sku"], unique=False
    )
    op.create_table(
        "decide_cash_accounts",
        sa.Column("account", sa.String(length=40), nullable=False),
        sa.Column("liquid_funds", sa.Float(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("account", name=op.f("pk_decide_cash_accounts")),
    )
    op.create_table(
        "decide_cash_flows",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("amount", sa.Float(), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decide_cash_flows")),
    )
    op.create_table(
        "decide_cash_movements",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("amount", sa.Float(), nullable=False),
        sa.Column("balance_after", sa.Float(), nullable=False),
        sa.Column("ref", sa.String(length=40), nullable=True),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decide_cash_movements")),
    )
    op.create_table(
        "decide_decisions",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("sku", sa.String(length=80), nullable=False),
        sa.Column("route", sa.String(length=24), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=True),
        sa.Column("price", sa.Float(), nullable=True),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("source_event_id", sa.String(length=40), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decide_decisions")),
    )
    op.create_index("ix_decide_decisions_sku", "decide_decisions", ["sku"], unique=False)
    op.create_index(
        "ix_decide_decisions_status", "decide_decisions", ["status", "created_at"], unique=False
    )
    op.create_table(
        "decide_heat_points",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("sku", sa.String(length=80), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heat", sa.Float(), nullable=False),
        sa.Column("growth", sa.Float(), nullable=True),
        sa.Column("positive_share", sa.Float(), nullable=True),
        sa.Column("platforms", sa.JSON(), nullable=True),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decide_heat_points")),
    )
    op.create_index(
        "ix_decide_heat_points_sku_at", "decide_heat_points", ["sku", "at"], unique=False
    )
    op.create_table(
        "decide_prices",
        sa.Column("sku", sa.String(length=80), nullable=False),
        sa.Column("price", sa.Float(), nullable=False),
        sa.Column("decision_id", sa.String(length=40), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sku", name=op.f("pk_decide_prices")),
    )
    op.create_table(
        "decide_processed_events",
        sa.Column("event_id", sa.String(length=40), nullable=False),
        sa.Column("handler", sa.String(length=80), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id", "handler", name=op.f("pk_decide_processed_events")),
    )
    op.create_table(
        "decide_sku_modes",
        sa.Column("sku", sa.String(length=80), nullable=False),
        sa.Column("ladder_stage", sa.String(length=20), nullable=False),
        sa.Column("make_to_order", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sku", name=op.f("pk_decide_sku_modes")),
    )
    op.create_table(
        "decide_supplier_notices",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("supplier", sa.String(length=80), nullable=False),
        sa.Column("sku", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("heat", sa.Float(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decide_supplier_notices")),
    )
    op.create_index(
        "ix_decide_supplier_notices_supplier",
        "decide_supplier_notices",
        ["supplier", "at"],
        unique=False,
    )
    op.create_table(
        "decide_suppliers",
        sa.Column("code", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("tier", sa.String(length=20), nullable=False),
        sa.Column("grade", sa.String(length=1), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("capacity_period_days", sa.Integer(), nullable=False),
        sa.Column("moq", sa.Integer(), nullable=False),
        sa.Column("lead_time_min_days", sa.Integer(), nullable=False),
        sa.Column("lead_time_mode_days", sa.Integer(), nullable=False),
        sa.Column("lead_time_max_days", sa.Integer(), nullable=False),
        sa.Column("unit_cost", sa.Float(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("freight", sa.JSON(), nullable=False),
        sa.Column("material_ready_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_decide_suppliers")),
    )
    op.create_table(
        "decide_purchase_orders",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("decision_id", sa.String(length=40), nullable=True),
        sa.Column("supplier", sa.String(length=80), nullable=False),
        sa.Column("warehouse", sa.String(length=40), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("freight_mode", sa.String(length=16), nullable=False),
        sa.Column("transit_days", sa.Integer(), nullable=False),
        sa.Column("freight_cost", sa.Float(), nullable=False),
        sa.Column("cost", sa.Float(), nullable=False),
        sa.Column("expected_arrival_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("eta", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("pause_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("shipped_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["decide_decisions.id"],
            name=op.f("fk_decide_purchase_orders_decision_id_decide_decisions"),
        ),
        sa.ForeignKeyConstraint(
            ["supplier"],
            ["decide_suppliers.code"],
            name=op.f("fk_decide_purchase_orders_supplier_decide_suppliers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decide_purchase_orders")),
    )
    op.create_index(
        "ix_decide_purchase_orders_state",
        "decide_purchase_orders",
        ["state", "approved_at"],
        unique=False,
    )
    op.create_index(
        "ix_decide_purchase_orders_supplier",
        "decide_purchase_orders",
        ["supplier", "created_at"],
        unique=False,
    )
    op.create_table(
        "decide_supplier_skus",
        sa.Column("supplier", sa.String(length=80), nullable=False),
        sa.Column("sku", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["supplier"],
            ["decide_suppliers.code"],
            name=op.f("fk_decide_supplier_skus_supplier_decide_suppliers"),
        ),
        sa.PrimaryKeyConstraint("supplier", "sku", name=op.f("pk_decide_supplier_skus")),
    )
    op.create_index("ix_decide_supplier_skus_sku", "decide_supplier_skus", ["sku"], unique=False)
    op.create_table(
        "decide_purchase_order_lines",
        sa.Column("order_id", sa.String(length=40), nullable=False),
        sa.Column("sku", sa.String(length=80), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_cost", sa.Float(), nullable=False),
        sa.Column("received", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["decide_purchase_orders.id"],
            name=op.f("fk_decide_purchase_order_lines_order_id_decide_purchase_orders"),
        ),
        sa.PrimaryKeyConstraint("order_id", "sku", name=op.f("pk_decide_purchase_order_lines")),
    )


def downgrade() -> None:
    op.drop_table("decide_purchase_order_lines")
    op.drop_table("decide_supplier_skus")
    op.drop_table("decide_purchase_orders")
    op.drop_table("decide_suppliers")
    op.drop_table("decide_supplier_notices")
    op.drop_table("decide_sku_modes")
    op.drop_table("decide_processed_events")
    op.drop_table("decide_prices")
    op.drop_table("decide_heat_points")
    op.drop_table("decide_decisions")
    op.drop_table("decide_cash_movements")
    op.drop_table("decide_cash_flows")
    op.drop_table("decide_cash_accounts")
    op.drop_table("decide_attribute_requests")
