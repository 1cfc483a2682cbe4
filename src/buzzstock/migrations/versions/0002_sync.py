"""sync: channel publication columns, webhook inbox, booked order lines, sync-latency samples

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = ("sync",)
depends_on = None

LISTING_COLUMNS = (
    ("exposure_units", sa.Integer(), False, "0"),
    ("sold_since_ack", sa.Integer(), False, "0"),
    ("compare_and_swap", sa.Boolean(), False, "0"),
    ("committed_at", sa.DateTime(timezone=True), True, None),
    ("inflight_version", sa.BigInteger(), False, "0"),
    ("inflight_units", sa.Integer(), False, "0"),
    ("inflight_expected", sa.Integer(), True, None),
    ("inflight_extra", sa.Integer(), False, "0"),
    ("inflight_committed_at", sa.DateTime(timezone=True), True, None),
    ("lease_until", sa.DateTime(timezone=True), True, None),
    ("next_attempt_at", sa.DateTime(timezone=True), True, None),
    ("attempts", sa.Integer(), False, "0"),
    ("failed_version", sa.BigInteger(), False, "0"),
    ("last_error", sa.Text(), True, None),
    ("pushes_sent", sa.Integer(), False, "0"),
    ("changes", sa.Integer(), False, "0"),
    ("reconciled_at", sa.DateTime(timezone=True), True, None),
    ("drift_units", sa.Integer(), False, "0"),
)


def upgrade() -> None:
    for name, kind, nullable, default in LISTING_COLUMNS:
        op.add_column(
            "channel_listings",
            sa.Column(name, kind, nullable=nullable, server_default=default),
        )
    op.create_table(
        "channel_inbox",
        sa.Column("channel", sa.String(length=80), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("platform", sa.String(length=40), nullable=False),
        sa.Column("topic", sa.String(length=120), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("fetch_ids", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("channel", "event_id", name=op.f("pk_channel_inbox")),
    )
    op.create_index("ix_channel_inbox_state", "channel_inbox", ["channel", "state"])
    op.create_table(
        "channel_order_lines",
        sa.Column("channel", sa.String(length=80), nullable=False),
        sa.Column("order_id", sa.String(length=200), nullable=False),
        sa.Column("sku_ref", sa.String(length=200), nullable=False),
        sa.Column("sku", sa.String(length=80), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reservation_id", sa.String(length=40), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("booked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "channel", "order_id", "sku_ref", name=op.f("pk_channel_order_lines")
        ),
    )
    op.create_index("ix_channel_order_lines_sku", "channel_order_lines", ["sku", "occurred_at"])
    op.create_table(
        "channel_sync_samples",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("channel", sa.String(length=80), nullable=False),
        sa.Column("sku", sa.String(length=80), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("committed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_sync_samples")),
    )
    op.create_index("ix_channel_sync_samples_channel", "channel_sync_samples", ["channel", "id"])


def downgrade() -> None:
    op.drop_index("ix_channel_sync_samples_channel", table_name="channel_sync_samples")
    op.drop_table("channel_sync_samples")
    op.drop_index("ix_channel_order_lines_sku", table_name="channel_order_lines")
    op.drop_table("channel_order_lines")
    op.drop_index("ix_channel_inbox_state", table_name="channel_inbox")
    op.drop_table("channel_inbox")
    with op.batch_alter_table("channel_listings") as batch_op:
        for name, _kind, _nullable, _default in reversed(LISTING_COLUMNS):
            batch_op.drop_column(name)
