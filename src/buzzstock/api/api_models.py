"""What the administration, shop-file and health routes answer: their response models."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from buzzstock.core.api_types import Timestamp

Role = Literal["admin", "operator", "channel", "supplier"]


class Health(BaseModel):
    status: Literal["ok"]
    backend: Literal["sqlite", "postgresql"] = Field(description="The store the server uses.")
    version: str = Field(description="buzzstock's version.")


class CreatedKey(BaseModel):
    """A new API key; ``key`` is shown in this answer only."""

    id: str = Field(examples=["key_01j0000000000000000000000"])
    key: str = Field(description="The secret to send as 'Authorization: Bearer <key>'.")
    role: Role
    channel: str | None = Field(description="The one channel a channel key may act for.")


class ApiKey(BaseModel):
    """An API key as listed: never the secret itself."""

    id: str
    name: str
    role: Role
    channel: str | None = Field(description="The one channel a channel key may act for.")
    supplier: str | None = Field(description="The one supplier a supplier key may act for.")
    created_at: Timestamp
    revoked: bool


class CreatedSubscription(BaseModel):
    """A new webhook subscription; ``secret`` is shown in this answer only."""

    id: str = Field(examples=["whs_01j0000000000000000000000"])
    secret: str = Field(description="whsec_... secret that signs every delivery.")
    url: str
    event_types: list[str] = Field(examples=[["*"], ["Reservation*"]])


class WebhookSubscription(BaseModel):
    """A webhook subscription as listed: never its secret."""

    id: str
    url: str
    event_types: list[str] = Field(description="Event types sent; '*' matches any suffix.")
    active: bool
    created_at: datetime


class Unsubscribed(BaseModel):
    dead_lettered: int = Field(description="Deliveries still pending, moved to dead letters.")


class DeadLetter(BaseModel):
    """A delivery that failed every try."""

    delivery_id: int
    event_id: str
    event_type: str
    consumer: str = Field(description="The subscription or handler it was for.")
    attempts: int
    last_error: str | None
    occurred_at: datetime = Field(description="When the event happened.")
    failed_at: datetime = Field(description="When the last try failed.")
    payload: dict[str, Any] = Field(description="The event's payload (its type's fields).")


class RetriedDelivery(BaseModel):
    state: Literal["pending"] = Field(description="The delivery is tried again.")


class OutboxStats(BaseModel):
    """Outbox deliveries per state."""

    pending: int
    in_flight: int
    delivered: int
    dead: int
    events_awaiting_fan_out: int = Field(description="Events not yet given to their consumers.")


class CatalogueLoaded(BaseModel):
    """What loading a shop file did."""

    created: dict[str, int] = Field(
        description="Entries created per kind (regions, markets, warehouses, channels, skus, "
        "suppliers).",
        examples=[{"regions": 3, "skus": 1}],
    )
    updated: dict[str, int] = Field(description="Entries updated in place per kind.")
    stocked: list[str] = Field(description="SKUs given their opening stock.")
    skipped_stock: list[str] = Field(
        description="SKUs already stocked: opening stock is applied once."
    )
    cash: str = Field(description="What happened to the opening funds.")
