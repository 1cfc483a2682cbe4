"""decide: auto-executed orders wait an undo window; the emergency stop is kept per SKU; each
receipt of a purchase order is numbered (its reference at the stock hub)

Revision ID: 0009
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("decide_decisions") as batch:
        batch.add_column(sa.Column("scheduled_for", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("decide_purchase_orders") as batch:
        batch.add_column(sa.Column("receipts", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "decide_emergency_stops",
        sa.Column("sku", sa.String(80), primary_key=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("raised_by", sa.String(200), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("previous_stage", sa.String(24), nullable=False),
        sa.Column("source_event_id", sa.String(40), nullable=True),
        sa.Column("lifted_by", sa.String(200), nullable=True),
        sa.Column("lifted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lift_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("sku", name=op.f("pk_decide_emergency_stops")),
    )


def downgrade() -> None:
    op.drop_table("decide_emergency_stops")
    with op.batch_alter_table("decide_purchase_orders") as batch:
        batch.drop_column("receipts")
    with op.batch_alter_table("decide_decisions") as batch:
        batch.drop_column("scheduled_for")
