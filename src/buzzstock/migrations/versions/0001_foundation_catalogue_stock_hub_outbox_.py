"""foundation: catalogue, stock hub, outbox, keys

Revision ID: 0001
Revises:
Create Date: 2026-11-23 17:33:10.656986
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=80), nullable=True),
        sa.Column("supplier", sa.String(length=80), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_keys_key_hash")),
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("scope", sa.String(length=120), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("response", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("scope", "key", name=op.f("pk_idempotency_keys")),
    )
    op.create_table(
        "outbox_deliveries",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("event_id", sa.String(length=40), nullable=False),
        sa.Column("consumer", sa.String(length=120), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_deliveries")),
    )
    with op.batch_alter_table("outbox_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outbox_deliveries_due", ["state", "next_attempt_at"], unique=False
        )
        batch_op.create_index(
            "uq_outbox_deliveries_event_consumer", ["event_id", "consumer"], unique=True
        )

    op.create_table(
        "outbox_events",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("event_id", sa.String(length=40), nullable=False),
        sa.Column("event_type", sa.String(length=80), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fanned_out", sa.Boolean(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_outbox_events")),
        sa.UniqueConstraint("event_id", name=op.f("uq_outbox_events_event_id")),
    )
    with op.batch_alter_table("outbox_events", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_events_pending", ["fanned_out", "seq"], unique=False)

    op.create_table(
        "regions",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_regions")),
    )
    op.create_table(
        "skus",
        sa.Column("code", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("category", sa.String(length=120), nullable=False),
        sa.Column("base_price", sa.Float(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_skus")),
    )
    op.create_table(
        "stock_ledger",
        sa.Column("sku", sa.String(length=80), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("ref", sa.String(length=200), nullable=False),
        sa.Column("warehouse", sa.String(length=40), nullable=True),
        sa.Column("bucket", sa.String(length=80), nullable=True),
        sa.Column("d_on_hand", sa.Integer(), nullable=False),
        sa.Column("d_reserved", sa.Integer(), nullable=False),
        sa.Column("d_in_transit", sa.Integer(), nullable=False),
        sa.Column("d_limit", sa.Integer(), nullable=False),
        sa.Column("d_used", sa.Integer(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("sku", "seq", name=op.f("pk_stock_ledger")),
    )
    op.create_table(
        "webhook_subscriptions",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("secret", sa.String(length=200), nullable=False),
        sa.Column("event_types", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_subscriptions")),
    )
    op.create_table(
        "buyer_purchases",
        sa.Column("sku", sa.String(length=80), nullable=False),
        sa.Column("buyer", sa.String(length=200), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.CheckConstraint("units >= 0", name=op.f("ck_buyer_purchases_buyer_units_non_negative")),
        sa.ForeignKeyConstraint(["sku"], ["skus.code"], name=op.f("fk_buyer_purchases_sku_skus")),
        sa.PrimaryKeyConstraint("sku", "buyer", name=op.f("pk_buyer_purchases")),
    )
    op.create_table(
        "live_rule_firings",
        sa.Column("sku", sa.String(length=80), nullable=False),
        sa.Column("rule", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=80), nullable=False),
        sa.Column("fired_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["sku"], ["skus.code"], name=op.f("fk_live_rule_firings_sku_skus")),
        sa.PrimaryKeyConstraint("sku", "rule", "subject", name=op.f("pk_live_rule_firings")),
    )
    op.create_table(
        "markets",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("region", sa.String(length=40), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("tax_rate", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["region"], ["regions.code"], name=op.f("fk_markets_region_regions")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_markets")),
    )
    op.create_table(
        "quota_buckets",
        sa.Column("sku", sa.String(length=80), nullable=False),
        sa.Column("bucket", sa.String(length=80), nullable=False),
        sa.Column("limit_units", sa.Integer(), nullable=False),
        sa.Column("used_units", sa.Integer(), nullable=False),
        sa.Column("sold_units", sa.Integer(), nullable=False),
        sa.Column("initial_units", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "used_units >= 0 AND used_units <= limit_units",
            name=op.f("ck_quota_buckets_used_within_limit"),
        ),
        sa.ForeignKeyConstraint(["sku"], ["skus.code"], name=op.f("fk_quota_buckets_sku_skus")),
        sa.PrimaryKeyConstraint("sku", "bucket", name=op.f("pk_quota_buckets")),
    )
    op.create_table(
        "stock_pools",
        sa.Column("sku", sa.String(length=80), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("pause_reason", sa.Text(), nullable=True),
        sa.Column("buyer_limit", sa.Integer(), nullable=True),
        sa.Column("reference_units", sa.Integer(), nullable=False),
        sa.Column("units_total", sa.BigInteger(), nullable=False),
        sa.Column("units_used", sa.BigInteger(), nullable=False),
        sa.Column("low_alert_active", sa.Boolean(), nullable=False),
        sa.Column("ledger_seq", sa.BigInteger(), nullable=False),
        sa.Column("ledger_head", sa.String(length=64), nullable=False),
        sa.Column("ledger_prev_head", sa.String(length=64), nullable=False),
        sa.CheckConstraint(
            "units_used >= 0 AND units_used <= units_total",
            name=op.f("ck_stock_pools_pool_within_total"),
        ),
        sa.ForeignKeyConstraint(["sku"], ["skus.code"], name=op.f("fk_stock_pools_sku_skus")),
        sa.PrimaryKeyConstraint("sku", name=op.f("pk_stock_pools")),
    )
    op.create_table(
        "warehouses",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("region", sa.String(length=40), nullable=False),
        sa.Column("city", sa.String(length=120), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("daily_capacity", sa.Integer(), nullable=False),
        sa.Column("bonded", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["region"], ["regions.code"], name=op.f("fk_warehouses_region_regions")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_warehouses")),
    )
    op.create_table(
        "channels",
        sa.Column("code", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("platform", sa.String(length=40), nullable=False),
        sa.Column("market", sa.String(length=40), nullable=False),
        sa.Column("webhook_url", sa.Text(), nullable=True),
        sa.Column("webhook_secret", sa.String(length=200), nullable=True),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["market"], ["markets.code"], name=op.f("fk_channels_market_markets")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_channels")),
    )
    op.create_table(
        "stock_levels",
        sa.Column("sku", sa.String(length=80), nullable=False),
        sa.Column("warehouse", sa.String(length=40), nullable=False),
        sa.Column("on_hand", sa.Integer(), nullable=False),
        sa.Column("reserved", sa.Integer(), nullable=False),
        sa.Column("in_transit", sa.Integer(), nullable=False),
        sa.Column("in_transit_eta", sa.DateTime(timezone=True), nullable=True),
        sa.Column("low_threshold", sa.Integer(), nullable=False),
        sa.CheckConstraint("in_transit >= 0", name=op.f("ck_stock_levels_in_transit_non_negative")),
        sa.CheckConstraint(
            "reserved >= 0 AND reserved <= on_hand",
            name=op.f("ck_stock_levels_reserved_within_on_hand"),
        ),
        sa.ForeignKeyConstraint(["sku"], ["skus.code"], name=op.f("fk_stock_levels_sku_skus")),
        sa.ForeignKeyConstraint(
            ["warehouse"], ["warehouses.code"], name=op.f("fk_stock_levels_warehouse_warehouses")
        ),
        sa.PrimaryKeyConstraint("sku", "warehouse", name=op.f("pk_stock_levels")),
    )
    op.create_table(
        "warehouse_capacity",
        sa.Column("warehouse", sa.String(length=40), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("booked", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "booked >= 0 AND booked <= capacity",
            name=op.f("ck_warehouse_capacity_booked_within_capacity"),
        ),
        sa.ForeignKeyConstraint(
            ["warehouse"],
            ["warehouses.code"],
            name=op.f("fk_warehouse_capacity_warehouse_warehouses"),
        ),
        sa.PrimaryKeyConstraint("warehouse", "day", name=op.f("pk_warehouse_capacity")),
    )
    op.create_table(
        "channel_listings",
        sa.Column("channel", sa.String(length=80), nullable=False),
        sa.Column("sku", sa.String(length=80), nullable=False),
        sa.Column("external_ref", sa.String(length=200), nullable=True),
        sa.Column("published_units", sa.Integer(), nullable=False),
        sa.Column("acknowledged_units", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("acknowledged_version", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel"], ["channels.code"], name=op.f("fk_channel_listings_channel_channels")
        ),
        sa.ForeignKeyConstraint(["sku"], ["skus.code"], name=op.f("fk_channel_listings_sku_skus")),
        sa.PrimaryKeyConstraint("channel", "sku", name=op.f("pk_channel_listings")),
    )
    op.create_table(
        "reservations",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("request_key", sa.String(length=200), nullable=True),
        sa.Column("request_fingerprint", sa.String(length=64), nullable=True),
        sa.Column("sku", sa.String(length=80), nullable=False),
        sa.Column("channel", sa.String(length=80), nullable=False),
        sa.Column("buyer", sa.String(length=200), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("primary_bucket", sa.String(length=80), nullable=False),
        sa.Column("primary_units", sa.Integer(), nullable=False),
        sa.Column("elastic_units", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["channel"], ["channels.code"], name=op.f("fk_reservations_channel_channels")
        ),
        sa.ForeignKeyConstraint(["sku"], ["skus.code"], name=op.f("fk_reservations_sku_skus")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reservations")),
        sa.UniqueConstraint("request_key", name=op.f("uq_reservations_request_key")),
    )
    with op.batch_alter_table("reservations", schema=None) as batch_op:
        batch_op.create_index("ix_reservations_held_expiry", ["state", "expires_at"], unique=False)
        batch_op.create_index("ix_reservations_sku_created", ["sku", "created_at"], unique=False)

    op.create_table(
        "orders",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("reservation_id", sa.String(length=40), nullable=True),
        sa.Column("sku", sa.String(length=80), nullable=False),
        sa.Column("channel", sa.String(length=80), nullable=False),
        sa.Column("buyer", sa.String(length=200), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("ship_to_lat", sa.Float(), nullable=True),
        sa.Column("ship_to_lon", sa.Float(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("shipped_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["channel"], ["channels.code"], name=op.f("fk_orders_channel_channels")
        ),
        sa.ForeignKeyConstraint(
            ["reservation_id"],
            ["reservations.id"],
            name=op.f("fk_orders_reservation_id_reservations"),
        ),
        sa.ForeignKeyConstraint(["sku"], ["skus.code"], name=op.f("fk_orders_sku_skus")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
        sa.UniqueConstraint("reservation_id", name=op.f("uq_orders_reservation_id")),
    )
    op.create_table(
        "order_allocations",
        sa.Column("order_id", sa.String(length=40), nullable=False),
        sa.Column("warehouse", sa.String(length=40), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("ship_day", sa.Date(), nullable=False),
        sa.Column("distance_km", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_order_allocations_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["warehouse"],
            ["warehouses.code"],
            name=op.f("fk_order_allocations_warehouse_warehouses"),
        ),
        sa.PrimaryKeyConstraint(
            "order_id", "warehouse", "ship_day", name=op.f("pk_order_allocations")
        ),
    )


def downgrade() -> None:
    op.drop_table("order_allocations")
    op.drop_table("orders")
    with op.batch_alter_table("reservations", schema=None) as batch_op:
        batch_op.drop_index("ix_reservations_sku_created")
        batch_op.drop_index("ix_reservations_held_expiry")

    op.drop_table("reservations")
    op.drop_table("channel_listings")
    op.drop_table("warehouse_capacity")
    op.drop_table("stock_levels")
    op.drop_table("channels")
    op.drop_table("warehouses")
    op.drop_table("stock_pools")
    op.drop_table("quota_buckets")
    op.drop_table("markets")
    op.drop_table("live_rule_firings")
    op.drop_table("buyer_purchases")
    op.drop_table("webhook_subscriptions")
    op.drop_table("stock_ledger")
    op.drop_table("skus")
    op.drop_table("regions")
    with op.batch_alter_table("outbox_events", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_events_pending")

    op.drop_table("outbox_events")
    with op.batch_alter_table("outbox_deliveries", schema=None) as batch_op:
        batch_op.drop_index("uq_outbox_deliveries_event_consumer")
        batch_op.drop_index("ix_outbox_deliveries_due")

    op.drop_table("outbox_deliveries")
    op.drop_table("idempotency_keys")
    op.drop_table("api_keys")
