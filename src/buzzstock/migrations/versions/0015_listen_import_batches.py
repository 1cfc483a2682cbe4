"""listen: each mention remembers the import batch that first stored it, so a batch can be deleted

Revision ID: 0015
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0012"
branch_labels = None
depends_on = "0004"  # listen_mentions is made on the listen branch


def upgrade() -> None:
    with op.batch_alter_table("listen_mentions") as batch:
        batch.add_column(sa.Column("batch_id", sa.String(40), nullable=True))
        batch.create_index("ix_listen_mentions_batch", ["batch_id"])


def downgrade() -> None:
    with op.batch_alter_table("listen_mentions") as batch:
        batch.drop_index("ix_listen_mentions_batch")
        batch.drop_column("batch_id")
