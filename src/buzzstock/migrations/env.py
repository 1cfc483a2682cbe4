"""Alembic environment: runs on the connection handed over by buzzstock.core.db.upgrade."""

from __future__ import annotations

from alembic import context

import buzzstock.tables  # noqa: F401  (registers every table on the shared metadata)
from buzzstock.core.db import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
