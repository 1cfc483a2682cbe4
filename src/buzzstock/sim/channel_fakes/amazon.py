"""Fake Amazon: SP-API Listings and Orders, plus an SQS queue (JSON protocol, SigV4 checked)."""

from __future__ import annotations

import hashlib
import json
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from buzzstock.channels.amazon import SQS_CONTENT_TYPE, sigv4_headers
from buzzstock.sim.channel_fakes.core import FakeEvent, FakeShop, PlatformFake, problem, received


@dataclass
class QueuedMessage:
    message_id: str
    body: str
    receipt_handle: str | None = None


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class AmazonFake(PlatformFake):
    """Quantities are keyed by seller SKU; orders are queued as ORDER_CHANGE notifications."""

    def __init__(
        self,
        shop: FakeShop | None = None,
        *,
        seller_id: str = "A2SELLER",
        marketplace_id: str = "ATVPDKIKX0DER",
        access_token: str = "Atza|test",
        aws_access_key_id: str = "AKIDTEST",
        aws_secret_access_key: str = "aws-secret",
        aws_region: str = "us-east-1",
    ) -> None:
        self.seller_id = seller_id
        self.marketplace_id = marketplace_id
        self.access_token = access_token
        self.aws_access_key_id = aws_access_key_id
        self.aws_secret_access_key = aws_secret_access_key
        self.aws_region = aws_region
        self.queue: list[QueuedMessage] = []
        super().__init__(shop)

    def build_app(self) -> Starlette:
        return Starlette(
            routes=[
                Route(
                    "/listings/2021-08-01/items/{seller_id}/{sku}",
                    self.listing,
                    methods=["GET", "PATCH"],
                ),
                Route("/orders/v0/orders", self.get_orders, methods=["GET"]),
                Route("/orders/v0/orders/{order_id}/orderItems", self.order_items, methods=["GET"]),
                Route("/", self.sqs, methods=["POST"]),
            ]
        )

    def _refused(self, request: Request) -> Response | None:
        if request.headers.get("x-amz-access-token") != self.access_token:
            self.shop.auth_failures += 1
            return problem(
                403,
                {
                    "errors": [
                        {
                            "code": "Unauthorized",
                            "message": "Access to requested resource is denied.",
                        }
                    ]
                },
            )
        throttled = self.throttled()
        if throttled is not None and throttled.status_code != 429:
            return throttled
        if throttled is not None:
            return problem(
                429,
                {
                    "errors": [
                        {
                            "code": "QuotaExceeded",
                            "message": "You exceeded your quota for the requested resource.",
                        }
                    ]
                },
                float(throttled.headers["retry-after"]),
            )
        return None

    async def listing(self, request: Request) -> Response:
        started = received(request)
        if (refused := self._refused(request)) is not None:
            return refused
        sku = request.path_params["sku"]
        if request.query_params.get("marketplaceIds") != self.marketplace_id:
            return problem(400, {"errors": [{"code": "InvalidInput", "message": "marketplace"}]})
        if request.method == "GET":
            if sku not in self.shop.quantities:
                return problem(404, {"errors": [{"code": "NotFound", "message": sku}]})
            return JSONResponse(
                {
                    "sku": sku,
                    "fulfillmentAvailability": [
                        {"fulfillmentChannelCode": "DEFAULT", "quantity": self.shop.quantity(sku)}
                    ],
                }
            )
        payload = await request.json()
        submission = uuid.uuid4().hex
        patches = payload.get("patches", [])
        valid = (
            sku in self.shop.quantities
            and payload.get("productType")
            and len(patches) == 1
            and patches[0].get("op") in {"merge", "replace"}
            and patches[0].get("path") == "/attributes/fulfillment_availability"
        )
        if not valid:
            return JSONResponse(
                {
                    "sku": sku,
                    "status": "INVALID",
                    "submissionId": submission,
                    "issues": [{"code": "90220", "message": "invalid patch", "severity": "ERROR"}],
                }
            )
        quantity = int(patches[0]["value"][0]["quantity"])
        await self.applied(started, {sku: quantity})
        return JSONResponse(
            {"sku": sku, "status": "ACCEPTED", "submissionId": submission, "issues": []}
        )

    async def get_orders(self, request: Request) -> Response:
        if (refused := self._refused(request)) is not None:
            return refused
        since = request.query_params.get("LastUpdatedAfter", "")
        orders = [
            {
                "AmazonOrderId": order.order_id,
                "PurchaseDate": iso(order.created_at),
                "LastUpdateDate": iso(order.updated_at),
                "OrderStatus": "Canceled" if order.status == "cancelled" else "Unshipped",
                "FulfillmentChannel": "MFN",
                "MarketplaceId": self.marketplace_id,
            }
            for order in list(self.shop.orders.values())
            if iso(order.updated_at) > since
        ]
        return JSONResponse({"payload": {"Orders": orders, "LastUpdatedBefore": ""}})

    async def order_items(self, request: Request) -> Response:
        if (refused := self._refused(request)) is not None:
            return refused
        order = self.shop.orders[request.path_params["order_id"]]
        return JSONResponse(
            {
                "payload": {
                    "AmazonOrderId": order.order_id,
                    "OrderItems": [
                        {
                            "OrderItemId": f"OI{order.order_id}{n}",
                            "SellerSKU": sku,
                            "QuantityOrdered": units,
                        }
                        for n, (sku, units) in enumerate(order.lines.items())
                    ],
                }
            }
        )

    async def sqs(self, request: Request) -> Response:
        body = await request.body()
        target = request.headers.get("x-amz-target", "")
        stamp = request.headers.get("x-amz-date", "")
        try:
            moment = datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=None)
        except ValueError:
            return problem(403, {"__type": "MissingAuthenticationToken"})
        expected = sigv4_headers(
            method="POST",
            url=f"{self.base_url}/",
            body=body,
            headers={"content-type": SQS_CONTENT_TYPE, "x-amz-target": target},
            access_key=self.aws_access_key_id,
            secret_key=self.aws_secret_access_key,
            region=self.aws_region,
            service="sqs",
            now=moment.replace(tzinfo=UTC),
        )
        if request.headers.get("authorization") != expected["authorization"]:
            self.shop.auth_failures += 1
            return problem(403, {"__type": "com.amazon.coral.service#InvalidSignatureException"})
        payload = json.loads(body)
        if target == "AmazonSQS.ReceiveMessage":
            visible = [m for m in self.queue if m.receipt_handle is None]
            batch = visible[: int(payload.get("MaxNumberOfMessages", 1))]
            for message in batch:
                message.receipt_handle = uuid.uuid4().hex
            return JSONResponse(
                {
                    "Messages": [
                        {
                            "MessageId": m.message_id,
                            "ReceiptHandle": m.receipt_handle,
                            "MD5OfBody": hashlib.md5(m.body.encode()).hexdigest(),
                            "Body": m.body,
                        }
                        for m in batch
                    ]
                },
                media_type=SQS_CONTENT_TYPE,
            )
        if target == "AmazonSQS.DeleteMessage":
            handle = payload.get("ReceiptHandle")
            self.queue = [m for m in self.queue if m.receipt_handle != handle]
            return JSONResponse({}, media_type=SQS_CONTENT_TYPE)
        if target == "AmazonSQS.DeleteMessageBatch":
            entries = payload.get("Entries") or []
            if not 1 <= len(entries) <= 10:
                return problem(
                    400, {"__type": "AWS.SimpleQueueService.TooManyEntriesInBatchRequest"}
                )
            handles = {entry["ReceiptHandle"] for entry in entries}
            self.queue = [m for m in self.queue if m.receipt_handle not in handles]
            return JSONResponse(
                {"Successful": [{"Id": entry["Id"]} for entry in entries], "Failed": []},
                media_type=SQS_CONTENT_TYPE,
            )
        return problem(400, {"__type": "InvalidAction"})

    def notification(self, event: FakeEvent) -> str:
        order = event.order
        return json.dumps(
            {
                "NotificationVersion": "1.0",
                "NotificationType": "ORDER_CHANGE",
                "PayloadVersion": "1.0",
                "EventTime": iso(event.at),
                "Payload": {
                    "OrderChangeNotification": {
                        "NotificationLevel": "OrderLevel",
                        "SellerId": self.seller_id,
                        "AmazonOrderId": order.order_id,
                        "OrderChangeType": "OrderStatusChange",
                        "OrderChangeTrigger": {
                            "TimeOfOrderChange": iso(event.at),
                            "ChangeReason": "Order status changed",
                        },
                        "Summary": {
                            "MarketplaceId": self.marketplace_id,
                            "OrderStatus": "Canceled"
                            if event.status == "cancelled"
                            else "Unshipped",
                            "PurchaseDate": iso(order.created_at),
                            "DestinationPostalCode": "48110",
                            "FulfillmentType": "MFN",
                            "OrderType": "StandardOrder",
                            "OrderItems": [
                                {
                                    "OrderItemId": f"OI{order.order_id}{n}",
                                    "SellerSKU": sku,
                                    "Quantity": units,
                                    "QuantityShipped": 0,
                                }
                                for n, (sku, units) in enumerate(order.lines.items())
                            ],
                        },
                    }
                },
                "NotificationMetadata": {
                    "ApplicationId": "amzn1.sellerapps.app.test",
                    "SubscriptionId": "subscription-test",
                    "PublishTime": iso(event.at),
                    "NotificationId": event.event_id,
                },
            }
        )

    def enqueue_events(
        self, *, duplicates: float = 0.0, shuffle: bool = False, rng: random.Random | None = None
    ) -> int:
        """Move pending order events into the SQS queue (at-least-once: some twice)."""
        chooser = rng or random.Random(0)
        messages: list[QueuedMessage] = []
        for event in self.shop.take_events():
            body = self.notification(event)
            messages.append(QueuedMessage(uuid.uuid4().hex, body))
            if chooser.random() < duplicates:
                messages.append(QueuedMessage(uuid.uuid4().hex, body))
        if shuffle:
            chooser.shuffle(messages)
        self.queue.extend(messages)
        return len(messages)
