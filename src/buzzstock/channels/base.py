"""The one interface every channel adapter implements, and the records it speaks in.

S-1/S-6: the hub publishes an absolute quantity per (channel, SKU) and learns about orders the
channel took. Every platform is reduced to:

* ``set_quantity`` / ``set_quantities``: publish absolute quantities, answering with a
  ``PushResult`` (acknowledged, stale, throttled with a retry-after, rejected, unavailable);
* ``read_quantities`` and ``recent_orders``: the reconciliation pull;
* ``parse_webhook`` + ``orders_for_notification``: verified inbound events turned into
  ``ChannelOrder`` records (thin notifications are completed with one API read).

``sku_ref`` is the platform's own identifier of the sellable unit; each adapter documents its
format (e.g. Shopify variant id, TikTok ``product_id:sku_id``, Amazon seller SKU).
"""

from __future__ import annotations

import enum
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar


class Platform(enum.StrEnum):
    """The one list of sales platforms: a catalogue channel names one, and it picks the adapter."""

    SHOPIFY = "shopify"
    TIKTOK_SHOP = "tiktok_shop"
    AMAZON = "amazon"
    SHOPEE = "shopee"
    WOOCOMMERCE = "woocommerce"
    GOOGLE_MERCHANT = "google_merchant"
    META = "meta"
    GENERIC = "generic"


PLATFORM_ALIASES: dict[str, Platform] = {
    "youtube_shopping": Platform.GOOGLE_MERCHANT,
    "youtube": Platform.GOOGLE_MERCHANT,
    "google": Platform.GOOGLE_MERCHANT,
    "instagram": Platform.META,
    "facebook": Platform.META,
    "tiktok": Platform.TIKTOK_SHOP,
    "custom": Platform.GENERIC,
}
"""Names sellers use for a platform, read as the platform that serves them."""


def parse_platform(name: str) -> Platform:
    """The platform called ``name`` (or one of its aliases); ValueError names the choices."""
    folded = name.strip().lower()
    if folded in PLATFORM_ALIASES:
        return PLATFORM_ALIASES[folded]
    try:
        return Platform(folded)
    except ValueError:
        choices = ", ".join([*Platform, *PLATFORM_ALIASES])
        raise ValueError(f"unknown platform {name!r}; choose one of {choices}") from None


class OrderStatus(enum.StrEnum):
    CREATED = "created"
    CANCELLED = "cancelled"


class PushOutcome(enum.StrEnum):
    ACKNOWLEDGED = "acknowledged"
    """The channel accepted the value; it may now sell up to it."""
    STALE = "stale"
    """Compare-and-swap refused: the channel holds ``observed_quantity``; recompute and resend."""
    THROTTLED = "throttled"
    """Not sent or refused for rate: resend the latest value after ``retry_after`` seconds."""
    REJECTED = "rejected"
    """Permanent refusal (unknown SKU, bad credentials, invalid value): do not retry as is."""
    UNAVAILABLE = "unavailable"
    """Timeouts or 5xx after every attempt: retry later with backoff."""


class ChannelError(Exception):
    """A call to a platform failed in a way the caller has to handle."""


class ChannelThrottled(ChannelError):
    def __init__(self, retry_after: float, detail: str = "throttled") -> None:
        super().__init__(f"{detail}; retry after {retry_after:.2f} s")
        self.retry_after = retry_after


class ChannelUnavailable(ChannelError):
    """Timeouts or server errors persisted through every attempt."""


class ChannelRejected(ChannelError):
    """The platform refused the request for a reason retrying will not fix."""


class InvalidSignature(ChannelError):
    """An inbound webhook failed verification: answer 401 and store nothing."""


@dataclass(frozen=True)
class PushResult:
    sku_ref: str
    outcome: PushOutcome
    quantity: int
    """The quantity this push asked the channel to hold."""
    observed_quantity: int | None = None
    """What the channel reported holding (after a stale compare-and-swap, or echoed back)."""
    retry_after: float | None = None
    reference: str | None = None
    """Platform receipt: Amazon submissionId, Meta batch handle, Shopify adjustment group."""
    detail: str = ""
    sent: bool = True
    """False when the adapter answered without calling the platform (coalesced no-op)."""

    @property
    def acknowledged(self) -> bool:
        return self.outcome is PushOutcome.ACKNOWLEDGED


@dataclass(frozen=True)
class QuantityUpdate:
    sku_ref: str
    quantity: int
    expected_previous: int | None = None
    push_id: str | None = None
    """Stable id of the outbox entry; a retry of the same push reuses it (idempotency key)."""


@dataclass(frozen=True)
class ChannelOrder:
    """One order line as the channel reported it, normalised.

    The same order reaches us several times (webhook retries, ``orders/updated`` after
    ``orders/create``, reconciliation polls). ``event_id`` dedupes deliveries in the inbox;
    ``effect_key`` dedupes the stock effect across deliveries of any kind.
    """

    channel_order_id: str
    event_id: str
    sku_ref: str
    quantity: int
    status: OrderStatus
    occurred_at: datetime
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def effect_key(self) -> tuple[str, str, str]:
        return (self.channel_order_id, self.sku_ref, self.status.value)


