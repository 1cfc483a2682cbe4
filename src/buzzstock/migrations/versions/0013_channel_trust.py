"""catalog, sync: a rotated channel secret is kept for its grace window; processed inbox rows
are found by age for the retention job (issue 11)

Revision ID: 0013
Revises: 0012
Depends on: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
# The inbox index needs the sync branch's channel_inbox table.
depends_on = ("0006",)


def upgrade() -> None:
    op.create_table(
        "channel_retired_secrets",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("channel", sa.String(80), nullable=False),
        sa.Column("path", sa.String(400), nullable=False),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_channel_retired_secrets_channel", "channel_retired_secrets", ["channel", "retired_at"]
    )
    op.create_index("ix_channel_inbox_processed", "channel_inbox", ["state", "processed_at"])


def downgrade() -> None:
    op.drop_index("ix_channel_inbox_processed", table_name="channel_inbox")
    op.drop_index("ix_channel_retired_secrets_channel", table_name="channel_retired_secrets")
    op.drop_table("channel_retired_secrets")
