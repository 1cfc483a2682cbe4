"""Catalogue entries as validated records: the same shapes serve the API and the catalogue file."""

from __future__ import annotations

import json
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ConfigDict, Field, field_validator, model_validator

from buzzstock.channels.base import Platform, parse_platform
from buzzstock.core.input import Input

Code = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")]
LongCode = Annotated[
    str, Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
]


class Entry(Input):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(
            f"unknown time zone {value!r} (use an IANA name like Europe/Berlin)"
        ) from (error)
    return value


class Region(Entry):
    """A selling region that owns a stock quota (S-3), e.g. US, EU, SEA."""

    code: Code
    name: str = Field(min_length=1, max_length=200)
    timezone: str
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)

    _tz = field_validator("timezone")(_check_timezone)


class Market(Entry):
    """A country marketplace inside a region, with its currency and sales tax."""

    code: Code
    name: str = Field(min_length=1, max_length=200)
    region: Code
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    timezone: str
    tax_rate: float = Field(0.0, ge=0, lt=1)

    _tz = field_validator("timezone")(_check_timezone)


class Sku(Entry):
    code: LongCode
    name: str = Field(min_length=1, max_length=300)
    category: str = Field("general", min_length=1, max_length=120)
    base_price: float = Field(0.0, ge=0, le=1_000_000_000)
    currency: str = Field("USD", pattern=r"^[A-Z]{3}$")


class Warehouse(Entry):
    """S-2/S-7: a warehouse with its region, location and daily shipping capacity."""

    code: Code
    name: str = Field(min_length=1, max_length=200)
    region: Code
    city: str = Field(min_length=1, max_length=120)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    daily_capacity: int = Field(1000, ge=0, le=10_000_000)
    bonded: bool = False


SETTINGS_MAX_DEPTH = 10
"""Issue 11: deepest nesting of objects and arrays in a channel's ``settings`` (an adapter
configuration needs two)."""
SETTINGS_MAX_BYTES = 65_536
"""Issue 11: largest channel ``settings``, as compact JSON."""


def settings_problem(value: object) -> str | None:
    """Why ``value`` cannot be a channel's ``settings`` (None when it can): it must be a JSON
    object within ``SETTINGS_MAX_DEPTH`` levels and ``SETTINGS_MAX_BYTES`` bytes. The depth is
    measured without recursion, so no nesting can exhaust the stack."""
    if not isinstance(value, dict):
        return "settings must be a JSON object"
    pending: list[tuple[object, int]] = [(value, 1)]
    while pending:
        node, depth = pending.pop()
        if depth > SETTINGS_MAX_DEPTH:
            return f"settings nest deeper than {SETTINGS_MAX_DEPTH} levels of objects and arrays"
        children = list(node.values()) if isinstance(node, dict) else node
        if isinstance(children, list):
            pending.extend(
                (child, depth + 1) for child in children if isinstance(child, dict | list)
            )
    try:
        size = len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())
    except (TypeError, ValueError):
        return "settings must hold only JSON values"
    if size > SETTINGS_MAX_BYTES:
        return f"settings are {size:,} bytes as JSON, more than the {SETTINGS_MAX_BYTES:,} allowed"
    return None


class Channel(Entry):
    """S-1: a sales channel (platform + marketplace) selling from the one pool."""

    code: LongCode
    name: str = Field(min_length=1, max_length=200)
    platform: Platform
    market: Code
    webhook_url: str | None = Field(None, max_length=2000)
    webhook_secret: str | None = Field(None, max_length=200)
    settings: dict[str, Any] = Field(default_factory=dict)
    active: bool = True

    @field_validator("settings", mode="before")
    @classmethod
    def _bounded_settings(cls, value: object) -> object:
        problem = settings_problem(value)
        if problem is not None:
            raise ValueError(problem)
        return value

    @field_validator("platform", mode="before")
    @classmethod
    def _known_platform(cls, value: object) -> Platform:
        if isinstance(value, Platform):
            return value
        return parse_platform(str(value))


class Catalogue(Entry):
    """The catalogue part of a shop file: regions, markets, warehouses, channels and SKUs."""

    regions: list[Region] = Field(default_factory=list)
    markets: list[Market] = Field(default_factory=list)
    warehouses: list[Warehouse] = Field(default_factory=list)
    channels: list[Channel] = Field(default_factory=list)
    skus: list[Sku] = Field(default_factory=list)

    @model_validator(mode="after")
    def _codes_are_unique(self) -> Catalogue:
        problems: list[str] = []
        for kind, items in (
            ("region", self.regions),
            ("market", self.markets),
            ("warehouse", self.warehouses),
            ("channel", self.channels),
            ("sku", self.skus),
        ):
            seen: set[str] = set()
            for item in items:
                code = str(getattr(item, "code"))  # noqa: B009
                if code in seen:
                    problems.append(f"{kind} {code!r} is defined twice")
                seen.add(code)
        if problems:
            raise ValueError("; ".join(problems))
        return self
