"""What the decide routes answer (K-4, D-1 … D-10, L-10): the response models of
``decide.api``."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, RootModel

from buzzstock.core.api_types import Day, Timestamp
from buzzstock.decide.exit import OrderStage
from buzzstock.decide.ladder import Freight
from buzzstock.decide.matrix import Route
from buzzstock.decide.proposal import ProposalStatus
from buzzstock.decide.suppliers import Grade, Tier

DecisionKind = Literal[
    "purchase_order",
    "price",
    "markdown",
    "watch",
    "emergency_stop",
    "exit",
    "supplier_notice",
]


class PurchaseOrderLine(BaseModel):
    sku: str
    quantity: int
    unit_cost: float = Field(description="Before freight.")
    received: int = Field(description="Units received so far.")


class QcPlan(BaseModel):
    """D-10: the QC sampling the order is checked with."""

    rule: str = Field(examples=["D-10"])
    during_hit: bool
    rounds_per_batch: int
    normal_rounds_per_batch: int
    hit_multiplier: int


class PurchaseOrder(BaseModel):
    """A purchase order: draft -> approved -> sent -> in production -> shipped -> received."""

    id: str = Field(examples=["po_01j0000000000000000000000"])
    decision_id: str | None = Field(
        None,
        description="The decision that proposed it (null for a seller's own order); absent "
        "when a supplier key reads it.",
    )
    supplier: str
    warehouse: str
    state: OrderStage
    freight_mode: Freight
    transit_days: int
    freight_cost: float
    cost: float = Field(description="Lines, spare units and freight.")
    lines: list[PurchaseOrderLine]
    spare_units: int = Field(description="D-10: made and shipped on top, for exchanges.")
    qc_plan: QcPlan | None
    expected_arrival_at: Timestamp | None
    eta: Timestamp | None = Field(description="When the shipped units arrive.")
    paused: bool = Field(description="D-6: held by an emergency stop.")
    pause_reason: str | None
    created_at: Timestamp
    approved_at: Timestamp | None
    sent_at: Timestamp | None
    shipped_at: Timestamp | None
    received_at: Timestamp | None


class DecisionReason(BaseModel):
    """D-6: one line of a decision's explanation, tied to a SPEC rule id."""

    rule: str = Field(examples=["D-2"])
    text: str
    figures: dict[str, bool | int | float | str] = Field(description="The numbers it used.")


class Decision(BaseModel):
    """K-4: a queued decision with its inputs, explanation, state and result."""

    id: str = Field(examples=["dec_01j0000000000000000000000"])
    kind: DecisionKind
    sku: str
    route: Route = Field(description="D-6: auto-executed, for a person, or an emergency stop.")
    status: ProposalStatus
    quantity: int | None
    price: float | None
    inputs: dict[str, Any] = Field(description="What the decision was made from (per kind).")
    reasons: list[DecisionReason]
    explanation: list[str] = Field(description="The reasons as 'rule: text' lines.")
    result: dict[str, Any] = Field(description="What acting on it did (per kind).")
    source_event_id: str | None = Field(description="The event that raised it, if any.")
    scheduled_for: Timestamp | None = Field(description="When an auto-executed one is sent.")
    created_at: Timestamp
    updated_at: Timestamp
    purchase_orders: list[PurchaseOrder]


class EmergencyStop(BaseModel):
    """D-6: a SKU's emergency stop (the last one, once lifted)."""

    sku: str
    active: bool
    reason: str
    raised_by: str
    raised_at: Timestamp
    lifted_by: str | None
    lifted_at: Timestamp | None
    lift_reason: str | None
    rule: Literal["D-6"]


class SupplierFreight(BaseModel):
    """D-1: what one freight mode costs and takes from this supplier."""

    cost_per_unit: float
    transit_days: int = Field(description="Days from shipping to the warehouse.")


class Supplier(BaseModel):
    """D-1: a supplier."""

    code: str
    name: str
    tier: Tier
    grade: Grade
    capacity: int = Field(description="Units it can make per period.")
    capacity_period_days: int
    moq: int = Field(description="Minimum order quantity.")
    lead_time_min_days: int
    lead_time_mode_days: int
    lead_time_max_days: int
    unit_cost: float
    currency: str
    freight: dict[Freight, SupplierFreight]
    material_ready_at: Timestamp | None = Field(
        description="When its raw material is ready; null means ready now."
    )
    skus: list[str] = Field(description="The SKUs it makes.")
    active: bool


class CashDay(BaseModel):
    day: Day
    balance: float = Field(description="Closing balance forecast for the day.")


class CashMovement(BaseModel):
    at: Timestamp
    kind: Literal["set", "payment", "refund"]
    amount: float
    balance_after: float
    ref: str | None = Field(description="The purchase order it pays or refunds.")
    label: str


class CashOverview(BaseModel):
    """D-5: liquid funds, today's room and the forecast; only the first four fields until the
    seller states its liquid funds."""

    liquid_funds: float | None
    currency: str | None
    order_limit: float | None = Field(None, description="D-5: 30 % of liquid funds.")
    committed_today: float | None = Field(None, description="Approved today (UTC).")
    daily_room: float | None = Field(None, description="What may still be committed today.")
    forecast: list[CashDay] | None
    warnings: list[str]
    movements: list[CashMovement] | None = Field(None, description="The latest, newest first.")


class PlannedCashFlow(BaseModel):
    """D-5: a payment (negative) or payout (positive) expected on a day."""

    id: str
    due_at: Timestamp
    amount: float
    label: str


class HeatRecorded(BaseModel):
    sku: str
    heat: float
    notified_suppliers: list[str] = Field(description="D-9: told to prepare production.")


class AttributeRequestCount(BaseModel):
    """L-10: how many customers asked for an attribute."""

    attribute: str
    mentions: int


class AttributeRequestsRecorded(BaseModel):
    sku: str
    attribute_requests: list[AttributeRequestCount] = Field(description="Most asked first.")


class AttributeRequestsBySku(RootModel[dict[str, list[AttributeRequestCount]]]):
    """L-10: requested attributes per SKU, most asked first."""


class HeatDay(BaseModel):
    day: Day
    heat: float


class HeatWeek(BaseModel):
    week: int
    average_heat: float
    units: float | None = Field(description="Units expected to sell; null without sales yet.")


class HeatForecast(BaseModel):
    """D-9: the 2-4 week heat forecast."""

    daily_growth: float
    weeks: list[HeatWeek]


class ProductView(BaseModel):
    """D-9: a product as its suppliers see it: no price, no buyers."""

    sku: str
    name: str
    heat_curve: list[HeatDay]
    forecast: HeatForecast
    attribute_requests: list[AttributeRequestCount]


class SupplierNotice(BaseModel):
    """D-9: a notice to a supplier."""

    id: str = Field(examples=["ntc_01j0000000000000000000000"])
    sku: str
    kind: Literal["prepare_production"]
    text: str
    heat: float | None
    at: Timestamp


class SupplierPortal(BaseModel):
    """D-9: everything a supplier key may see."""

    supplier: Supplier
    purchase_orders: list[PurchaseOrder]
    products: list[ProductView]
    notices: list[SupplierNotice]
