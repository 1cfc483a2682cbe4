"""Typed settings: every SPEC threshold is one setting with the SPEC value as its default.

Values come from, in rising priority: the defaults below, ``buzzstock.toml`` (or the file named
by ``BUZZSTOCK_CONFIG``), and ``BUZZSTOCK_*`` environment variables (nested with ``__``, e.g.
``BUZZSTOCK_STOCK__REFILL_UNITS=150``). A seller tunes a value for one market or category with
``[markets.EU.stock]`` or ``[categories.beauty.stock]`` tables in the file; ``effective()`` applies
them.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from buzzstock.channels.settings import ChannelSettings
from buzzstock.decide.settings import DecideSettings
from buzzstock.listen.settings import ListenSettings
from buzzstock.stock.sync_settings import SyncSettings

DEFAULT_CONFIG_FILE = "buzzstock.toml"
DEFAULT_DATABASE_URL = "sqlite:///buzzstock.db"


class Group(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class StockSettings(Group):
    """SPEC §3: one pool, every channel, zero oversell."""

    elastic_share: float = Field(
        0.20,
        ge=0,
        le=1,
        description="S-3: share of a SKU's units kept in the elastic pool for cross-region moves.",
    )
    reservation_ttl_seconds: int = Field(
        900,
        gt=0,
        description="S-4: a held reservation that is not confirmed within this time expires.",
    )
    max_reservation_quantity: int = Field(
        1000,
        gt=0,
        description="S-4: largest quantity one reservation may ask for (guards against typos).",
    )
    refill_trigger_share: float = Field(
        0.85,
        gt=0,
        le=1,
        description="S-5: when a region has sold this share of its quota, move units to it "
        "from the elastic pool.",
    )
    refill_units: int = Field(
        200, ge=0, description="S-5: units moved from the elastic pool per refill (seed: 200)."
    )
    spike_buyer_limit: int = Field(
        2,
        ge=1,
        description="S-5: per-buyer purchase limit switched on when a SKU spikes (seed: 2).",
    )
    spike_velocity_ratio: float = Field(
        3.0,
        gt=1,
        description="S-5: a SKU spikes when its last-window sales exceed this multiple of its "
        "average window over the past hour.",
    )
    spike_window_seconds: int = Field(
        300, gt=0, description="S-5: the window used to measure a SKU's sales velocity."
    )
    low_stock_alert_share: float = Field(
        0.30,
        gt=0,
        le=1,
        description="S-5: available stock below this share of the SKU's reference stock raises "
        "a replenishment alert to purchasing.",
    )
    slow_region_share: float = Field(
        0.5,
        gt=0,
        le=1,
        description="S-5: a region that sold less than this share of the SKU's average regional "
        "sell-through gets a push suggestion and a coupon.",
    )
    slow_region_min_average_share: float = Field(
        0.2,
        ge=0,
        le=1,
        description="S-5: regions are compared for slowness only once the average region has "
        "sold this share of its quota.",
    )
    slow_region_coupon_percent: int = Field(
        10, ge=0, le=90, description="S-5: coupon suggested for a slow region, in percent."
    )
    fulfilment_horizon_days: int = Field(
        7,
        ge=1,
        description="S-7: how many days ahead fulfilment may book warehouse shipping capacity.",
    )
    default_daily_capacity: int = Field(
        1000, ge=0, description="S-7: daily shipping capacity of a warehouse that names none."
    )
    default_low_stock_threshold: int = Field(
        50, ge=0, description="S-2: units below which a warehouse's stock counts as low."
    )
    host_line_threshold_units: int = Field(
        50,
        ge=1,
        description="S-8: remaining units in a region below which a host line is suggested "
        "(seed: 'only 50 left in EU!').",
    )
    velocity_window_minutes: int = Field(
        30, gt=0, description="S-8: recent window whose sales velocity gives the sell-out ETA."
    )
    subpool_max_share: float = Field(
        0.5,
        gt=0,
        le=1,
        description="S-9: largest share of a region's free units that a guest creator's "
        "sub-pool may take.",
    )
    stress_channels: int = Field(6, ge=1, description="S-11: default channels in a stress test.")
    stress_processes: int = Field(
        8, ge=1, description="S-11: default buyer processes in a stress test."
    )


class OutboxSettings(Group):
    """Delivery of domain events to handlers and subscribers (DESIGN: events and outbox)."""

    max_attempts: int = Field(8, ge=1, description="Tries before a delivery is dead-lettered.")
    backoff_base_seconds: float = Field(1.0, gt=0, description="First retry delay.")
    backoff_max_seconds: float = Field(3600.0, gt=0, description="Longest retry delay.")
    request_timeout_seconds: float = Field(5.0, gt=0, description="HTTP timeout per delivery.")
    batch_size: int = Field(100, ge=1, description="Deliveries claimed per dispatcher pass.")


class ApiSettings(Group):
    max_body_bytes: int = Field(
        1_048_576, gt=0, description="Largest request body accepted, in bytes."
    )
    idempotency_ttl_hours: int = Field(
        24, gt=0, description="How long an Idempotency-Key answer is replayed."
    )


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="BUZZSTOCK_",
        env_nested_delimiter="__",
        extra="ignore",
        validate_assignment=True,
    )

    database_url: str = Field(
        DEFAULT_DATABASE_URL,
        description="SQLAlchemy URL of the store: sqlite:///path.db (default) or "
        "postgresql+psycopg://user@host:5432/db (a plain postgresql:// URL works too).",
    )
    stock: StockSettings = Field(default_factory=StockSettings)
    outbox: OutboxSettings = Field(default_factory=OutboxSettings)
    api: ApiSettings = Field(default_factory=ApiSettings)
    decide: DecideSettings = Field(default_factory=DecideSettings)
    channels: ChannelSettings = Field(default_factory=ChannelSettings)
    listen: ListenSettings = Field(default_factory=ListenSettings)
    sync: SyncSettings = Field(default_factory=SyncSettings)
    markets: dict[str, dict[str, dict[str, Any]]] = Field(
        default_factory=dict,
        description="Per-market overrides: markets.<code>.<group>.<setting> = value.",
    )
    categories: dict[str, dict[str, dict[str, Any]]] = Field(
        default_factory=dict,
        description="Per-category overrides: categories.<name>.<group>.<setting> = value.",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            env_settings,
            TomlConfigSettingsSource(settings_cls, toml_file=config_file_path()),
        )

    def effective(self, *, market: str | None = None, category: str | None = None) -> Settings:
        """These settings with a category's and then a market's overrides applied."""
        data = self.model_dump()
        for layer in (
            self.categories.get(category or "", {}),
            self.markets.get(market or "", {}),
        ):
            for group, values in layer.items():
                if group not in GROUPS:
                    raise ValueError(f"unknown settings group {group!r} in overrides")
                data[group] = {**data[group], **values}
        return Settings.model_validate(data)


GROUPS = ("stock", "outbox", "api", "decide", "channels", "listen", "sync")


def config_file_path() -> Path:
    return Path(os.environ.get("BUZZSTOCK_CONFIG", DEFAULT_CONFIG_FILE))


def load_settings(**overrides: Any) -> Settings:
    return Settings(**overrides)


def describe(settings: Settings) -> list[tuple[str, str, str, str]]:
    """(name, value, source, description) for every effective setting, for `config show`."""
    file_values = _file_values()
    rows: list[tuple[str, str, str, str]] = []
    top_field = Settings.model_fields["database_url"]
    rows.append(
        (
            "database_url",
            settings.database_url,
            _source("DATABASE_URL", "database_url", file_values),
            top_field.description or "",
        )
    )
    for group in GROUPS:
        model: Group = getattr(settings, group)
        for name, field in type(model).model_fields.items():
            env_name = f"{group.upper()}__{name.upper()}"
            rows.append(
                (
                    f"{group}.{name}",
                    str(getattr(model, name)),
                    _source(env_name, f"{group}.{name}", file_values),
                    field.description or "",
                )
            )
    for kind in ("markets", "categories"):
        layers: dict[str, dict[str, dict[str, Any]]] = getattr(settings, kind)
        for key, groups in layers.items():
            for group, values in groups.items():
                for name, value in values.items():
                    rows.append(
                        (f"{kind}.{key}.{group}.{name}", str(value), "file", f"{kind} override")
                    )
    return rows


def _file_values() -> dict[str, Any]:
    path = config_file_path()
    if not path.exists():
        return {}
    with path.open("rb") as handle:
        raw = tomllib.load(handle)
    flat: dict[str, Any] = {}
    for key, value in raw.items():
        if isinstance(value, dict) and key in GROUPS:
            for inner, inner_value in value.items():
                flat[f"{key}.{inner}"] = inner_value
        else:
            flat[key] = value
    return flat


def _source(env_name: str, dotted: str, file_values: dict[str, Any]) -> str:
    if f"BUZZSTOCK_{env_name}" in os.environ:
        return "env"
    if dotted in file_values:
        return f"file ({config_file_path()})"
    return "default"
