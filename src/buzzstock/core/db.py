"""Database: engine per URL, SQLite (WAL) by default, PostgreSQL for production; migrations."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import (
    Connection,
    Engine,
    MetaData,
    create_engine,
    event,
    inspect,
    literal,
    select,
    table,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.pool import NullPool, QueuePool

from buzzstock.core.errors import ConfigurationError

READ_ONLY = "buzzstock_read_only"
# The application's Alembic scripts (every capability's tables), found by name so that core
# imports no capability.
MIGRATIONS_PACKAGE = "buzzstock.migrations"
SQLITE_BUSY_SECONDS = 60
_HOLDS_WRITER_LOCK = "buzzstock_holds_writer_lock"
SUPPORTED_URLS = (
    "buzzstock stores its data in SQLite (sqlite:///path/to/shop.db) or PostgreSQL "
    "(postgresql://user@host:5432/db); set database_url in buzzstock.toml or "
    "BUZZSTOCK_DATABASE_URL"
)

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
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigurationError(f"database_url {url!r} is not a URL: {SUPPORTED_URLS}") from None
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            folder = Path(database).expanduser().resolve().parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise ConfigurationError(
                    f"cannot create the folder {folder} of the SQLite database: "
                    f"{error.strerror or error}; choose a writable place in database_url"
                ) from None
        in_memory = database in ("", ":memory:")
        engine = create_engine(
            url,
            poolclass=NullPool if in_memory else QueuePool,
            connect_args={"timeout": SQLITE_BUSY_SECONDS, "check_same_thread": False},
            **({} if in_memory else {"pool_size": pool_size, "max_overflow": pool_size}),
        )
        writer = WriterLock()
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", writer.begin)
        event.listen(engine, "commit", writer.end)
        event.listen(engine, "rollback", writer.end)
        return engine
    if parsed.get_backend_name() == "postgresql":
        try:
            return create_engine(
                url, pool_size=pool_size, max_overflow=pool_size, pool_recycle=1800
            )
        except (NoSuchModuleError, ImportError):
            raise ConfigurationError(
                f"database_url {parsed.render_as_string(hide_password=True)!r} names a "
                f"PostgreSQL driver that is not installed: {SUPPORTED_URLS}"
            ) from None
    raise ConfigurationError(
        f"database_url {parsed.render_as_string(hide_password=True)!r} is not supported: "
        f"{SUPPORTED_URLS}"
    )


def _sqlite_on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    # The driver's own transaction handling is switched off so that `begin` below can take the
    # write lock up front: two writers then queue instead of failing on a lock upgrade.
    dbapi_connection.isolation_level = None
    dbapi_connection.create_function("buzz_sha256", 1, _sha256_hex, deterministic=True)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


class WriterLock:
    """SQLite allows one writer at a time. Threads of one process queue on this lock instead of
    on SQLite's busy handler, which polls with sleeps of up to 100 ms; other processes still
    queue on the database lock (``BEGIN IMMEDIATE``)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def begin(self, connection: Connection) -> None:
        if connection.get_execution_options().get(READ_ONLY):
            connection.exec_driver_sql("BEGIN")
            return
        if not self._lock.acquire(timeout=SQLITE_BUSY_SECONDS):
            raise TimeoutError(
                f"waited {SQLITE_BUSY_SECONDS} s for another write transaction of this process"
            )
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            self._lock.release()
            raise
        connection.info[_HOLDS_WRITER_LOCK] = True

    def end(self, connection: Connection) -> None:
        if connection.info.pop(_HOLDS_WRITER_LOCK, False):
            self._lock.release()


def alembic_config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(resources.files(MIGRATIONS_PACKAGE)))
    config.attributes["connection"] = connection
    return config


def tables_with_rows(engine: Engine) -> list[str]:
    """The tables of the store that hold at least one row (the migrations' own table aside)."""
    with engine.connect() as connection:
        names = inspect(connection).get_table_names()
        return [
            name
            for name in sorted(names)
            if name != "alembic_version"
            and connection.execute(select(literal(1)).select_from(table(name)).limit(1)).first()
        ]


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration of every capability's branch (idempotent)."""
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "heads")


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    """A read-only snapshot that does not queue behind writers (SQLite takes no write lock)."""
    with engine.connect() as connection:
        yield connection.execution_options(**{READ_ONLY: True})
