"""Catalogue routes: regions, markets, warehouses, channels and SKUs."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status

from buzzstock.catalog import service
from buzzstock.catalog.api_models import (
    CatalogueEntry,
    ChannelEntry,
    MarketEntry,
    RegionEntry,
    SkuEntry,
    WarehouseEntry,
)
from buzzstock.catalog.model import Channel, Market, Region, Sku, Warehouse
from buzzstock.core.auth import Principal
from buzzstock.core.errors import NotFound
from buzzstock.core.requests import Caller, Ctx

router = APIRouter(prefix="/api/v1", tags=["catalog"])


def _created(response: Response, is_new: bool) -> None:
    response.status_code = status.HTTP_201_CREATED if is_new else status.HTTP_200_OK


@router.post("/regions", status_code=status.HTTP_201_CREATED, response_model=RegionEntry)
def put_region(body: Region, ctx: Ctx, caller: Caller, response: Response) -> dict[str, Any]:
    caller.require("admin", "operator")
    _created(response, service.create(ctx, body))
    return service.get_entry(ctx, Region, body.code)


@router.post("/markets", status_code=status.HTTP_201_CREATED, response_model=MarketEntry)
def put_market(body: Market, ctx: Ctx, caller: Caller, response: Response) -> dict[str, Any]:
    caller.require("admin", "operator")
    _created(response, service.create(ctx, body))
    return service.get_entry(ctx, Market, body.code)


@router.post("/warehouses", status_code=status.HTTP_201_CREATED, response_model=WarehouseEntry)
def put_warehouse(body: Warehouse, ctx: Ctx, caller: Caller, response: Response) -> dict[str, Any]:
    caller.require("admin", "operator")
    _created(response, service.create(ctx, body))
    return service.get_entry(ctx, Warehouse, body.code)


@router.post(
    "/channels",
    status_code=status.HTTP_201_CREATED,
    response_model=ChannelEntry,
    response_model_exclude_unset=True,
)
def put_channel(body: Channel, ctx: Ctx, caller: Caller, response: Response) -> dict[str, Any]:
    caller.require("admin", "operator")
    _created(response, service.create(ctx, body))
    return service.public_channel(service.get_entry(ctx, Channel, body.code))


@router.post("/skus", status_code=status.HTTP_201_CREATED, response_model=SkuEntry)
def put_sku(body: Sku, ctx: Ctx, caller: Caller, response: Response) -> dict[str, Any]:
    caller.require("admin", "operator")
    _created(response, service.create(ctx, body))
    return service.get_entry(ctx, Sku, body.code)


_KINDS: dict[str, type[Region | Market | Warehouse | Channel | Sku]] = {
    "regions": Region,
    "markets": Market,
    "warehouses": Warehouse,
    "channels": Channel,
    "skus": Sku,
}


@router.get("/{kind}", response_model=list[CatalogueEntry], response_model_exclude_unset=True)
def list_kind(kind: str, ctx: Ctx, caller: Caller) -> list[dict[str, Any]]:
    """List regions, markets, warehouses, channels or SKUs; a channel key sees only its own
    channel, and every channel's secrets are masked (issue 11)."""
    caller.require("admin", "operator", "channel")
    model = _model_for(kind)
    rows = service.list_entries(ctx, model)
    if model is not Channel:
        return rows
    return [service.public_channel(row) for row in rows if _may_read(caller, row["code"])]


@router.get("/{kind}/{code}", response_model=CatalogueEntry, response_model_exclude_unset=True)
def read_kind(kind: str, code: str, ctx: Ctx, caller: Caller) -> dict[str, Any]:
    caller.require("admin", "operator", "channel")
    model = _model_for(kind)
    if model is Channel and not _may_read(caller, code):
        raise NotFound(f"no channel {code!r}")
    row = service.get_entry(ctx, model, code)
    return service.public_channel(row) if model is Channel else row


def _may_read(caller: Principal, channel: str) -> bool:
    """A channel key reads only its own channel; another channel is as good as unknown to it."""
    return caller.role != "channel" or caller.channel == channel


def _model_for(kind: str) -> type[Region | Market | Warehouse | Channel | Sku]:
    if kind not in _KINDS:
        raise NotFound(f"no such endpoint /api/v1/{kind}; see /docs for the API")
    return _KINDS[kind]
