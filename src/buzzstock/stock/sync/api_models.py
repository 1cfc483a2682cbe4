"""What the channel sync routes answer (S-6, S-8, S-9): the response models of
``stock.sync.api``."""

from __future__ import annotations

from pydantic import BaseModel, Field

from buzzstock.core.api_types import Timestamp


class ListingConnected(BaseModel):
    """S-6: a catalogue SKU linked to the channel's own product id."""

    channel: str
    sku: str
    sku_ref: str = Field(description="The platform's own id of the product.")


class Publication(BaseModel):
    """S-6: what the channel is asked to show."""

    channel: str
    sku: str
    units: int
    version: int = Field(description="The listing's version; a push acknowledges a version.")


class SyncLatency(BaseModel):
    """S-6: time from a stock change's commit to the channel's acknowledgement."""

    count: int = Field(description="Acknowledged pushes measured.")
    p50_ms: float
    p99_ms: float
    max_ms: float
    within_goal_share: float = Field(description="Share acknowledged within the 0.5 s goal.")
    within_standard_share: float = Field(
        description="Share acknowledged within the 1.5 s standard."
    )


class ChannelSyncStatus(BaseModel):
    """S-6: one channel's listings, pushes and sync latency."""

    channel: str
    skus: int = Field(description="Listings on the channel.")
    pushes: int = Field(description="Pushes sent.")
    changes: int = Field(description="Stock changes to publish (pushes coalesce them).")
    pending: int = Field(description="Listings with a push not yet acknowledged.")
    exposure_units: int = Field(description="Units the channel may still sell.")
    sync_latency: SyncLatency


class WarRoomChannel(BaseModel):
    """S-8: one channel's listing of the SKU."""

    channel: str
    shown: int = Field(description="What the hub believes the channel shows now.")
    published: int = Field(description="What the channel was last asked to show.")
    acknowledged: int = Field(description="What the channel last confirmed.")
    may_still_sell: int
    allotment_free: int = Field(description="Free units of the channel's own allotment.")
    sold: int
    push_pending: bool


class ConsumptionCurve(BaseModel):
    channel: str
    units_per_step: list[int]
    cumulative: list[int]


class Consumption(BaseModel):
    """S-8: units sold per channel in each step since ``start``."""

    step_seconds: int
    start: Timestamp
    curves: list[ConsumptionCurve]


class WarRoomRegion(BaseModel):
    """S-8: a region's (or guest pool's) remaining units and sell-out countdown."""

    region: str
    remaining: int
    sellout_minutes: float | None = Field(description="Null while nothing sells.")
    host_line: str = Field(description="What the host can say on stream.")


class WarRoomArrival(BaseModel):
    """S-8: units on their way to a warehouse."""

    warehouse: str
    region: str
    units: int
    eta: Timestamp | None
    host_line: str = Field(description="What the host can say on stream; may be empty.")


class WarRoom(BaseModel):
    """S-8: everything the live-selling war room shows for one SKU."""

    sku: str
    at: Timestamp
    available: int
    elastic_free: int
    channels: list[WarRoomChannel]
    consumption: Consumption
    regions: list[WarRoomRegion]
    in_transit: list[WarRoomArrival]
    host_lines: list[str]


class Subpool(BaseModel):
    """S-9: a guest creator's temporary pool."""

    sku: str
    bucket: str = Field(examples=["sub:guest"], description="The pool's quota bucket.")
    units: int


class SubpoolReleased(BaseModel):
    sku: str
    released: int = Field(description="S-9: the pool's free units, back in the main pool.")
