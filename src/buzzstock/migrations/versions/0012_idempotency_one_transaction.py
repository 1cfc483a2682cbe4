"""core: an Idempotency-Key remembers whether its change committed, and its answer byte for byte

Revision ID: 0012
Revises: 0008
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

PROBLEM_JSON = "application/problem+json"

revision = "0012"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    keys = sa.table(
        "idempotency_keys",
        sa.column("scope", sa.String()),
        sa.column("key", sa.String()),
        sa.column("status_code", sa.Integer()),
        sa.column("response", sa.JSON()),
        sa.column("response_body", sa.LargeBinary()),
        sa.column("content_type", sa.String()),
    )
    with op.batch_alter_table("idempotency_keys") as batch:
        batch.add_column(
            sa.Column("changed", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("response_body", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("content_type", sa.String(120), nullable=True))
        batch.create_index("ix_idempotency_keys_created_at", ["created_at"])
    connection = op.get_bind()
    answered = connection.execute(
        sa.select(keys.c.scope, keys.c.key, keys.c.status_code, keys.c.response).where(
            keys.c.status_code.is_not(None)
        )
    ).all()
    for row in answered:
        # Answers stored before this revision were parsed JSON: they are kept, written the way
        # the API writes JSON, so a retry within the TTL is still answered and not run again.
        connection.execute(
            sa.update(keys)
            .where(keys.c.scope == row.scope, keys.c.key == row.key)
            .values(
                response_body=json.dumps(row.response, separators=(",", ":")).encode(),
                content_type=PROBLEM_JSON if row.status_code >= 400 else "application/json",
            )
        )
    with op.batch_alter_table("idempotency_keys") as batch:
        batch.drop_column("response")


def downgrade() -> None:
    with op.batch_alter_table("idempotency_keys") as batch:
        batch.drop_index("ix_idempotency_keys_created_at")
        batch.drop_column("content_type")
        batch.drop_column("response_body")
        batch.drop_column("changed")
        batch.add_column(sa.Column("response", sa.JSON(), nullable=True))
