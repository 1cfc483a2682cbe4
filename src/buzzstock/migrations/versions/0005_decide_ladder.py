"""decide: ladder stage 2 (when a batch was received) and D-10 spares and QC

Revision ID: 0005
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("decide_purchase_orders") as batch:
        batch.add_column(sa.Column("received_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("spare_units", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("qc_plan", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("decide_purchase_orders") as batch:
        batch.drop_column("qc_plan")
        batch.drop_column("spare_units")
        batch.drop_column("received_at")
