"""Catalogue entries as validated records: the same shapes serve the API and the catalogue file."""

from __future__ import annotations

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
