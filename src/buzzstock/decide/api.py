"""Decide routes: the decision queue, purchase orders, suppliers, prices, cash, heat and the
supplier portal. Supplier keys reach only their own orders, products and notices (D-9)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status
from pydantic import Field

from buzzstock.core.auth import Principal
from buzzstock.core.errors import Forbidden, InvalidInput, NotFound
from buzzstock.core.input import Input as Body
from buzzstock.core.limits import MAX_ATTRIBUTE_REQUESTS, MAX_DAYS, MAX_UNITS, Code, Units
from buzzstock.core.requests import Caller, Ctx
from buzzstock.decide import (
    actions,
    cash_store,
    orders,
    portal,
    price_decisions,
    purchase_decisions,
    queue,
    registry,
    stops,
)
from buzzstock.decide.api_models import (
    AttributeRequestsBySku,
    AttributeRequestsRecorded,
    CashOverview,
    Decision,
    EmergencyStop,
    HeatRecorded,
    PlannedCashFlow,
    ProductView,
    PurchaseOrder,
    Supplier,
    SupplierNotice,
    SupplierPortal,
)
from buzzstock.decide.ladder import Freight
from buzzstock.decide.proposal import ProposalAction

router = APIRouter(prefix="/api/v1", tags=["decide"])

STAFF = ("admin", "operator")


Attribute = Annotated[str, Field(min_length=1, max_length=80)]
AttributeRequests = Annotated[int, Field(strict=True, ge=1, le=MAX_ATTRIBUTE_REQUESTS)]


class NeedBy(Body):
    units: int = Field(ge=1, le=MAX_UNITS)
    day: int = Field(ge=0, le=MAX_DAYS)


class PurchaseRequest(Body):
    sku: str = Field(min_length=1, max_length=80, examples=["BREEZE-BAND"])
    quantity: int = Field(strict=True, ge=1, le=MAX_UNITS)
    due_days: int = Field(
        ge=0, le=MAX_DAYS, description="Every unit must land within this many days."
    )
    need_by: list[NeedBy] = Field(default_factory=list, max_length=20)
    warehouse: str | None = Field(None, max_length=40)
    freight: Freight = Freight.AIR
    note: str = Field("", max_length=500)


class ActionRequest(Body):
    quantity: int | None = Field(None, strict=True, ge=1, le=MAX_UNITS)
    price: float | None = Field(None, gt=0, le=10_000_000)
    note: str = Field("", max_length=500)


class OrderRequest(Body):
    supplier: str = Field(min_length=1, max_length=80)
    warehouse: str = Field(min_length=1, max_length=40)
    lines: dict[Code, Units] = Field(
        min_length=1, max_length=200, description="Units per SKU, each 1 to 100,000,000."
    )
    freight: Freight = Freight.AIR


class ShipRequest(Body):
    eta: datetime | None = None


class ReceiptRequest(Body):
    lines: dict[Code, Units] = Field(
        min_length=1, max_length=200, description="Units arrived per SKU, each 1 to 100,000,000."
    )


class PriceRequest(Body):
    sku: str = Field(min_length=1, max_length=80)
    heat: float = Field(0.0, ge=0, le=100_000)
    growth_percent: float = Field(0.0, ge=-100, le=100_000)
    declining: bool = False
    stock_days: float | None = Field(None, ge=0, le=100_000)
    channel_velocity_ratio: float | None = Field(None, ge=0, le=1_000)
    price: float | None = Field(None, gt=0, le=10_000_000, description="Set a price directly.")
    note: str = Field("", max_length=500)


class CashRequest(Body):
    liquid_funds: float = Field(ge=0, le=1e12)
    currency: str = Field("CNY", min_length=3, max_length=3)


class CashFlowRequest(Body):
    due_at: datetime
    amount: float = Field(ge=-1e12, le=1e12, description="Negative for a payment.")
    label: str = Field(min_length=1, max_length=200)


class HeatRequest(Body):
    sku: str = Field(min_length=1, max_length=80)
    heat: float = Field(ge=0, le=100_000)
    at: datetime | None = None
    growth: float | None = None
    positive_share: float | None = Field(None, ge=0, le=1)
    platforms: list[str] | None = Field(None, max_length=20)


class AttributeRequestsBody(Body):
    sku: str = Field(min_length=1, max_length=80)
    requests: dict[Attribute, AttributeRequests] = Field(
        min_length=1,
        max_length=200,
        description="L-10: requests per attribute, each 1 to 1,000,000.",
    )


def _supplier_scope(caller: Principal) -> str | None:
    """None for staff (everything); a supplier key's own code; other roles are refused."""
    if caller.role in STAFF:
        return None
    if caller.role == "supplier" and caller.supplier:
        return caller.supplier
    raise Forbidden(f"a {caller.role!r} key cannot see purchasing data")


