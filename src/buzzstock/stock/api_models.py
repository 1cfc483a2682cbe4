"""What the stock hub's routes answer (S-2 … S-10): the response models of ``stock.api``."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from buzzstock.core.api_types import Day, Timestamp


class WarehouseStock(BaseModel):
    """S-2: one warehouse's units of the SKU."""

    warehouse: str
    region: str
    city: str
    on_hand: int
    reserved: int = Field(description="Units booked by confirmed orders, not yet shipped.")
    free: int = Field(description="on_hand - reserved.")
    in_transit: int
    in_transit_eta: Timestamp | None = Field(description="When the units in transit arrive.")
    low: bool = Field(description="Free units are below the warehouse's low-stock threshold.")


class QuotaStock(BaseModel):
    """S-3: one quota bucket: a region's quota, the elastic pool, a channel allotment (``ch:``)
    or a guest creator's pool (``sub:``)."""

    bucket: str = Field(examples=["US", "elastic"])
    limit: int = Field(description="Units the bucket may sell.")
    used: int = Field(description="Units held or sold from it.")
    free: int = Field(description="limit - used.")
    sold: int
    initial: int = Field(description="The bucket's limit when it was opened.")
    sold_share: float = Field(description="used / limit (0 for an empty bucket).")
    sellout_eta: Timestamp | None = Field(
        description="When the bucket sells out at the recent pace; null when nothing sells."
    )


class StockView(BaseModel):
    """S-2/S-3: a SKU's stock: on hand, reserved, available, in transit, per warehouse and per
    quota bucket."""

    sku: str
    paused: bool = Field(description="S-4: new reservations are refused until resumed.")
    pause_reason: str | None
    buyer_limit: int | None = Field(description="S-5: units per buyer; null when off.")
    on_hand: int
    reserved: int = Field(description="Units booked by confirmed orders, not yet shipped.")
    held: int = Field(description="Units held by reservations not yet confirmed.")
    available: int = Field(description="What channels may still sell: the free quota units.")
    in_transit: int
    low_stock_alert: bool
    warehouses: list[WarehouseStock]
    quotas: list[QuotaStock]


class OrderAllocation(BaseModel):
    """S-7: the units one warehouse ships for the order."""

    warehouse: str
    quantity: int
    ship_day: Day
    distance_km: float = Field(description="From the warehouse to where the order goes.")


class Order(BaseModel):
    """S-7: a confirmed reservation, booked on the warehouses that ship it."""

    id: str = Field(examples=["ord_01j0000000000000000000000"])
    reservation_id: str
    sku: str
    channel: str
    quantity: int
    state: Literal["allocated", "shipped", "cancelled"]
    allocations: list[OrderAllocation]


class ReleasedHolds(BaseModel):
    released: int = Field(description="S-4: expired holds released now.")


class LedgerReport(BaseModel):
    """S-10: the ledger's hash chain and its replay against the stock counters."""

    ok: bool = Field(description="No broken chain and no counter mismatch.")
    rows: int = Field(description="Ledger rows checked.")
    skus: int = Field(description="SKUs checked.")
    broken: list[str] = Field(description="One line per SKU whose chain was edited or cut.")
    mismatched: list[str] = Field(
        description="One line per counter that differs from the ledger's replay."
    )
