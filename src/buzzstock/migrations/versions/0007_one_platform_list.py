"""catalog: channels name their platform from the one list the adapters use

Earlier catalogues said ``youtube_shopping``, ``instagram`` or ``custom`` and could name the
adapter in ``settings.adapter_platform``; each channel now stores the adapter's platform.

Revision ID: 0007
Revises: 0001
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0001"
branch_labels = None
depends_on = None

RENAMED = {"youtube_shopping": "google_merchant", "instagram": "meta", "custom": "generic"}


def upgrade() -> None:
    connection = op.get_bind()
    channels = sa.table(
        "channels",
        sa.column("code", sa.String),
        sa.column("platform", sa.String),
        sa.column("settings", sa.JSON),
    )
    rows = connection.execute(sa.select(channels.c.code, channels.c.platform, channels.c.settings))
    for row in rows.all():
        stored = row.settings or {}
        settings: dict[str, Any] = stored if isinstance(stored, dict) else json.loads(stored)
        platform = settings.pop("adapter_platform", None) or RENAMED.get(row.platform, row.platform)
        connection.execute(
            channels.update()
            .where(channels.c.code == row.code)
            .values(platform=platform, settings=settings)
        )


def downgrade() -> None:
    """The new names stay valid: nothing to undo."""
