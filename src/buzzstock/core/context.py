"""What a use case needs to run: the database engine, the effective settings and the clock."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine

from buzzstock.core.clock import Clock, SystemClock
from buzzstock.core.db import backend_name, create_db_engine, upgrade
from buzzstock.core.settings import Settings, load_settings


@dataclass
class Context:
    engine: Engine
    settings: Settings
    clock: Clock = field(default_factory=SystemClock)
    _effective: dict[tuple[str | None, str | None], Settings] = field(
        default_factory=dict, repr=False
    )

    def settings_for(self, *, market: str | None = None, category: str | None = None) -> Settings:
        """The settings with a market's (or region's) and a category's overrides applied."""
        key = (market, category)
        found = self._effective.get(key)
        if found is None:
            found = self.settings.effective(market=market, category=category)
            self._effective[key] = found
        return found

    @property
    def backend(self) -> str:
        return backend_name(self.engine)

    def close(self) -> None:
        self.engine.dispose()


def open_context(
    settings: Settings | None = None,
    clock: Clock | None = None,
    *,
    migrate: bool = True,
    pool_size: int = 10,
) -> Context:
    """Connect to the configured store and bring its schema up to date."""
    settings = settings or load_settings()
    engine = create_db_engine(settings.database_url, pool_size=pool_size)
    if migrate:
        upgrade(engine)
    return Context(engine=engine, settings=settings, clock=clock or SystemClock())
