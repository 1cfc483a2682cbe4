"""Stock hub routes: reservations for channels and live checkouts, stock, orders, the ledger."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, status
from pydantic import BaseModel, Field

from buzzstock.core.input import Input as Body
from buzzstock.core.limits import INT32_MAX, MAX_UNITS
from buzzstock.core.requests import Caller, Ctx, RequestKey
from buzzstock.stock import ledger, service
from buzzstock.stock.api_models import LedgerReport, Order, ReleasedHolds, StockView
from buzzstock.stock.view import stock_view

router = APIRouter(prefix="/api/v1", tags=["stock"])


class ReservationRequest(Body):
    sku: str = Field(min_length=1, max_length=80, examples=["BREEZE-BAND"])
    quantity: int = Field(
        strict=True,
        examples=[1],
        description="Units to hold: 1 up to stock.max_reservation_quantity (1000 by default, "
        "at most 1,000,000).",
    )
    channel: str = Field(min_length=1, max_length=80, examples=["tiktok-us"])
    buyer: str = Field(min_length=1, max_length=200, examples=["buyer-7781"])


class ReservationOut(BaseModel):
    id: str
    sku: str
    quantity: int
    channel: str
    buyer: str
    state: str
    expires_at: datetime
    taken_from: dict[str, int]


class Location(Body):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class ConfirmRequest(Body):
    ship_to: Location | None = Field(
        None, description="Where the order goes; defaults to the channel's region."
    )


class ReceiptRequest(Body):
    warehouse: str = Field(min_length=1, max_length=40)
    quantity: int = Field(strict=True, ge=1, le=MAX_UNITS)
    quota: str | None = Field(
        None,
        min_length=1,
        max_length=80,
        description="Quota bucket to sell them from (default: the "
        "warehouse's region quota, else the elastic pool).",
    )


class InTransitRequest(Body):
    warehouse: str = Field(min_length=1, max_length=40)
    quantity: int = Field(strict=True, ge=1, le=MAX_UNITS)
    eta: datetime


class QuotaMoveRequest(Body):
    source: str = Field(min_length=1, max_length=80, examples=["elastic"])
    target: str = Field(min_length=1, max_length=80, examples=["US"])
    quantity: int = Field(strict=True, ge=1, le=MAX_UNITS)
    reason: str = Field("manual", max_length=200)


class PauseRequest(Body):
    reason: str = Field(min_length=1, max_length=500)


class BuyerLimitRequest(Body):
    limit: int | None = Field(
        None,
        strict=True,
        ge=1,
        le=INT32_MAX,
        description="Units per buyer, 1 to 2,147,483,647; null switches it off.",
    )


@router.post("/reservations", status_code=status.HTTP_201_CREATED, response_model=ReservationOut)
def create_reservation(
    body: ReservationRequest, ctx: Ctx, caller: Caller, request_key: RequestKey
) -> dict[str, Any]:
    """S-4: hold units of a SKU for a buyer on a channel, or 409 naming the rule that refused.

    The hold stores the Idempotency-Key with itself, so a retry after any crash finds it again."""
    caller.require_channel(body.channel)
    held = service.reserve(
        ctx, body.sku, body.quantity, body.channel, body.buyer, request_key=request_key
    )
    return held.as_dict()


@router.get("/reservations/{reservation_id}", response_model=ReservationOut)
def read_reservation(reservation_id: str, ctx: Ctx, caller: Caller) -> dict[str, Any]:
    held = service.get_reservation(ctx, reservation_id)
    caller.require_channel(held.channel)
    return held.as_dict()


@router.post("/reservations/{reservation_id}/confirm", response_model=Order)
def confirm_reservation(
    reservation_id: str, ctx: Ctx, caller: Caller, body: ConfirmRequest | None = None
) -> dict[str, Any]:
    """S-4/S-7: the hold becomes an order booked on the nearest warehouses that can ship it."""
    caller.require_channel(service.get_reservation(ctx, reservation_id).channel)
    ship_to = (body.ship_to.lat, body.ship_to.lon) if body and body.ship_to else None
    return service.confirm(ctx, reservation_id, ship_to=ship_to).as_dict()


@router.post("/reservations/{reservation_id}/cancel", response_model=ReservationOut)
def cancel_reservation(reservation_id: str, ctx: Ctx, caller: Caller) -> dict[str, Any]:
    """S-4: cancel a hold or an unshipped order; its units go back exactly once."""
    caller.require_channel(service.get_reservation(ctx, reservation_id).channel)
    return service.cancel(ctx, reservation_id).as_dict()


@router.get("/orders/{order_id}", response_model=Order)
def read_order(order_id: str, ctx: Ctx, caller: Caller) -> dict[str, Any]:
    order = service.get_order(ctx, order_id)
    caller.require_channel(order.channel)
    return order.as_dict()


@router.post("/orders/{order_id}/ship", response_model=Order)
def ship_order(order_id: str, ctx: Ctx, caller: Caller) -> dict[str, Any]:
    """S-7: the order's units leave their warehouses."""
    caller.require("admin", "operator")
    return service.ship(ctx, order_id).as_dict()


