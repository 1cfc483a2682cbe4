"""Database: engine per URL, SQLite (WAL) by default, PostgreSQL for production; migrations."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, MetaData, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool, QueuePool

READ_ONLY = "buzzstock_read_only"

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def normalise_url(url: str) -> str:
    """Accept plain ``postgresql://`` / ``postgres://`` URLs and pick the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def backend_name(engine: Engine) -> str:
    return "postgresql" if engine.dialect.name == "postgresql" else "sqlite"


def create_db_engine(url: str, *, pool_size: int = 10) -> Engine:
    """An engine with our durability and locking settings for the URL's backend."""
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            Path(database).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
        in_memory = database in ("", ":memory:")
        engine = create_engine(
            url,
            poolclass=NullPool if in_memory else QueuePool,
            connect_args={"timeout": 60, "check_same_thread": False},
            **({} if in_memory else {"pool_size": pool_size, "max_overflow": pool_size}),
        )
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    if parsed.get_backend_name() == "postgresql":
        return create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_recycle=1800)
    raise ValueError(
        f"unsupported database URL {url!r}: use sqlite:///path.db or "
        "postgresql+psycopg://user@host:5432/db"
    )


def _sqlite_on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    # The driver's own transaction handling is switched off so that `begin` below can take the
    # write lock up front: two writers then queue instead of failing on a lock upgrade.
    dbapi_connection.isolation_level = None
    dbapi_connection.create_function("buzz_sha256", 1, _sha256_hex, deterministic=True)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=60000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _sqlite_on_begin(connection: Connection) -> None:
    if connection.get_execution_options().get(READ_ONLY):
        connection.exec_driver_sql("BEGIN")
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def alembic_config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option(
        "script_location", str(resources.files("buzzstock.core").joinpath("migrations"))
    )
    config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration of every capability's branch (idempotent)."""
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "heads")


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    """A read-only snapshot that does not queue behind writers (SQLite takes no write lock)."""
    with engine.connect() as connection:
        yield connection.execution_options(**{READ_ONLY: True})
