"""sync: the seller's forecast of each channel's sales rate at the opening of a live sale

Revision ID: 0006
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("channel_listings") as batch:
        batch.add_column(sa.Column("forecast_rate", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("channel_listings") as batch:
        batch.drop_column("forecast_rate")
