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

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
    TomlConfigSettingsSource,
)

from buzzstock.core.errors import ConfigurationError

DEFAULT_CONFIG_FILE = "buzzstock.toml"
DEFAULT_DATABASE_URL = "sqlite:///buzzstock.db"


class Group(BaseModel):
    """One group of settings, stored under ``section`` in the file and the environment."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    section: ClassVar[str] = ""


G = TypeVar("G", bound=Group)
S = TypeVar("S", bound="CoreSettings")


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


def load(kind: type[S], **overrides: Any) -> S:
    """``kind(**overrides)`` from the defaults, the file and the environment, with every market
    and category override checked too. Any problem is one ``ConfigurationError`` that names
    the file or the variable, each bad field and how to fix it."""
    path = config_file_path()
    try:
        settings = kind(**overrides)
    except tomllib.TOMLDecodeError as error:
        raise ConfigurationError(
            f"{path} is not valid TOML: {error}. Fix that line (the syntax is at "
            "https://toml.io), or point BUZZSTOCK_CONFIG at another file"
        ) from None
    except OSError as error:
        raise ConfigurationError(
            f"cannot read {path}: {error.strerror or error}. Make it a readable file, or point "
            "BUZZSTOCK_CONFIG at another file"
        ) from None
    except SettingsError as error:
        raise ConfigurationError(
            f"cannot read the settings: {error}; see docs/configuration.md"
        ) from None
    except ValidationError as error:
        raise ConfigurationError(_explain(error, kind, path)) from None
    problems: list[str] = []
    for kind_name, layers in (("markets", settings.markets), ("categories", settings.categories)):
        for key in layers:
            scope = {"market" if kind_name == "markets" else "category": key}
            try:
                settings.effective(**scope)
            except ValidationError as error:
                problems += _problems(error, kind, path, prefix=(kind_name, key))
            except ValueError as error:
                problems.append(f"[{kind_name}.{key}] in {path}: {error}")
    if problems:
        raise ConfigurationError(_summary(problems))
    return settings


def _explain(error: ValidationError, kind: type[CoreSettings], path: Path) -> str:
    return _summary(_problems(error, kind, path))


def _summary(problems: list[str]) -> str:
    if len(problems) == 1:
        return f"bad setting: {problems[0]}"
    return f"{len(problems)} bad settings:\n" + "\n".join(f"  - {item}" for item in problems)


def _problems(
    error: ValidationError,
    kind: type[CoreSettings],
    path: Path,
    *,
    prefix: tuple[str, ...] = (),
) -> list[str]:
    found = []
    for item in error.errors():
        loc = tuple(str(part) for part in item["loc"])
        dotted = ".".join((*prefix, *loc))
        env_name = "BUZZSTOCK_" + "__".join(loc).upper()
        if not prefix and env_name in {name.upper() for name in os.environ}:
            where = f"environment variable {env_name}"
        elif len(loc) > 1 or prefix:
            table = ".".join((*prefix, *loc[:-1]))
            where = f"{loc[-1]} in [{table}] of {path}"
        else:
            where = f"{dotted} in {path}"
        if item["type"] == "extra_forbidden":
            fix = (
                f"there is no such setting; check the spelling (`buzzstock config show "
                f"{loc[0]}.` lists the group's settings)"
            )
        else:
            fix = f"{item['msg']} (got {item.get('input')!r}); {_default_hint(kind, loc)}"
        found.append(f"{dotted} ({where}): {fix}")
    return found


def _default_hint(kind: type[CoreSettings], loc: tuple[str, ...]) -> str:
    field = kind.model_fields.get(loc[0])
    if field is None:
        return "see docs/configuration.md"
    model = field.annotation
    if len(loc) == 2 and isinstance(model, type) and issubclass(model, Group):
        inner = model.model_fields.get(loc[1])
        if inner is not None:
            return (
                f"remove it to use the default {inner.default!r}, or see "
                f"docs/configuration.md ({inner.description or loc[1]})"
            )
    if len(loc) == 1 and field.default is not None:
        return f"remove it to use the default {field.default!r}, or see docs/configuration.md"
    return "see docs/configuration.md"


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
