"""Fake WooCommerce: REST v3 products / variations / batch / orders, signed order webhooks."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from buzzstock.channels.signatures import woocommerce_signature
from buzzstock.sim.channel_fakes.core import (
    FakeEvent,
    FakeOrder,
    FakeShop,
    OrderEmitter,
    problem,
    received,
)

PREFIX = "/wp-json/wc/v3"


class WooCommerceFake(OrderEmitter):
    """Quantities are keyed by ``product_id`` or ``product_id:variation_id``."""

    def __init__(
        self,
        shop: FakeShop | None = None,
        *,
        consumer_key: str = "ck_test",
        consumer_secret: str = "cs_test",
        webhook_secret: str = "woo-webhook-secret",
    ) -> None:
        self.consumer_key = consumer_key
        self.consumer_secret = consumer_secret
        self.webhook_secret = webhook_secret
        super().__init__(shop)

    def build_app(self) -> Starlette:
        return Starlette(
            routes=[
                Route(PREFIX + "/products", self.list_products, methods=["GET"]),
                Route(PREFIX + "/products/batch", self.batch, methods=["POST"]),
                Route(PREFIX + "/products/{pid:int}", self.item, methods=["GET", "PUT"]),
                Route(
                    PREFIX + "/products/{pid:int}/variations/batch", self.batch, methods=["POST"]
                ),
                Route(
                    PREFIX + "/products/{pid:int}/variations/{vid:int}",
                    self.item,
                    methods=["GET", "PUT"],
                ),
                Route(PREFIX + "/orders", self.list_orders, methods=["GET"]),
            ]
        )

    def _refused(self, request: Request) -> Response | None:
        expected = (
            "Basic "
            + base64.b64encode(f"{self.consumer_key}:{self.consumer_secret}".encode()).decode()
        )
        if request.headers.get("authorization") != expected:
            self.shop.auth_failures += 1
            return problem(
                401,
                {
                    "code": "woocommerce_rest_cannot_view",
                    "message": "Sorry, you cannot list resources.",
                    "data": {"status": 401},
                },
            )
        return self.throttled()

    @staticmethod
    def _ref(request: Request, object_id: int | None = None) -> str:
        pid = request.path_params.get("pid")
        vid = request.path_params.get("vid")
        if object_id is not None:
            return str(object_id) if pid is None else f"{pid}:{object_id}"
        return str(pid) if vid is None else f"{pid}:{vid}"

    def _product(self, ref: str) -> dict[str, Any]:
        object_id = int(ref.split(":")[-1])
        return {
            "id": object_id,
            "sku": f"SKU-{ref}",
            "manage_stock": True,
            "stock_quantity": self.shop.quantity(ref),
            "stock_status": "instock" if self.shop.quantity(ref) > 0 else "outofstock",
        }

    async def item(self, request: Request) -> Response:
        started = received(request)
        if (refused := self._refused(request)) is not None:
            return refused
        ref = self._ref(request)
        if ref not in self.shop.quantities:
            return problem(
                404,
                {
                    "code": "woocommerce_rest_product_invalid_id",
                    "message": "Invalid ID.",
                    "data": {"status": 404},
                },
            )
        if request.method == "PUT":
            payload = await request.json()
            await self.applied(started, {ref: int(payload["stock_quantity"])})
        return JSONResponse(self._product(ref))

    async def batch(self, request: Request) -> Response:
        started = received(request)
        if (refused := self._refused(request)) is not None:
            return refused
        payload = await request.json()
        entries = payload.get("update", [])
        if len(entries) > 100:
            return problem(
                413,
                {
                    "code": "woocommerce_rest_request_entity_too_large",
                    "message": "Unable to accept more than 100 items for this request.",
                    "data": {"status": 413},
                },
            )
        updates: dict[str, int] = {}
        answers: list[dict[str, Any]] = []
        for entry in entries:
            ref = self._ref(request, int(entry["id"]))
            if ref not in self.shop.quantities:
                answers.append(
                    {
                        "id": entry["id"],
                        "error": {
                            "code": "woocommerce_rest_product_invalid_id",
                            "message": "Invalid ID.",
                            "data": {"status": 400},
                        },
                    }
                )
            else:
                updates[ref] = int(entry["stock_quantity"])
        await self.applied(started, updates)
        answers.extend(self._product(ref) for ref in updates)
        return JSONResponse({"update": answers})

    async def list_products(self, request: Request) -> Response:
        if (refused := self._refused(request)) is not None:
            return refused
        include = [i for i in request.query_params.get("include", "").split(",") if i]
        return JSONResponse([self._product(i) for i in include if i in self.shop.quantities])

    @staticmethod
    def order_json(order: FakeOrder, status: str) -> dict[str, Any]:
        lines: list[dict[str, Any]] = []
        for ref, units in order.lines.items():
            product_id, _, variation_id = ref.partition(":")
            lines.append(
                {
                    "id": len(lines) + 1,
                    "product_id": int(product_id),
                    "variation_id": int(variation_id or 0),
                    "quantity": units,
                    "sku": f"SKU-{ref}",
                }
            )
        return {
            "id": int(order.order_id),
            "status": "cancelled" if status == "cancelled" else "processing",
            "date_created_gmt": order.created_at.strftime("%Y-%m-%dT%H:%M:%S"),
            "date_modified_gmt": order.updated_at.strftime("%Y-%m-%dT%H:%M:%S"),
            "line_items": lines,
        }

    async def list_orders(self, request: Request) -> Response:
        if (refused := self._refused(request)) is not None:
            return refused
        since = request.query_params.get("modified_after", "")
        orders = [
            self.order_json(o, o.status)
            for o in list(self.shop.orders.values())
            if o.updated_at.strftime("%Y-%m-%dT%H:%M:%S") > since
        ]
        return JSONResponse(
            orders, headers={"X-WP-Total": str(len(orders)), "X-WP-TotalPages": "1"}
        )

    def render(self, event: FakeEvent, target_url: str) -> tuple[dict[str, str], bytes]:
        order = self.order_json(event.order, event.status)
        order["date_modified_gmt"] = event.at.strftime("%Y-%m-%dT%H:%M:%S")
        body = json.dumps(order).encode()
        created = event.status == "created"
        return {
            "content-type": "application/json",
            "X-WC-Webhook-Source": "https://shop.example/",
            "X-WC-Webhook-Topic": "order.created" if created else "order.updated",
            "X-WC-Webhook-Resource": "order",
            "X-WC-Webhook-Event": "created" if created else "updated",
            "X-WC-Webhook-Signature": woocommerce_signature(body, self.webhook_secret),
            "X-WC-Webhook-ID": "12",
            "X-WC-Webhook-Delivery-ID": event.extra.setdefault("delivery", uuid.uuid4().hex),
        }, body
