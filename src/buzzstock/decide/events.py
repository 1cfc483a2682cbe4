"""The events decide publishes (SPEC §2): purchase orders moving through their stages, prices,
markdowns, supplier notices and the D-6 emergency stop."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from buzzstock.core.events import DomainEvent


@dataclass(frozen=True, slots=True)
class OrderLine:
    sku: str
    quantity: int


@dataclass(frozen=True, slots=True)
class PurchaseOrderSent(DomainEvent):
    """A purchase order went to its supplier (and was paid, D-5)."""

    event_type: ClassVar[str] = "PurchaseOrderSent"

    order_id: str
    supplier: str
    warehouse: str
    lines: tuple[OrderLine, ...]
    cost: float


@dataclass(frozen=True, slots=True)
class PurchaseOrderCancelled(DomainEvent):
    event_type: ClassVar[str] = "PurchaseOrderCancelled"

    order_id: str
    supplier: str
    warehouse: str
    lines: tuple[OrderLine, ...]
    reason: str


@dataclass(frozen=True, slots=True)
class PurchaseOrderInProduction(DomainEvent):
    event_type: ClassVar[str] = "PurchaseOrderInProduction"

    order_id: str
    supplier: str
    warehouse: str
    lines: tuple[OrderLine, ...]


@dataclass(frozen=True, slots=True)
class PurchaseOrderShipped(DomainEvent):
    """The units are in transit to the warehouse; the stock hub shows them with their ETA."""

    event_type: ClassVar[str] = "PurchaseOrderShipped"

    order_id: str
    supplier: str
    warehouse: str
    lines: tuple[OrderLine, ...]
    eta: datetime


@dataclass(frozen=True, slots=True)
class PurchaseOrderReceived(DomainEvent):
    """Units of a shipped order arrived on hand (``lines`` is this receipt, ``complete`` whether
    the whole order has now arrived)."""

    event_type: ClassVar[str] = "PurchaseOrderReceived"

    order_id: str
    supplier: str
    warehouse: str
    lines: tuple[OrderLine, ...]
    complete: bool


@dataclass(frozen=True, slots=True)
class PriceChanged(DomainEvent):
    """D-7: a price decision was applied (approved) or undone."""

    event_type: ClassVar[str] = "PriceChanged"

    sku: str
    price: float
    previous_price: float | None
    decision_id: str
    reason: str
    rules: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MarkdownStep:
    decline_day: int
    price: float
    expected_units: float


@dataclass(frozen=True, slots=True)
class MarkdownPlanApproved(DomainEvent):
    """D-8: the markdown ladder of a declining SKU was approved."""

    event_type: ClassVar[str] = "MarkdownPlanApproved"

    sku: str
    decision_id: str
    steps: tuple[MarkdownStep, ...]


@dataclass(frozen=True, slots=True)
class MarkdownPlanWithdrawn(DomainEvent):
    event_type: ClassVar[str] = "MarkdownPlanWithdrawn"

    sku: str
    decision_id: str


@dataclass(frozen=True, slots=True)
class SupplierNotice(DomainEvent):
    """D-9: a notice to a supplier, e.g. 'prepare production' when a product heats up."""

    event_type: ClassVar[str] = "SupplierNotice"

    notice_id: str
    supplier: str
    sku: str
    kind: str
    heat: float
    threshold: float
    rule: str
    text: str


@dataclass(frozen=True, slots=True)
class EmergencyStopRaised(DomainEvent):
    """D-6: a SKU's related replenishment is paused and it is not sold on any channel until
    the stop is lifted."""

    event_type: ClassVar[str] = "EmergencyStopRaised"

    sku: str
    reason: str
    raised_by: str


@dataclass(frozen=True, slots=True)
class EmergencyStopLifted(DomainEvent):
    event_type: ClassVar[str] = "EmergencyStopLifted"

    sku: str
    reason: str
    lifted_by: str


EVENTS: tuple[type[DomainEvent], ...] = (
    PurchaseOrderSent,
    PurchaseOrderCancelled,
    PurchaseOrderInProduction,
    PurchaseOrderShipped,
    PurchaseOrderReceived,
    PriceChanged,
    MarkdownPlanApproved,
    MarkdownPlanWithdrawn,
    SupplierNotice,
    EmergencyStopRaised,
    EmergencyStopLifted,
)
