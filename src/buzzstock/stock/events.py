"""The events the stock hub publishes (SPEC §3): what the pool did (pause, buyer limits, quota
moves, live-sale rules), what buyers did (orders, cancellations, expiries) and what channel sync
did (published quantities, exposure, drift, refused pushes, orders it could not book)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from buzzstock.core.events import DomainEvent


@dataclass(frozen=True, slots=True)
class SkuPaused(DomainEvent):
    """S-4: the SKU refuses new reservations; ``rule`` names who paused it (S-4 by hand, D-6 by
    the emergency stop), and channels are shown 0 while it lasts."""

    event_type: ClassVar[str] = "SkuPaused"

    sku: str
    reason: str | None
    rule: str


@dataclass(frozen=True, slots=True)
class SkuResumed(DomainEvent):
    event_type: ClassVar[str] = "SkuResumed"

    sku: str
    reason: str | None
    rule: str


@dataclass(frozen=True, slots=True)
class BuyerLimitChanged(DomainEvent):
    """S-5: units one buyer may buy of the SKU (None: no limit)."""

    event_type: ClassVar[str] = "BuyerLimitChanged"

    sku: str
    limit: int | None
    rule: str


@dataclass(frozen=True, slots=True)
class QuotaMoved(DomainEvent):
    """S-3: free units moved between region quotas and the elastic pool."""

    event_type: ClassVar[str] = "QuotaMoved"

    sku: str
    from_bucket: str
    to_bucket: str
    units: int
    reason: str


@dataclass(frozen=True, slots=True)
class QuotaRefilled(DomainEvent):
    """S-5: a region sold 85 % of its quota and got units from the elastic pool."""

    event_type: ClassVar[str] = "QuotaRefilled"

    sku: str
    region: str
    units: int
    rule: str


@dataclass(frozen=True, slots=True)
class ReplenishmentAlert(DomainEvent):
    """S-5: available stock fell below 30 % of the SKU's reference stock."""

    event_type: ClassVar[str] = "ReplenishmentAlert"

    sku: str
    available: int
    reference_units: int
    threshold_share: float
    rule: str


@dataclass(frozen=True, slots=True)
class SlowRegionSuggestion(DomainEvent):
    """S-5: a region sells slowly: push it on stream with a coupon."""

    event_type: ClassVar[str] = "SlowRegionSuggestion"

    sku: str
    region: str
    detail: str
    coupon_percent: int
    rule: str


@dataclass(frozen=True, slots=True)
class ReservationCancelled(DomainEvent):
    event_type: ClassVar[str] = "ReservationCancelled"

    reservation: str
    order: str | None
    sku: str
    channel: str
    units: int


@dataclass(frozen=True, slots=True)
class ReservationExpired(DomainEvent):
    event_type: ClassVar[str] = "ReservationExpired"

    reservation: str
    sku: str
    units: int


@dataclass(frozen=True, slots=True)
class OrderConfirmed(DomainEvent):
    """S-7: a confirmed reservation became an order booked on the nearest warehouses."""

    event_type: ClassVar[str] = "OrderConfirmed"

    order: str
    reservation: str
    sku: str
    channel: str
    units: int
    warehouses: dict[str, int]


@dataclass(frozen=True, slots=True)
class OrderShipped(DomainEvent):
    event_type: ClassVar[str] = "OrderShipped"

    order: str
    sku: str
    units: int
    warehouses: dict[str, int]


@dataclass(frozen=True, slots=True)
class ChannelQuantityChanged(DomainEvent):
    """S-6: the quantity a channel may sell changed; a push carries it to the channel."""

    event_type: ClassVar[str] = "ChannelQuantityChanged"

    channel: str
    sku: str
    units: int
    version: int
    rule: str


@dataclass(frozen=True, slots=True)
class ChannelOversellExposure(DomainEvent):
    """S-1: a channel sold (or could sell) more than the pool covers, and what the hub did."""

    event_type: ClassVar[str] = "ChannelOversellExposure"

    channel: str
    sku: str
    units: int
    action: str
    rule: str
    order: str | None = None


@dataclass(frozen=True, slots=True)
class ChannelDriftRepaired(DomainEvent):
    """S-6: reconciliation found the channel showing a different quantity and corrected it."""

    event_type: ClassVar[str] = "ChannelDriftRepaired"

    channel: str
    sku: str
    drift_units: int
    rule: str


@dataclass(frozen=True, slots=True)
class ChannelPushRejected(DomainEvent):
    event_type: ClassVar[str] = "ChannelPushRejected"

    channel: str
    sku: str
    detail: str
    rule: str


@dataclass(frozen=True, slots=True)
class ChannelOrderUnknownSku(DomainEvent):
    """A channel reported an order line for a listing the hub does not know."""

    event_type: ClassVar[str] = "ChannelOrderUnknownSku"

    channel: str
    order: str
    sku_ref: str


@dataclass(frozen=True, slots=True)
class ChannelCancelAfterShipment(DomainEvent):
    event_type: ClassVar[str] = "ChannelCancelAfterShipment"

    channel: str
    order: str
    sku: str
    rule: str


@dataclass(frozen=True, slots=True)
class ChannelOrderNotConfirmed(DomainEvent):
    event_type: ClassVar[str] = "ChannelOrderNotConfirmed"

    reservation: str
    detail: str
    rule: str


EVENTS: tuple[type[DomainEvent], ...] = (
    SkuPaused,
    SkuResumed,
    BuyerLimitChanged,
    QuotaMoved,
    QuotaRefilled,
    ReplenishmentAlert,
    SlowRegionSuggestion,
    ReservationCancelled,
    ReservationExpired,
    OrderConfirmed,
    OrderShipped,
    ChannelQuantityChanged,
    ChannelOversellExposure,
    ChannelDriftRepaired,
    ChannelPushRejected,
    ChannelOrderUnknownSku,
    ChannelCancelAfterShipment,
    ChannelOrderNotConfirmed,
)