@dataclass(frozen=True)
class InboundNotification:
    """A verified inbound delivery, ready for the inbox table.

    ``event_id`` is the provider's dedupe key (Shopify ``X-Shopify-Event-Id``, TikTok
    ``tts_notification_id``, Amazon ``NotificationId``, WooCommerce ``X-WC-Webhook-Delivery-ID``,
    Shopee composite key, Standard Webhooks ``webhook-id``). Complete payloads carry ``orders``;
    thin ones (TikTok Shop, Shopee) carry ``order_ids_to_fetch`` for
    ``ChannelAdapter.orders_for_notification``.
    """

    platform: Platform
    event_id: str
    topic: str
    occurred_at: datetime
    orders: tuple[ChannelOrder, ...] = ()
    order_ids_to_fetch: tuple[str, ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    delivery_handle: str | None = None
    """Queue receipt (Amazon SQS) to delete once the notification is stored."""


@dataclass(frozen=True)
class Capabilities:
    exact_quantity: bool = True
    """False for availability-only targets (Google/YouTube): quantities read back as 0 or 1."""
    compare_and_swap: bool = False
    delta_adjust: bool = False
    """The platform adds a signed delta to what it shows (Shopify ``inventoryAdjustQuantities``):
    a raise lands whatever the channel sold meanwhile, where compare-and-swap would go stale."""
    takes_orders: bool = True
    inbound_webhooks: bool = True
    max_batch: int = 1


class ChannelAdapter(ABC):
    """S-6: the platform side of channel sync, one instance per connected channel account."""

    platform: ClassVar[Platform]
    capabilities: ClassVar[Capabilities]

    @abstractmethod
    async def set_quantity(
        self,
        sku_ref: str,
        quantity: int,
        *,
        expected_previous: int | None,
        push_id: str | None = None,
    ) -> PushResult:
        """Publish an absolute quantity; ``expected_previous`` is used where CAS exists."""

    async def adjust_quantity(self, sku_ref: str, delta: int, *, push_id: str) -> PushResult:
        """S-6: add ``delta`` to what the channel shows (``capabilities.delta_adjust``)."""
        return PushResult(
            sku_ref,
            PushOutcome.REJECTED,
            delta,
            detail=f"{self.platform.value} has no delta adjustment: push absolute values",
        )

    async def set_quantities(self, updates: Sequence[QuantityUpdate]) -> list[PushResult]:
        """Publish several values; adapters with a batch endpoint send one call per batch."""
        return [
            await self.set_quantity(
                update.sku_ref,
                update.quantity,
                expected_previous=update.expected_previous,
                push_id=update.push_id,
            )
            for update in updates
        ]

    @abstractmethod
    async def read_quantities(self, sku_refs: Sequence[str]) -> dict[str, int]:
        """The quantities the channel currently holds (reconciliation)."""

    @abstractmethod
    async def recent_orders(
        self, since: datetime, *, known: Mapping[str, Mapping[str, int]] | None = None
    ) -> list[ChannelOrder]:
        """Orders created or changed since ``since`` (reconciliation and polling fallback).

        ``known`` maps order ids the hub has already booked to their lines (SKU ref -> units):
        an adapter that must fetch each order's lines separately (Amazon's ``getOrderItems``)
        uses them instead, and only fetches what is new."""

    def parse_webhook(
        self, headers: Mapping[str, str], body: bytes, *, url: str, now: datetime
    ) -> InboundNotification:
        """Verify an inbound delivery over the raw body and normalise it.

        Raises ``InvalidSignature`` when verification fails and ``ValueError`` when the body
        is not the platform's format.
        """
        raise ChannelRejected(f"{self.platform.value} sends no webhooks")

    async def orders_for_notification(
        self, notification: InboundNotification
    ) -> list[ChannelOrder]:
        """The order lines a notification stands for, fetching thin ones from the platform."""
        return list(notification.orders)

    @abstractmethod
    async def aclose(self) -> None:
        """Release the HTTP client."""


def validate_quantity(quantity: int) -> None:
    if quantity < 0:
        raise ValueError(f"a published quantity cannot be negative (got {quantity})")


def push_failure(sku_ref: str, quantity: int, error: ChannelError) -> PushResult:
    """The ``PushResult`` a failed call stands for."""
    if isinstance(error, ChannelThrottled):
        return PushResult(
            sku_ref,
            PushOutcome.THROTTLED,
            quantity,
            retry_after=error.retry_after,
            detail=str(error),
        )
    if isinstance(error, ChannelUnavailable):
        return PushResult(sku_ref, PushOutcome.UNAVAILABLE, quantity, detail=str(error))
    return PushResult(sku_ref, PushOutcome.REJECTED, quantity, detail=str(error))


async def guarded_push(
    sku_ref: str, quantity: int, send: Callable[[], Awaitable[PushResult]]
) -> PushResult:
    """Run one push, turning transport failures into the matching ``PushResult``."""
    try:
        return await send()
    except ChannelError as error:
        return push_failure(sku_ref, quantity, error)
