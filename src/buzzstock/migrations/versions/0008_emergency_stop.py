"""stock: the D-6 emergency stop holds a SKU (who paused it) and what each channel showed

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("stock_pools") as batch:
        batch.add_column(sa.Column("pause_rule", sa.String(8), nullable=True))
    with op.batch_alter_table("channel_listings") as batch:
        batch.add_column(sa.Column("held_units", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("channel_listings") as batch:
        batch.drop_column("held_units")
    with op.batch_alter_table("stock_pools") as batch:
        batch.drop_column("pause_rule")
