"""Amazon SP-API adapter: Listings ``PATCH`` of ``fulfillment_availability``; ORDER_CHANGE via SQS.

``sku_ref``: the seller SKU. The quantity goes out as a JSON-Patch ``merge`` of
``/attributes/fulfillment_availability`` (merchant-fulfilled ``DEFAULT`` channel); Amazon answers
``ACCEPTED`` and applies it asynchronously. Orders arrive as ``ORDER_CHANGE`` notifications in an
SQS queue (JSON protocol, SigV4-signed calls), with ``getOrders`` + ``LastUpdatedAfter`` as the
polling fallback Amazon asks integrators to build.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import quote, urlsplit

from pydantic import BaseModel, ConfigDict

from buzzstock.channels.base import (
    Capabilities,
    ChannelAdapter,
    ChannelOrder,
    InboundNotification,
    OrderStatus,
    Platform,
    PushOutcome,
    PushResult,
    guarded_push,
    validate_quantity,
)
from buzzstock.channels.secrets import Secret
from buzzstock.channels.settings import ChannelSettings
from buzzstock.channels.signatures import parse_amazon_order_change, parse_instant
from buzzstock.channels.transport import ChannelTransport

logger = logging.getLogger(__name__)

SQS_CONTENT_TYPE = "application/x-amz-json-1.0"
SQS_BATCH = 10
"""Most messages one ReceiveMessage returns and one DeleteMessageBatch deletes."""
SQS_RATE_LIMIT: dict[str, float] = {
    "rate_limit_calls": 3000,
    "rate_limit_window_seconds": 1.0,
    "rate_limit_burst": 300,
}
"""SQS is AWS's queue, not SP-API: standard queues take nearly unlimited calls per second, so
the seller's SP-API budget (``[channels]``) must not slow the order intake."""


class AmazonConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    base_url: str = "https://sellingpartnerapi-na.amazon.com"
    seller_id: str
    marketplace_id: str
    access_token: Secret
    """LWA access token (``x-amz-access-token``)."""
    product_type: str
    queue_url: str
    """SQS queue subscribed to ORDER_CHANGE (``https://sqs.{region}.amazonaws.com/{acct}/{name}``)."""
    sqs_endpoint: str | None = None
    """Override of the SQS endpoint (a fake); defaults to the queue URL's origin."""
    aws_access_key_id: str
    aws_secret_access_key: Secret
    aws_region: str = "us-east-1"


