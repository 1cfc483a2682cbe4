"""What a use case needs to run: the database engine, the effective settings and the clock."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine

from buzzstock.core.clock import Clock, SystemClock
from buzzstock.core.db import backend_name, create_db_engine, upgrade
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
    if migrate:
        upgrade(engine)
    return Context(engine=engine, settings=settings, clock=clock or SystemClock())
