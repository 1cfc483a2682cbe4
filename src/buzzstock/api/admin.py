"""Administration routes: API keys, webhook subscriptions, the outbox's dead letters."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, status
from pydantic import Field

from buzzstock import keys
from buzzstock.api.api_models import (
    ApiKey,
    CreatedKey,
    CreatedSubscription,
    DeadLetter,
    OutboxStats,
    RetriedDelivery,
    Unsubscribed,
    WebhookSubscription,
)
from buzzstock.core import auth, deliveries
from buzzstock.core.events import DomainEvent
from buzzstock.core.input import Input
from buzzstock.core.requests import Caller, Ctx
from buzzstock.core.subscriptions import add_subscription, list_subscriptions, remove_subscription
from buzzstock.decide import events as decide_events
from buzzstock.listen import events as listen_events
from buzzstock.respond import events as respond_events
from buzzstock.stock import events as stock_events

router = APIRouter(prefix="/api/v1", tags=["admin"])

EVENT_MODULES = (listen_events, decide_events, stock_events, respond_events)


def known_event_types() -> frozenset[str]:
    """Every domain event type a subscriber can receive: those the capabilities declare."""
    return frozenset(
        kind.event_type
        for module in EVENT_MODULES
        for kind in vars(module).values()
        if isinstance(kind, type) and issubclass(kind, DomainEvent) and "event_type" in vars(kind)
    )


class KeyRequest(Input):
    name: str = Field(min_length=1, max_length=200)
    role: str = Field(examples=["channel"])
    channel: str | None = None
    supplier: str | None = None


class SubscriptionRequest(Input):
    url: str = Field(min_length=1, max_length=2000, examples=["https://example.com/hooks"])
    event_types: list[str] = Field(min_length=1, examples=[["*"]])
    secret: str | None = Field(None, description="whsec_... secret; generated if omitted.")


@router.post("/keys", status_code=status.HTTP_201_CREATED, response_model=CreatedKey)
def create_key(body: KeyRequest, ctx: Ctx, caller: Caller) -> dict[str, Any]:
    """Create an API key; the key is shown in this answer only."""
    caller.require("admin")
    key_id, key = keys.create_key(
        ctx, body.name, body.role, channel=body.channel, supplier=body.supplier
    )
    return {"id": key_id, "key": key, "role": body.role, "channel": body.channel}


@router.get("/keys", response_model=list[ApiKey])
def list_keys(ctx: Ctx, caller: Caller) -> list[dict[str, Any]]:
    caller.require("admin")
    return auth.list_keys(ctx)


@router.delete("/keys/{key_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_key(key_id: str, ctx: Ctx, caller: Caller) -> None:
    caller.require("admin")
    auth.revoke_key(ctx, key_id)


@router.post(
    "/webhooks/subscriptions",
    status_code=status.HTTP_201_CREATED,
    response_model=CreatedSubscription,
)
def subscribe(body: SubscriptionRequest, ctx: Ctx, caller: Caller) -> dict[str, Any]:
    """Send domain events to a URL, signed per Standard Webhooks; the secret is shown once."""
    caller.require("admin")
    subscription_id, secret = add_subscription(
        ctx, body.url, body.event_types, body.secret, known_types=known_event_types()
    )
    return {
        "id": subscription_id,
        "secret": secret,
        "url": body.url,
        "event_types": body.event_types,
    }


@router.get("/webhooks/subscriptions", response_model=list[WebhookSubscription])
def subscriptions(ctx: Ctx, caller: Caller) -> list[dict[str, Any]]:
    caller.require("admin")
    return [asdict(item) for item in list_subscriptions(ctx)]


@router.delete("/webhooks/subscriptions/{subscription_id}", response_model=Unsubscribed)
def unsubscribe(subscription_id: str, ctx: Ctx, caller: Caller) -> dict[str, int]:
    caller.require("admin")
    return {"dead_lettered": remove_subscription(ctx, subscription_id)}


@router.get("/outbox/dead-letters", response_model=list[DeadLetter])
def dead_letters(
    ctx: Ctx,
    caller: Caller,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
) -> list[dict[str, Any]]:
    """Deliveries that failed every try, with the last error, for a person to look at."""
    caller.require("admin", "operator")
    return [asdict(item) for item in deliveries.dead_letters(ctx, limit=limit, offset=offset)]


@router.post("/outbox/dead-letters/{delivery_id}/retry", response_model=RetriedDelivery)
def retry_dead_letter(
    delivery_id: Annotated[int, Path(ge=1, le=2**63 - 1)], ctx: Ctx, caller: Caller
) -> dict[str, str]:
    caller.require("admin", "operator")
    deliveries.retry_dead_letter(ctx, delivery_id)
    return {"state": "pending"}


@router.get("/outbox/stats", response_model=OutboxStats)
def outbox_stats(ctx: Ctx, caller: Caller) -> dict[str, int]:
    caller.require("admin", "operator")
    return deliveries.delivery_stats(ctx)
