"""What a use case needs to run: the database engine, the effective settings and the clock."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from buzzstock.core.clock import Clock, SystemClock
from buzzstock.core.db import backend_name, create_db_engine, tables_with_rows, upgrade
from buzzstock.core.errors import ConfigurationError, Conflict
from buzzstock.core.settings import CoreSettings, G


@dataclass
class Context:
    engine: Engine
    settings: CoreSettings
    clock: Clock = field(default_factory=SystemClock)
    _effective: dict[tuple[str | None, str | None], CoreSettings] = field(
        default_factory=dict, repr=False
    )

    def settings_for(
        self, *, market: str | None = None, category: str | None = None
    ) -> CoreSettings:
        """The settings with a market's (or region's) and a category's overrides applied."""
        if market is None and category is None:
            return self.settings
        key = (market, category)
        found = self._effective.get(key)
        if found is None:
            found = self.settings.effective(market=market, category=category)
            self._effective[key] = found
        return found

    def section(
        self, kind: type[G], *, market: str | None = None, category: str | None = None
    ) -> G:
        """One group of the effective settings, e.g. ``ctx.section(DecideSettings)``."""
        return self.settings_for(market=market, category=category).section(kind)

    @property
    def backend(self) -> str:
        return backend_name(self.engine)

    def close(self) -> None:
        self.engine.dispose()


def open_context(
    settings: CoreSettings,
    clock: Clock | None = None,
    *,
    migrate: bool = True,
    pool_size: int = 10,
) -> Context:
    """Connect to the configured store and bring its schema up to date."""
    engine = create_db_engine(settings.database_url, pool_size=pool_size)
    try:
        if migrate:
            upgrade(engine)
        else:
            with engine.connect():
                pass
    except OperationalError as error:
        engine.dispose()
        raise ConfigurationError(unreachable(engine, error)) from None
    return Context(engine=engine, settings=settings, clock=clock or SystemClock())


def open_empty_context(
    settings: CoreSettings, clock: Clock | None = None, *, purpose: str
) -> Context:
    """``open_context`` on a store that holds no data yet: a store with rows (a seller's) is
    refused before anything is migrated or written, so ``purpose`` cannot mix into it."""
    engine = create_db_engine(settings.database_url)
    try:
        filled = tables_with_rows(engine)
    except OperationalError as error:
        raise ConfigurationError(unreachable(engine, error)) from None
    finally:
        engine.dispose()
    if filled:
        where = engine.url.render_as_string(hide_password=True)
        raise Conflict(
            f"{purpose} needs an empty store, and {where} already holds data (in "
            f"{', '.join(filled[:5])}{', ...' if len(filled) > 5 else ''}): give it a new, "
            "empty database, or leave out --database-url to use a scratch SQLite file"
        )
    return open_context(settings, clock)


def unreachable(engine: Engine, error: OperationalError) -> str:
    """What to tell a person whose store did not answer: where, why, and what to check."""
    where = engine.url.render_as_string(hide_password=True)
    reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
    hint = (
        "is PostgreSQL running there, and does the database exist?"
        if engine.dialect.name == "postgresql"
        else "is the file readable and writable, and its folder writable?"
    )
    return (
        f"cannot open the database {where}: {reason}. Check it ({hint}), or set another "
        "database_url (BUZZSTOCK_DATABASE_URL or database_url in buzzstock.toml)"
    )