# --- decisions ----------------------------------------------------------------------------------


@router.get("/decisions", response_model=list[Decision])
def list_decisions(
    ctx: Ctx,
    caller: Caller,
    status_: str | None = Query(None, alias="status"),
    sku: str | None = None,
    kind: str | None = None,
    limit: int = Query(100, ge=1, le=1000),
) -> list[dict[str, Any]]:
    """K-4: the decision queue with each decision's inputs, explanation, state and result."""
    caller.require(*STAFF)
    return queue.list_decisions(ctx, status=status_, sku=sku, kind=kind, limit=limit)


@router.post("/decisions", status_code=status.HTTP_201_CREATED, response_model=Decision)
def propose_purchase(body: PurchaseRequest, ctx: Ctx, caller: Caller) -> dict[str, Any]:
    """D-2: ask for an order; buzzstock splits it across suppliers and queues it for approval."""
    caller.require(*STAFF)
    return purchase_decisions.propose_purchase(
        ctx,
        sku=body.sku,
        quantity=body.quantity,
        due_days=body.due_days,
        need_by=[(item.units, item.day) for item in body.need_by],
        warehouse=body.warehouse,
        freight=body.freight,
        note=body.note,
    )


@router.get("/decisions/{decision_id}", response_model=Decision)
def get_decision(decision_id: str, ctx: Ctx, caller: Caller) -> dict[str, Any]:
    caller.require(*STAFF)
    return queue.get_decision(ctx, decision_id)


@router.post("/decisions/{decision_id}/{action}", response_model=Decision)
def act_on_decision(
    decision_id: str,
    action: ProposalAction,
    ctx: Ctx,
    caller: Caller,
    body: ActionRequest | None = None,
) -> dict[str, Any]:
    """D-6: approve, edit, reject, undo, send, pause or resume a decision."""
    caller.require(*STAFF)
    request = body or ActionRequest()
    return actions.act(
        ctx,
        decision_id,
        action,
        quantity=request.quantity,
        price=request.price,
        note=request.note,
    )


# --- emergency stop (D-6) ---------------------------------------------------------------------


class StopRequest(Body):
    sku: str = Field(min_length=1, max_length=80)
    reason: str = Field(min_length=1, max_length=1000)


class LiftRequest(Body):
    reason: str = Field("lifted by a person", min_length=1, max_length=1000)


@router.get("/stops", response_model=list[EmergencyStop])
def list_stops(
    ctx: Ctx, caller: Caller, include_lifted: bool = Query(False)
) -> list[dict[str, Any]]:
    """D-6: the SKUs under an emergency stop (``include_lifted`` adds the stops lifted)."""
    caller.require(*STAFF)
    return stops.list_stops(ctx, active_only=not include_lifted)


@router.post("/stops", status_code=status.HTTP_201_CREATED, response_model=EmergencyStop)
def raise_stop(body: StopRequest, ctx: Ctx, caller: Caller) -> dict[str, Any]:
    """D-6: stop a SKU: related replenishment paused, reservations refused, 0 on every channel."""
    caller.require(*STAFF)
    return stops.raise_stop(ctx, body.sku, body.reason, by=f"{caller.role} key {caller.name!r}")


