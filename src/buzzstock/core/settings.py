"""Typed settings: every SPEC threshold is one setting with the SPEC value as its default.

Values come from, in rising priority: the defaults, ``buzzstock.toml`` (or the file named by
``BUZZSTOCK_CONFIG``), and ``BUZZSTOCK_*`` environment variables (nested with ``__``, e.g.
``BUZZSTOCK_STOCK__REFILL_UNITS=150``). A seller tunes a value for one market or category with
``[markets.EU.stock]`` or ``[categories.beauty.stock]`` tables in the file; ``effective()`` applies
them.

This module holds the machinery and the groups of ``core`` itself. Each capability defines its
own group (a ``Group`` with a ``section`` name) in its ``settings.py``; the application's
``buzzstock.settings.Settings`` assembles them, so that ``core`` imports no capability. Code reads
its group with ``settings.section(DecideSettings)`` (or ``ctx.section(...)``).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

DEFAULT_CONFIG_FILE = "buzzstock.toml"
DEFAULT_DATABASE_URL = "sqlite:///buzzstock.db"


class Group(BaseModel):
    """One group of settings, stored under ``section`` in the file and the environment."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    section: ClassVar[str] = ""


G = TypeVar("G", bound=Group)


class OutboxSettings(Group):
    """Delivery of domain events to handlers and subscribers (DESIGN: events and outbox)."""

    section: ClassVar[str] = "outbox"

    max_attempts: int = Field(8, ge=1, description="Tries before a delivery is dead-lettered.")
    backoff_base_seconds: float = Field(1.0, gt=0, description="First retry delay.")
    backoff_max_seconds: float = Field(3600.0, gt=0, description="Longest retry delay.")
    request_timeout_seconds: float = Field(5.0, gt=0, description="HTTP timeout per delivery.")
    batch_size: int = Field(100, ge=1, description="Deliveries claimed per dispatcher pass.")


class ApiSettings(Group):
    """The HTTP API's limits."""

    section: ClassVar[str] = "api"

    max_body_bytes: int = Field(
        1_048_576, gt=0, description="Largest request body accepted, in bytes."
    )
    idempotency_ttl_hours: int = Field(
        24,
        gt=0,
        le=24 * 365,
        description="How long an Idempotency-Key answer is replayed; older keys are deleted.",
    )
    idempotency_takeover_seconds: int = Field(
        60,
        ge=1,
        le=3600,
        description="After how long a retry may take over a key whose first request never "
        "answered (the server stopped); keep it longer than your slowest request.",
    )


class CoreSettings(BaseSettings):
    """The settings of ``core``; the application subclasses it with every capability's group."""

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
    outbox: OutboxSettings = Field(default_factory=OutboxSettings)
    api: ApiSettings = Field(default_factory=ApiSettings)
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

    @classmethod
    def group_names(cls) -> tuple[str, ...]:
        """The sections of this settings class, in declaration order."""
        return tuple(name for name, _ in _group_fields(cls))

    def section(self, kind: type[G]) -> G:
        """The group ``kind`` of these settings (``settings.section(DecideSettings)``)."""
        value = getattr(self, kind.section, None)
        if not isinstance(value, kind):
            raise LookupError(f"these settings have no {kind.section!r} group")
        return value

    def effective(self, *, market: str | None = None, category: str | None = None) -> CoreSettings:
        """These settings with a category's and then a market's overrides applied."""
        data = self.model_dump()
        groups = self.group_names()
        for layer in (
            self.categories.get(category or "", {}),
            self.markets.get(market or "", {}),
        ):
            for group, values in layer.items():
                if group not in groups:
                    raise ValueError(f"unknown settings group {group!r} in overrides")
                data[group] = {**data[group], **values}
        return type(self).model_validate(data)


def _group_fields(cls: type[BaseSettings]) -> Iterator[tuple[str, type[Group]]]:
    for name, field in cls.model_fields.items():
        kind = field.annotation
        if isinstance(kind, type) and issubclass(kind, Group):
            yield name, kind


def config_file_path() -> Path:
    return Path(os.environ.get("BUZZSTOCK_CONFIG", DEFAULT_CONFIG_FILE))


def describe(settings: CoreSettings) -> list[tuple[str, str, str, str]]:
    """(name, value, source, description) for every effective setting, for `config show`."""
    file_values = _file_values(settings.group_names())
    rows: list[tuple[str, str, str, str]] = []
    top_field = CoreSettings.model_fields["database_url"]
    rows.append(
        (
            "database_url",
            settings.database_url,
            _source("DATABASE_URL", "database_url", file_values),
            top_field.description or "",
        )
    )
    for group in settings.group_names():
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


def _file_values(groups: tuple[str, ...]) -> dict[str, Any]:
    path = config_file_path()
    if not path.exists():
        return {}
    with path.open("rb") as handle:
        raw = tomllib.load(handle)
    flat: dict[str, Any] = {}
    for key, value in raw.items():
        if isinstance(value, dict) and key in groups:
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
