"""listen: mentions and their snapshots, watch lists, trend states, alerts, attribute requests

Revision ID: 0004
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0001"
branch_labels = ("listen",)
depends_on = None

_AUTO_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_COUNTERS = ("views", "likes", "comments", "shares", "saves", "wishlist_adds", "preorders")


def _counters() -> list[sa.Column[int]]:
    return [sa.Column(name, sa.BigInteger(), nullable=False) for name in _COUNTERS]


def upgrade() -> None:
    op.create_table(
        "listen_mentions",
        sa.Column("id", _AUTO_ID, autoincrement=True, nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("post_id", sa.String(length=300), nullable=False),
        sa.Column("author_id", sa.String(length=300), nullable=False),
        sa.Column("author_followers", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.Column("hashtags", sa.JSON(), nullable=False),
        *_counters(),
        sa.Column("ad_disclosed", sa.Boolean(), nullable=False),
        sa.Column("device_hint", sa.String(length=300), nullable=True),
        sa.Column("ip_hint", sa.String(length=300), nullable=True),
        sa.Column("author_created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ai_generated", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=80), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("snapshots", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_listen_mentions")),
        sa.UniqueConstraint("platform", "post_id", name="uq_listen_mentions_platform_post"),
    )
    op.create_index("ix_listen_mentions_created_at", "listen_mentions", ["created_at"])
    op.create_table(
        "listen_mention_snapshots",
        sa.Column("id", _AUTO_ID, autoincrement=True, nullable=False),
        sa.Column("mention_id", _AUTO_ID, nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        *_counters(),
        sa.ForeignKeyConstraint(
            ["mention_id"],
            ["listen_mentions.id"],
            name=op.f("fk_listen_mention_snapshots_mention_id_listen_mentions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_listen_mention_snapshots")),
    )
    op.create_index(
        "ix_listen_mention_snapshots_mention", "listen_mention_snapshots", ["mention_id"]
    )
    op.create_table(
        "listen_mention_products",
        sa.Column("mention_id", _AUTO_ID, nullable=False),
        sa.Column("sku", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["mention_id"],
            ["listen_mentions.id"],
            name=op.f("fk_listen_mention_products_mention_id_listen_mentions"),
        ),
        sa.PrimaryKeyConstraint("mention_id", "sku", name=op.f("pk_listen_mention_products")),
    )
    op.create_index("ix_listen_mention_products_sku", "listen_mention_products", ["sku"])
    op.create_table(
        "listen_watch_lists",
        sa.Column("sku", sa.String(length=80), nullable=False),
        sa.Column("product_keywords", sa.JSON(), nullable=False),
        sa.Column("competitor_keywords", sa.JSON(), nullable=False),
        sa.Column("category_keywords", sa.JSON(), nullable=False),
        sa.Column("scene_emotion", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sku", name=op.f("pk_listen_watch_lists")),
    )
    op.create_table(
        "listen_trends",
        sa.Column("sku", sa.String(length=80), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heat", sa.Float(), nullable=False),
        sa.Column("tier", sa.String(length=16), nullable=True),
        sa.Column("phase", sa.String(length=24), nullable=False),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.Column("alert_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("growth", sa.Float(), nullable=False),
        sa.Column("positive_share", sa.Float(), nullable=False),
        sa.Column("platforms_rising", sa.JSON(), nullable=False),
        sa.Column("fake_heat_probability", sa.Float(), nullable=False),
        sa.Column("daily", sa.JSON(), nullable=False),
        sa.Column("forecast", sa.JSON(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("mentions", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sku", name=op.f("pk_listen_trends")),
    )
    op.create_table(
        "listen_alerts",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("sku", sa.String(length=80), nullable=False),
        sa.Column("event_type", sa.String(length=40), nullable=False),
        sa.Column("tier", sa.String(length=16), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("event_id", sa.String(length=40), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewed_by", sa.String(length=200), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_listen_alerts")),
        sa.UniqueConstraint("sku", "event_type", "at", name="uq_listen_alerts_sku_type_at"),
    )
    op.create_index("ix_listen_alerts_state", "listen_alerts", ["state", "at"])
    op.create_table(
        "listen_attribute_requests",
        sa.Column("sku", sa.String(length=80), nullable=False),
        sa.Column("attribute", sa.String(length=80), nullable=False),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sku", "attribute", name=op.f("pk_listen_attribute_requests")),
    )


def downgrade() -> None:
    op.drop_table("listen_attribute_requests")
    op.drop_index("ix_listen_alerts_state", table_name="listen_alerts")
    op.drop_table("listen_alerts")
    op.drop_table("listen_trends")
    op.drop_table("listen_watch_lists")
    op.drop_index("ix_listen_mention_products_sku", table_name="listen_mention_products")
    op.drop_table("listen_mention_products")
    op.drop_index("ix_listen_mention_snapshots_mention", table_name="listen_mention_snapshots")
    op.drop_table("listen_mention_snapshots")
    op.drop_index("ix_listen_mentions_created_at", table_name="listen_mentions")
    op.drop_table("listen_mentions")