@router.get("/stock/{sku}", response_model=StockView)
def read_stock(sku: str, ctx: Ctx, caller: Caller) -> dict[str, Any]:
    """S-2/S-3: on hand, reserved, available, in transit, per warehouse and per region quota."""
    caller.require("admin", "operator", "channel")
    return stock_view(ctx, sku)


@router.post("/stock/{sku}/receipts", status_code=status.HTTP_201_CREATED, response_model=StockView)
def receive_stock(sku: str, body: ReceiptRequest, ctx: Ctx, caller: Caller) -> dict[str, Any]:
    caller.require("admin", "operator")
    service.receive(ctx, sku, body.warehouse, body.quantity, bucket=body.quota)
    return stock_view(ctx, sku)


@router.post(
    "/stock/{sku}/in-transit", status_code=status.HTTP_201_CREATED, response_model=StockView
)
def stock_in_transit(sku: str, body: InTransitRequest, ctx: Ctx, caller: Caller) -> dict[str, Any]:
    caller.require("admin", "operator")
    service.add_in_transit(ctx, sku, body.warehouse, body.quantity, body.eta)
    return stock_view(ctx, sku)


@router.post("/stock/{sku}/arrivals", status_code=status.HTTP_201_CREATED, response_model=StockView)
def stock_arrival(sku: str, body: ReceiptRequest, ctx: Ctx, caller: Caller) -> dict[str, Any]:
    caller.require("admin", "operator")
    service.arrive(ctx, sku, body.warehouse, body.quantity)
    return stock_view(ctx, sku)


@router.post(
    "/stock/{sku}/quota-moves", status_code=status.HTTP_201_CREATED, response_model=StockView
)
def move_quota(sku: str, body: QuotaMoveRequest, ctx: Ctx, caller: Caller) -> dict[str, Any]:
    """S-3: move free units between region quotas and the elastic pool (ledgered)."""
    caller.require("admin", "operator")
    service.move_quota(ctx, sku, body.source, body.target, body.quantity, reason=body.reason)
    return stock_view(ctx, sku)


@router.post("/stock/{sku}/pause", response_model=StockView)
def pause_sku(sku: str, body: PauseRequest, ctx: Ctx, caller: Caller) -> dict[str, Any]:
    """S-4: refuse new reservations of the SKU until resumed."""
    caller.require("admin", "operator")
    service.set_paused(ctx, sku, True, body.reason)
    return stock_view(ctx, sku)


@router.post("/stock/{sku}/resume", response_model=StockView)
def resume_sku(sku: str, ctx: Ctx, caller: Caller) -> dict[str, Any]:
    caller.require("admin", "operator")
    service.set_paused(ctx, sku, False)
    return stock_view(ctx, sku)


@router.put("/stock/{sku}/buyer-limit", response_model=StockView)
def buyer_limit(sku: str, body: BuyerLimitRequest, ctx: Ctx, caller: Caller) -> dict[str, Any]:
    """S-5: per-buyer purchase limit across orders (null switches it off)."""
    caller.require("admin", "operator")
    service.set_buyer_limit(ctx, sku, body.limit)
    return stock_view(ctx, sku)


@router.post("/stock/release-expired", response_model=ReleasedHolds)
def release_expired(ctx: Ctx, caller: Caller) -> dict[str, int]:
    """S-4: release every expired hold now (the server's sweeper also does this)."""
    caller.require("admin", "operator")
    return {"released": service.release_expired(ctx)}


@router.get("/ledger/verify", response_model=LedgerReport)
def verify_ledger(ctx: Ctx, caller: Caller, sku: str | None = None) -> dict[str, Any]:
    """S-10: check the hash chain and that replaying the ledger gives the counters."""
    caller.require("admin", "operator")
    report = ledger.verify(ctx.engine, sku)
    return {
        "ok": report.ok,
        "rows": report.rows,
        "skus": report.skus,
        "broken": report.broken,
        "mismatched": report.mismatched,
    }