@router.post("/stops/{sku}/lift", response_model=EmergencyStop)
def lift_stop(
    sku: str, ctx: Ctx, caller: Caller, body: LiftRequest | None = None
) -> dict[str, Any]:
    """D-6: lift a SKU's emergency stop: what it paused resumes, the channels show stock."""
    caller.require(*STAFF)
    request = body or LiftRequest()
    return stops.lift_stop(ctx, sku, request.reason, by=f"{caller.role} key {caller.name!r}")


# --- purchase orders --------------------------------------------------------------------------


@router.get(
    "/purchase-orders", response_model=list[PurchaseOrder], response_model_exclude_unset=True
)
def list_orders(
    ctx: Ctx,
    caller: Caller,
    sku: str | None = None,
    state: str | None = None,
    limit: int = Query(200, ge=1, le=1000),
) -> list[dict[str, Any]]:
    """Purchase orders; a supplier key sees only its own."""
    supplier = _supplier_scope(caller)
    found = orders.list_orders(ctx, supplier=supplier, sku=sku, state=state, limit=limit)
    return found if supplier is None else [portal.supplier_order_view(o) for o in found]


@router.post("/purchase-orders", status_code=status.HTTP_201_CREATED, response_model=PurchaseOrder)
def create_order(body: OrderRequest, ctx: Ctx, caller: Caller) -> dict[str, Any]:
    caller.require(*STAFF)
    return orders.create_order(
        ctx,
        supplier=body.supplier,
        warehouse=body.warehouse,
        lines=body.lines,
        freight=body.freight,
    )


@router.get(
    "/purchase-orders/{order_id}", response_model=PurchaseOrder, response_model_exclude_unset=True
)
def get_order(order_id: str, ctx: Ctx, caller: Caller) -> dict[str, Any]:
    supplier = _supplier_scope(caller)
    found = orders.get_order(ctx, order_id, supplier=supplier)
    return found if supplier is None else portal.supplier_order_view(found)


@router.post("/purchase-orders/{order_id}/approve", response_model=PurchaseOrder)
def approve_order(order_id: str, ctx: Ctx, caller: Caller) -> dict[str, Any]:
    caller.require(*STAFF)
    return orders.approve_order(ctx, order_id)


@router.post("/purchase-orders/{order_id}/send", response_model=PurchaseOrder)
def send_order(order_id: str, ctx: Ctx, caller: Caller) -> dict[str, Any]:
    caller.require(*STAFF)
    return orders.send_order(ctx, order_id)


@router.post(
    "/purchase-orders/{order_id}/start-production",
    response_model=PurchaseOrder,
    response_model_exclude_unset=True,
)
def start_production(order_id: str, ctx: Ctx, caller: Caller) -> dict[str, Any]:
    """The supplier started making it (its own key, or staff)."""
    supplier = _supplier_scope(caller)
    found = orders.start_production(ctx, order_id, supplier=supplier)
    return found if supplier is None else portal.supplier_order_view(found)


@router.post(
    "/purchase-orders/{order_id}/ship",
    response_model=PurchaseOrder,
    response_model_exclude_unset=True,
)
def ship_order(
    order_id: str, ctx: Ctx, caller: Caller, body: ShipRequest | None = None
) -> dict[str, Any]:
    """Shipped: in transit at the stock hub with its ETA (its supplier's key, or staff)."""
    supplier = _supplier_scope(caller)
    found = orders.ship_order(ctx, order_id, supplier=supplier, eta=body.eta if body else None)
    return found if supplier is None else portal.supplier_order_view(found)


@router.post(
    "/purchase-orders/{order_id}/receipts",
    status_code=status.HTTP_201_CREATED,
    response_model=PurchaseOrder,
)
def receive_order(order_id: str, body: ReceiptRequest, ctx: Ctx, caller: Caller) -> dict[str, Any]:
    """Units arrived at the warehouse: stock on hand (partial receipts allowed)."""
    caller.require(*STAFF)
    return orders.receive_order(ctx, order_id, body.lines)


