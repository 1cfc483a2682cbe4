"""What the catalogue routes answer: the stored entries, as the response models of
``catalog.api``."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, RootModel

from buzzstock.channels.base import Platform


class RegionEntry(BaseModel):
    """A selling region that owns a stock quota (S-3)."""

    code: str
    name: str
    timezone: str = Field(examples=["America/New_York"])
    lat: float
    lon: float


class MarketEntry(BaseModel):
    """A country marketplace inside a region, with its currency and sales tax."""

    code: str
    name: str
    region: str
    currency: str = Field(examples=["USD"])
    timezone: str
    tax_rate: float = Field(description="Sales tax as a fraction (0.19 is 19 %).")


class WarehouseEntry(BaseModel):
    """S-2/S-7: a warehouse with its region, location and daily shipping capacity."""

    code: str
    name: str
    region: str
    city: str
    lat: float
    lon: float
    daily_capacity: int = Field(description="Units it can ship per day.")
    bonded: bool


class ChannelEntry(BaseModel):
    """S-1: a sales channel (platform + marketplace) selling from the one pool."""

    code: str
    name: str
    platform: Platform
    market: str
    webhook_url: str | None
    webhook_secret: str | None = Field(
        description="Never the secret itself: '********' when the channel has one, else null."
    )
    settings: dict[str, Any] | None = Field(
        description="The channel's adapter settings, every credential shown as '********'; "
        "null when the stored settings cannot be read (see settings_problem)."
    )
    settings_problem: str | None = Field(
        default=None,
        description="Only when the stored settings cannot be read: why, and how to repair them.",
    )
    active: bool


class SkuEntry(BaseModel):
    code: str
    name: str
    category: str
    base_price: float
    currency: str = Field(examples=["USD"])


class CatalogueEntry(
    RootModel[RegionEntry | MarketEntry | WarehouseEntry | ChannelEntry | SkuEntry]
):
    """A region, market, warehouse, channel or SKU, as the path's ``kind`` names."""
