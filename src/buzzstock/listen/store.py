"""Listen tables: mentions with their counter snapshots (L-1), watch lists (L-2), per-product
trend states (L-3 … L-9), the alert review queue (L-6) and attribute requests (L-10).

Products are catalogue SKU codes, so the events listen records reach the decide capability.
"""

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
    UniqueConstraint,
)

from buzzstock.core.db import metadata

_AUTO_ID = BigInteger().with_variant(Integer, "sqlite")

mentions = Table(
    "listen_mentions",
    metadata,
    Column("id", _AUTO_ID, primary_key=True, autoincrement=True),
    Column("platform", String(20), nullable=False),
    Column("post_id", String(300), nullable=False),
    Column("author_id", String(300), nullable=False),
    Column("author_followers", BigInteger, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("text", Text, nullable=False),
    Column("language", String(16)),
    Column("hashtags", JSON, nullable=False),
    Column("views", BigInteger, nullable=False),
    Column("likes", BigInteger, nullable=False),
    Column("comments", BigInteger, nullable=False),
    Column("shares", BigInteger, nullable=False),
    Column("saves", BigInteger, nullable=False),
    Column("wishlist_adds", BigInteger, nullable=False),
    Column("preorders", BigInteger, nullable=False),
    Column("ad_disclosed", Boolean, nullable=False),
    Column("device_hint", String(300)),
    Column("ip_hint", String(300)),
    Column("author_created_at", DateTime(timezone=True)),
    Column("ai_generated", Boolean, nullable=False),
    Column("source", String(80), nullable=False),
    Column("first_seen_at", DateTime(timezone=True), nullable=False),
    Column("last_seen_at", DateTime(timezone=True), nullable=False),
    Column("snapshots", Integer, nullable=False),
    # The import batch that first stored the post (none for posts stored before batches had
    # ids); `buzzstock listen delete --batch` removes a batch's posts again.
    Column("batch_id", String(40)),
    UniqueConstraint("platform", "post_id", name="uq_listen_mentions_platform_post"),
    Index("ix_listen_mentions_created_at", "created_at"),
    Index("ix_listen_mentions_batch", "batch_id"),
)

mention_snapshots = Table(
    "listen_mention_snapshots",
    metadata,
    Column("id", _AUTO_ID, primary_key=True, autoincrement=True),
    Column("mention_id", _AUTO_ID, ForeignKey("listen_mentions.id"), nullable=False),
    Column("fetched_at", DateTime(timezone=True), nullable=False),
    Column("views", BigInteger, nullable=False),
    Column("likes", BigInteger, nullable=False),
    Column("comments", BigInteger, nullable=False),
    Column("shares", BigInteger, nullable=False),
    Column("saves", BigInteger, nullable=False),
    Column("wishlist_adds", BigInteger, nullable=False),
    Column("preorders", BigInteger, nullable=False),
    Index("ix_listen_mention_snapshots_mention", "mention_id"),
)

mention_products = Table(
    "listen_mention_products",
    metadata,
    Column("mention_id", _AUTO_ID, ForeignKey("listen_mentions.id"), primary_key=True),
    Column("sku", String(80), primary_key=True),
    Index("ix_listen_mention_products_sku", "sku"),
)

watch_lists = Table(
    "listen_watch_lists",
    metadata,
    Column("sku", String(80), primary_key=True),
    Column("product_keywords", JSON, nullable=False),
    Column("competitor_keywords", JSON, nullable=False),
    Column("category_keywords", JSON, nullable=False),
    Column("scene_emotion", JSON, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

trends = Table(
    "listen_trends",
    metadata,
    Column("sku", String(80), primary_key=True),
    Column("as_of", DateTime(timezone=True), nullable=False),
    Column("heat", Float, nullable=False),
    Column("tier", String(16)),
    Column("phase", String(24), nullable=False),
    Column("confirmed", Boolean, nullable=False),
    Column("alert_since", DateTime(timezone=True)),
    Column("growth", Float, nullable=False),
    Column("positive_share", Float, nullable=False),
    Column("platforms_rising", JSON, nullable=False),
    Column("fake_heat_probability", Float, nullable=False),
    Column("daily", JSON, nullable=False),
    Column("forecast", JSON),
    Column("detail", JSON, nullable=False),
    Column("mentions", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

alerts = Table(
    "listen_alerts",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("sku", String(80), nullable=False),
    Column("event_type", String(40), nullable=False),
    Column("tier", String(16)),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("event_id", String(40), nullable=False),
    Column("state", String(16), nullable=False),
    Column("reviewed_at", DateTime(timezone=True)),
    Column("reviewed_by", String(200)),
    Column("note", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("sku", "event_type", "at", name="uq_listen_alerts_sku_type_at"),
    Index("ix_listen_alerts_state", "state", "at"),
)

attribute_requests = Table(
    "listen_attribute_requests",
    metadata,
    Column("sku", String(80), primary_key=True),
    Column("attribute", String(80), primary_key=True),
    Column("requests", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