@router.post("/purchase-orders/{order_id}/cancel", response_model=PurchaseOrder)
def cancel_order(order_id: str, ctx: Ctx, caller: Caller) -> dict[str, Any]:
    caller.require(*STAFF)
    return orders.cancel_order(ctx, order_id)


@router.post("/purchase-orders/{order_id}/resume", response_model=PurchaseOrder)
def resume_order(order_id: str, ctx: Ctx, caller: Caller) -> dict[str, Any]:
    caller.require(*STAFF)
    return orders.resume_order(ctx, order_id)


# --- suppliers ----------------------------------------------------------------------------------


@router.get("/suppliers", response_model=list[Supplier])
def list_suppliers(ctx: Ctx, caller: Caller) -> list[dict[str, Any]]:
    """Suppliers; a supplier key sees only itself."""
    supplier = _supplier_scope(caller)
    return registry.list_suppliers(ctx, only=supplier)


@router.post("/suppliers", status_code=status.HTTP_201_CREATED, response_model=Supplier)
def save_supplier(
    body: registry.SupplierSpec, ctx: Ctx, caller: Caller, response: Response
) -> dict[str, Any]:
    caller.require(*STAFF)
    saved, created = registry.save_supplier(ctx, body)
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return saved


@router.get("/suppliers/{code}", response_model=Supplier)
def get_supplier(code: str, ctx: Ctx, caller: Caller) -> dict[str, Any]:
    supplier = _supplier_scope(caller)
    if supplier is not None and supplier != code:
        raise NotFound(f"no supplier {code!r}")
    return registry.get_supplier(ctx, code)


@router.put("/suppliers/{code}", response_model=Supplier)
def replace_supplier(
    code: str, body: registry.SupplierSpec, ctx: Ctx, caller: Caller
) -> dict[str, Any]:
    caller.require(*STAFF)
    if body.code != code:
        raise InvalidInput(f"the body's code {body.code!r} differs from the URL's {code!r}")
    return registry.save_supplier(ctx, body)[0]


@router.delete("/suppliers/{code}", status_code=status.HTTP_204_NO_CONTENT)
def deactivate_supplier(code: str, ctx: Ctx, caller: Caller) -> Response:
    caller.require(*STAFF)
    registry.deactivate_supplier(ctx, code)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- prices and cash ----------------------------------------------------------------------------


@router.get("/prices", response_model=list[Decision])
def list_prices(
    ctx: Ctx, caller: Caller, status_: str | None = Query(None, alias="status")
) -> list[dict[str, Any]]:
    """D-7: price proposals (approve or undo them through /decisions/{id}/...)."""
    caller.require(*STAFF)
    return queue.list_decisions(ctx, status=status_, kind=queue.PRICE)


@router.post("/prices", status_code=status.HTTP_201_CREATED, response_model=Decision)
def propose_price(body: PriceRequest, ctx: Ctx, caller: Caller) -> dict[str, Any]:
    caller.require(*STAFF)
    decision_id = price_decisions.propose_price_change(
        ctx,
        sku=body.sku,
        heat=body.heat,
        growth_percent=body.growth_percent,
        declining=body.declining,
        stock_days=body.stock_days,
        channel_velocity_ratio=body.channel_velocity_ratio,
        price=body.price,
        note=body.note,
    )
    return queue.get_decision(ctx, decision_id)


@router.post("/prices/{decision_id}/{action}", response_model=Decision)
def act_on_price(
    decision_id: str,
    action: ProposalAction,
    ctx: Ctx,
    caller: Caller,
    body: ActionRequest | None = None,
) -> dict[str, Any]:
    caller.require(*STAFF)
    if queue.get_decision(ctx, decision_id)["kind"] != queue.PRICE:
        raise InvalidInput(f"decision {decision_id} is not a price proposal")
    request = body or ActionRequest()
    return actions.act(ctx, decision_id, action, price=request.price, note=request.note)