def sigv4_headers(
    *,
    method: str,
    url: str,
    body: bytes,
    headers: Mapping[str, str],
    access_key: str,
    secret_key: str,
    region: str,
    service: str,
    now: datetime,
) -> dict[str, str]:
    """AWS Signature Version 4 headers for one request (SQS JSON protocol calls)."""
    parts = urlsplit(url)
    amz_date = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    day = amz_date[:8]
    signed = {key.lower(): value.strip() for key, value in headers.items()}
    signed["host"] = parts.netloc
    signed["x-amz-date"] = amz_date
    names = sorted(signed)
    canonical = "\n".join(
        [
            method,
            quote(parts.path or "/", safe="/-_.~"),
            "&".join(sorted(parts.query.split("&"))) if parts.query else "",
            "".join(f"{name}:{signed[name]}\n" for name in names),
            ";".join(names),
            hashlib.sha256(body).hexdigest(),
        ]
    )
    scope = f"{day}/{region}/{service}/aws4_request"
    to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    key = ("AWS4" + secret_key).encode()
    for part in (day, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return {
        **dict(headers),
        "x-amz-date": amz_date,
        "authorization": f"AWS4-HMAC-SHA256 Credential={access_key}/{scope}, "
        f"SignedHeaders={';'.join(names)}, Signature={signature}",
    }


class AmazonAdapter(ChannelAdapter):
    platform: ClassVar[Platform] = Platform.AMAZON
    capabilities: ClassVar[Capabilities] = Capabilities(inbound_webhooks=False)

    def __init__(
        self,
        config: AmazonConfig,
        *,
        settings: ChannelSettings = ChannelSettings(),
        transport: ChannelTransport | None = None,
        queue_transport: ChannelTransport | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.config = config
        self.transport = transport or ChannelTransport(
            config.base_url,
            settings=settings,
            headers={"x-amz-access-token": config.access_token},
        )
        parts = urlsplit(config.queue_url)
        self._sqs_origin = (config.sqs_endpoint or f"{parts.scheme}://{parts.netloc}").rstrip("/")
        self.queue_transport = queue_transport or ChannelTransport(
            self._sqs_origin, settings=settings.model_copy(update=SQS_RATE_LIMIT)
        )
        self._clock = clock

    def _listing_path(self, sku_ref: str) -> str:
        return f"/listings/2021-08-01/items/{self.config.seller_id}/{quote(sku_ref, safe='')}"

    async def set_quantity(
        self,
        sku_ref: str,
        quantity: int,
        *,
        expected_previous: int | None,
        push_id: str | None = None,
    ) -> PushResult:
        """S-6: JSON-Patch ``merge`` of the DEFAULT fulfilment quantity (absolute, no CAS)."""
        validate_quantity(quantity)
        patch = {
            "productType": self.config.product_type,
            "patches": [
                {
                    "op": "merge",
                    "path": "/attributes/fulfillment_availability",
                    "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": quantity}],
                }
            ],
        }

        async def send() -> PushResult:
            body = await self.transport.json(
                "PATCH",
                self._listing_path(sku_ref),
                retry_throttled=False,
                params={"marketplaceIds": self.config.marketplace_id},
                json=patch,
            )
            status = body.get("status")
            if status == "ACCEPTED":
                return PushResult(
                    sku_ref,
                    PushOutcome.ACKNOWLEDGED,
                    quantity,
                    observed_quantity=quantity,
                    reference=body.get("submissionId"),
                )
            return PushResult(
                sku_ref,
                PushOutcome.REJECTED,
                quantity,
                reference=body.get("submissionId"),
                detail=f"{status}: {json.dumps(body.get('issues', []))[:400]}",
            )

        return await guarded_push(sku_ref, quantity, send)

    async def read_quantities(self, sku_refs: Sequence[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for sku_ref in sku_refs:
            body = await self.transport.json(
                "GET",
                self._listing_path(sku_ref),
                retry_throttled=True,
                params={
                    "marketplaceIds": self.config.marketplace_id,
                    "includedData": "fulfillmentAvailability",
                },
            )
            for entry in body.get("fulfillmentAvailability") or []:
                if entry.get("fulfillmentChannelCode") == "DEFAULT":
                    found[sku_ref] = int(entry.get("quantity", 0))
        return found

    async def recent_orders(
        self, since: datetime, *, known: Mapping[str, Mapping[str, int]] | None = None
    ) -> list[ChannelOrder]:
        """The polling fallback: ``getOrders`` with ``LastUpdatedAfter``, then the order items."""
        params: dict[str, str] = {
            "MarketplaceIds": self.config.marketplace_id,
            "LastUpdatedAfter": since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        headers: list[Mapping[str, Any]] = []
        while True:
            body = await self.transport.json(
                "GET", "/orders/v0/orders", retry_throttled=True, params=params
            )
            payload = body.get("payload") or {}
            headers.extend(payload.get("Orders") or [])
            token = payload.get("NextToken")
            if not token:
                break
            params = {"MarketplaceIds": self.config.marketplace_id, "NextToken": token}
        result: list[ChannelOrder] = []
        for order in headers:
            order_id = str(order["AmazonOrderId"])
            totals = dict((known or {}).get(order_id) or {}) or await self._order_items(order_id)
            status = (
                OrderStatus.CANCELLED
                if order.get("OrderStatus") == "Canceled"
                else OrderStatus.CREATED
            )
            result.extend(
                ChannelOrder(
                    channel_order_id=order_id,
                    event_id=f"poll:{order_id}:{order.get('LastUpdateDate')}",
                    sku_ref=sku,
                    quantity=units,
                    status=status,
                    occurred_at=parse_instant(order.get("LastUpdateDate")),
                    raw=order,
                )
                for sku, units in sorted(totals.items())
                if units > 0
            )
        return result

    async def _order_items(self, order_id: str) -> dict[str, int]:
        """Units per seller SKU of one order (``getOrderItems``: 0.5 requests/s at Amazon, so
        the poll only asks for orders the hub has not booked yet)."""
        items_body = await self.transport.json(
            "GET", f"/orders/v0/orders/{order_id}/orderItems", retry_throttled=True
        )
        totals: dict[str, int] = {}
        for item in (items_body.get("payload") or {}).get("OrderItems") or []:
            sku = str(item["SellerSKU"])
            totals[sku] = totals.get(sku, 0) + int(item.get("QuantityOrdered", 0))
        return totals

    async def _sqs(self, action: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        body = json.dumps(payload).encode()
        headers = sigv4_headers(
            method="POST",
            url=self._sqs_origin + "/",
            body=body,
            headers={"content-type": SQS_CONTENT_TYPE, "x-amz-target": f"AmazonSQS.{action}"},
            access_key=self.config.aws_access_key_id,
            secret_key=self.config.aws_secret_access_key,
            region=self.config.aws_region,
            service="sqs",
            now=self._clock(),
        )
        result: dict[str, Any] = await self.queue_transport.json(
            "POST", "/", retry_throttled=True, content=body, headers=headers
        )
        return result

    async def receive_notifications(
        self, *, max_messages: int = 10, wait_seconds: int = 0
    ) -> list[InboundNotification]:
        """Pull ORDER_CHANGE messages; store each, then ``acknowledge`` it (delete).

        A message that does not parse stays in the queue; the queue's redrive policy moves it
        to the dead-letter queue after its maximum receive count."""
        body = await self._sqs(
            "ReceiveMessage",
            {
                "QueueUrl": self.config.queue_url,
                "MaxNumberOfMessages": max_messages,
                "WaitTimeSeconds": wait_seconds,
            },
        )
        notifications: list[InboundNotification] = []
        for message in body.get("Messages") or []:
            try:
                notifications.append(
                    parse_amazon_order_change(
                        message["Body"], receipt_handle=message["ReceiptHandle"]
                    )
                )
            except (KeyError, ValueError) as error:
                logger.warning(
                    "Amazon SQS message %s unreadable: %s", message.get("MessageId"), error
                )
        return notifications

    async def acknowledge(self, notifications: Sequence[InboundNotification]) -> None:
        """Delete stored messages from the queue, ten per ``DeleteMessageBatch`` call."""
        handles = [n.delivery_handle for n in notifications if n.delivery_handle is not None]
        for start in range(0, len(handles), SQS_BATCH):
            await self._sqs(
                "DeleteMessageBatch",
                {
                    "QueueUrl": self.config.queue_url,
                    "Entries": [
                        {"Id": str(index), "ReceiptHandle": handle}
                        for index, handle in enumerate(handles[start : start + SQS_BATCH])
                    ],
                },
            )

    async def aclose(self) -> None:
        await self.transport.aclose()
        await self.queue_transport.aclose()
