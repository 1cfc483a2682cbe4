"""The application's settings: ``core``'s groups and every capability's group, assembled here
(at the top) so that ``core`` depends on no capability.

``load_settings()`` reads the defaults, ``buzzstock.toml`` and ``BUZZSTOCK_*`` variables; see
``buzzstock.core.settings`` for the rules and docs/configuration.md for every setting.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from buzzstock.channels.settings import ChannelSettings
from buzzstock.core.settings import CoreSettings, load
from buzzstock.decide.settings import DecideSettings
from buzzstock.listen.settings import ListenSettings
from buzzstock.stock.settings import StockSettings
from buzzstock.stock.sync.settings import SyncSettings


class Settings(CoreSettings):
    stock: StockSettings = Field(default_factory=StockSettings)
    decide: DecideSettings = Field(default_factory=DecideSettings)
    channels: ChannelSettings = Field(default_factory=ChannelSettings)
    listen: ListenSettings = Field(default_factory=ListenSettings)
    sync: SyncSettings = Field(default_factory=SyncSettings)


def load_settings(**overrides: Any) -> Settings:
    """The settings, or a ``ConfigurationError`` naming the file, the field and the fix."""
    return load(Settings, **overrides)