@router.get("/cash", response_model=CashOverview, response_model_exclude_unset=True)
def cash(ctx: Ctx, caller: Caller) -> dict[str, Any]:
    """D-5: liquid funds, today's room and the 7-day forecast with its warnings."""
    caller.require(*STAFF)
    return cash_store.cash_overview(ctx)


@router.put("/cash", response_model=CashOverview)
def set_cash(body: CashRequest, ctx: Ctx, caller: Caller) -> dict[str, Any]:
    caller.require(*STAFF)
    return cash_store.set_liquid_funds(ctx, body.liquid_funds, body.currency)


@router.post("/cash/flows", status_code=status.HTTP_201_CREATED, response_model=PlannedCashFlow)
def add_cash_flow(body: CashFlowRequest, ctx: Ctx, caller: Caller) -> dict[str, Any]:
    caller.require(*STAFF)
    return cash_store.add_cash_flow(ctx, body.due_at, body.amount, body.label)


# --- heat, attribute requests and the supplier portal --------------------------------------------


@router.post("/heat", status_code=status.HTTP_201_CREATED, response_model=HeatRecorded)
def add_heat(body: HeatRequest, ctx: Ctx, caller: Caller) -> dict[str, Any]:
    caller.require(*STAFF)
    return portal.add_heat(
        ctx,
        body.sku,
        body.heat,
        at=body.at,
        growth=body.growth,
        positive_share=body.positive_share,
        platforms=body.platforms,
    )


@router.get("/heat/{sku}", response_model=ProductView)
def heat_of_product(sku: str, ctx: Ctx, caller: Caller) -> dict[str, Any]:
    """D-9: heat curve, 2–4 week forecast and attribute requests of one product."""
    supplier = _supplier_scope(caller)
    if supplier is not None:
        portal.require_own_product(ctx, supplier, sku)
    return portal.product_view(ctx, sku)


@router.post(
    "/attribute-requests",
    status_code=status.HTTP_201_CREATED,
    response_model=AttributeRequestsRecorded,
)
def add_attribute_requests(body: AttributeRequestsBody, ctx: Ctx, caller: Caller) -> dict[str, Any]:
    caller.require(*STAFF)
    return portal.add_attribute_requests(ctx, body.sku, body.requests)


@router.get("/attribute-requests", response_model=AttributeRequestsBySku)
def attribute_requests(
    ctx: Ctx, caller: Caller, sku: str | None = None
) -> dict[str, list[dict[str, Any]]]:
    """L-10: requested attributes per product; a supplier key sees only its own products."""
    supplier = _supplier_scope(caller)
    if supplier is not None:
        own = portal.supplier_skus(ctx, supplier)
        if sku is not None:
            portal.require_own_product(ctx, supplier, sku)
        return portal.attribute_request_totals(ctx, [sku] if sku else own)
    if sku is None:
        raise InvalidInput("name the product: ?sku=CODE")
    return portal.attribute_request_totals(ctx, [sku])


@router.get("/supplier-notices", response_model=list[SupplierNotice])
def supplier_notices(ctx: Ctx, caller: Caller, supplier: str | None = None) -> list[dict[str, Any]]:
    """D-9 notices: a supplier key gets its own; staff name the supplier."""
    own = _supplier_scope(caller)
    if own is not None:
        return portal.notices_for(ctx, own)
    if supplier is None:
        raise InvalidInput("name the supplier: ?supplier=CODE")
    return portal.notices_for(ctx, supplier)


@router.get("/supplier-portal", response_model=SupplierPortal, response_model_exclude_unset=True)
def supplier_portal(ctx: Ctx, caller: Caller) -> dict[str, Any]:
    """D-9: everything a supplier key may see, in one document."""
    if caller.role != "supplier" or not caller.supplier:
        raise Forbidden("the supplier portal is for supplier keys")
    return portal.supplier_portal(ctx, caller.supplier)
