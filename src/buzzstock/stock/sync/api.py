"""Channel sync routes (S-6, S-8): webhook intake, publication, sync status, the war room."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from buzzstock.channels.base import ChannelRejected, InvalidSignature
from buzzstock.core.errors import InvalidInput, Unauthorized
from buzzstock.core.input import Input
from buzzstock.core.requests import Caller, Ctx
from buzzstock.stock.sync.allotment import connect_listing, publish
from buzzstock.stock.sync.api_models import (
    ChannelSyncStatus,
    ListingConnected,
    Publication,
    Subpool,
    SubpoolReleased,
    WarRoom,
)
from buzzstock.stock.sync.inbox import store_notification
from buzzstock.stock.sync.intake import verified_delivery
from buzzstock.stock.sync.rebalancing import close_subpool, open_subpool
from buzzstock.stock.sync.warroom import war_room
from buzzstock.stock.sync.worker import sync_status

router = APIRouter(prefix="/api/v1", tags=["sync"])


@router.post("/channels/{channel}/webhooks/{platform}", status_code=200, response_class=Response)
async def receive_webhook(channel: str, platform: str, request: Request, ctx: Ctx) -> Response:
    """S-6: verify the delivery over its raw body, store it once, answer at once (empty 200).
    The channel's secrets are read from the store, so a rotation takes effect at once."""
    body = await request.body()
    try:
        notification = await verified_delivery(
            ctx, channel, platform, dict(request.headers), body, url=str(request.url)
        )
    except InvalidSignature as error:
        raise Unauthorized(f"webhook signature refused: {error}") from error
    except (ValueError, ChannelRejected) as error:
        raise InvalidInput(f"not a {platform} webhook: {error}") from error
    await run_in_threadpool(store_notification, ctx, channel, notification)
    return Response(status_code=200)


class ListingRequest(Input):
    sku: str = Field(min_length=1, max_length=80)
    sku_ref: str = Field(min_length=1, max_length=200, description="The platform's own id.")
    compare_and_swap: bool = Field(
        False, description="The platform applies a push only over the expected previous value."
    )


class PublishRequest(Input):
    units: int = Field(strict=True, ge=0, le=1_000_000)


class SubpoolRequest(Input):
    units: int = Field(strict=True, ge=1, le=10_000_000)
    source: str = Field("elastic", min_length=1, max_length=80)


@router.put("/channels/{channel}/listings", response_model=ListingConnected)
def put_listing(channel: str, body: ListingRequest, ctx: Ctx, caller: Caller) -> dict[str, Any]:
    caller.require("admin", "operator")
    connect_listing(ctx, channel, body.sku, body.sku_ref, compare_and_swap=body.compare_and_swap)
    return {"channel": channel, "sku": body.sku, "sku_ref": body.sku_ref}


@router.put("/channels/{channel}/listings/{sku}/published", response_model=Publication)
def put_published(
    channel: str, sku: str, body: PublishRequest, ctx: Ctx, caller: Caller
) -> dict[str, Any]:
    """S-6: set what the channel shows; raising takes units now, lowering frees them on ack."""
    caller.require("admin", "operator")
    version = publish(ctx, channel, sku, body.units)
    return {"channel": channel, "sku": sku, "units": body.units, "version": version}


@router.get("/sync/status", response_model=list[ChannelSyncStatus])
def get_sync_status(ctx: Ctx, caller: Caller, channel: str | None = None) -> list[dict[str, Any]]:
    """S-6: per channel pushes vs changes, pending pushes and sync latency p50/p99."""
    caller.require("admin", "operator")
    return sync_status(ctx, channel)


@router.get("/sync/warroom/{sku}", response_model=WarRoom)
def get_war_room(
    sku: str,
    ctx: Ctx,
    caller: Caller,
    minutes: Annotated[int, Query(ge=1, le=24 * 60, description="Window, 1 to 1440.")] = 60,
    step_seconds: Annotated[int, Query(ge=1, le=3600, description="Step, 1 to 3600.")] = 60,
) -> dict[str, Any]:
    """S-8: consumption per channel, remaining and countdown per region, arrivals, host lines."""
    caller.require("admin", "operator")
    return war_room(ctx, sku, minutes=minutes, step_seconds=step_seconds)


@router.post("/stock/{sku}/subpools/{name}", status_code=201, response_model=Subpool)
def post_subpool(
    sku: str, name: str, body: SubpoolRequest, ctx: Ctx, caller: Caller
) -> dict[str, Any]:
    """S-9: a temporary pool for a guest creator."""
    caller.require("admin", "operator")
    bucket = open_subpool(ctx, sku, name, body.units, source=body.source)
    return {"sku": sku, "bucket": bucket, "units": body.units}


@router.delete("/stock/{sku}/subpools/{name}", response_model=SubpoolReleased)
def delete_subpool(sku: str, name: str, ctx: Ctx, caller: Caller) -> dict[str, Any]:
    """S-9: release a guest creator's pool back into the main pool."""
    caller.require("admin", "operator")
    return {"sku": sku, "released": close_subpool(ctx, sku, name)}
