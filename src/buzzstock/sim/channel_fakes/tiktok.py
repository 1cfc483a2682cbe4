"""Fake TikTok Shop: signed 202309 inventory and order calls, thin signed order pushes."""

from __future__ import annotations

import json
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from buzzstock.channels.signatures import tiktok_request_signature, tiktok_webhook_signature
from buzzstock.sim.channel_fakes.core import (
    FakeEvent,
    FakeOrder,
    FakeShop,
    OrderEmitter,
    problem,
    received,
)


def ok(data: dict[str, Any]) -> Response:
    return JSONResponse({"code": 0, "message": "Success", "request_id": "req", "data": data})


class TikTokShopFake(OrderEmitter):
    """Quantities are keyed by ``product_id:sku_id``."""

    def __init__(
        self,
        shop: FakeShop | None = None,
        *,
        app_key: str = "tts-app-key",
        app_secret: str = "tts-app-secret",
        access_token: str = "tts-access-token",
        shop_cipher: str = "ROW_cipher",
        shop_id: str = "7490000000001",
    ) -> None:
        self.app_key = app_key
        self.app_secret = app_secret
        self.access_token = access_token
        self.shop_cipher = shop_cipher
        self.shop_id = shop_id
        super().__init__(shop)

    def build_app(self) -> Starlette:
        return Starlette(
            routes=[
                Route(
                    "/product/202309/products/{product_id}/inventory/update",
                    self.update_inventory,
                    methods=["POST"],
                ),
                Route("/product/202309/inventory/search", self.search_inventory, methods=["POST"]),
                Route("/order/202309/orders", self.order_detail, methods=["GET"]),
                Route("/order/202309/orders/search", self.search_orders, methods=["POST"]),
            ]
        )

    async def _authorised(self, request: Request) -> tuple[bytes, Response | None]:
        body = await request.body()
        query = dict(request.query_params)
        expected = tiktok_request_signature(request.url.path, query, body, self.app_secret)
        if (
            query.get("app_key") != self.app_key
            or query.get("sign") != expected
            or request.headers.get("x-tts-access-token") != self.access_token
        ):
            self.shop.auth_failures += 1
            return body, problem(401, {"code": 106001, "message": "Invalid credentials"})
        if query.get("shop_cipher") != self.shop_cipher:
            return body, problem(400, {"code": 106013, "message": "shop_cipher is required"})
        return body, self.throttled()

    async def update_inventory(self, request: Request) -> Response:
        started = received(request)
        body, refused = await self._authorised(request)
        if refused is not None:
            return refused
        product_id = request.path_params["product_id"]
        payload = json.loads(body)
        updates: dict[str, int] = {}
        errors = []
        for sku in payload.get("skus", []):
            ref = f"{product_id}:{sku['id']}"
            quantity = int(sku["inventory"][0]["quantity"])
            if ref not in self.shop.quantities or not 0 <= quantity < 99_999:
                errors.append(
                    {
                        "code": 12052048,
                        "message": "sku not found or quantity out of range",
                        "detail": {"sku_id": sku["id"], "extra_errors": []},
                    }
                )
            else:
                updates[ref] = quantity
        if errors:
            return ok({"errors": errors})
        await self.applied(started, updates)
        return ok({})

    async def search_inventory(self, request: Request) -> Response:
        body, refused = await self._authorised(request)
        if refused is not None:
            return refused
        wanted = set(json.loads(body).get("sku_ids", []))
        products: dict[str, list[dict[str, Any]]] = {}
        for ref, quantity in list(self.shop.quantities.items()):
            product_id, sku_id = ref.split(":")
            if sku_id in wanted:
                products.setdefault(product_id, []).append(
                    {
                        "id": sku_id,
                        "seller_sku": f"SKU-{sku_id}",
                        "total_available_quantity": quantity,
                        "total_committed_quantity": 0,
                        "warehouse_inventory": [
                            {
                                "warehouse_id": "WH1",
                                "available_quantity": quantity,
                                "committed_quantity": 0,
                            }
                        ],
                    }
                )
        return ok({"inventory": [{"product_id": p, "skus": skus} for p, skus in products.items()]})

    @staticmethod
    def order_json(order: FakeOrder) -> dict[str, Any]:
        lines: list[dict[str, Any]] = []
        for ref, units in order.lines.items():
            product_id, sku_id = ref.split(":")
            lines.extend(
                {
                    "id": f"{order.order_id}{n}",
                    "product_id": product_id,
                    "sku_id": sku_id,
                    "seller_sku": f"SKU-{sku_id}",
                }
                for n in range(units)
            )
        return {
            "id": order.order_id,
            "status": "CANCELLED" if order.status == "cancelled" else "AWAITING_SHIPMENT",
            "create_time": int(order.created_at.timestamp()),
            "update_time": int(order.updated_at.timestamp()),
            "line_items": lines,
        }

    async def order_detail(self, request: Request) -> Response:
        _, refused = await self._authorised(request)
        if refused is not None:
            return refused
        ids = request.query_params.get("ids", "").split(",")
        return ok(
            {"orders": [self.order_json(self.shop.orders[i]) for i in ids if i in self.shop.orders]}
        )

    async def search_orders(self, request: Request) -> Response:
        body, refused = await self._authorised(request)
        if refused is not None:
            return refused
        since = int(json.loads(body).get("update_time_ge", 0))
        orders = [
            self.order_json(order)
            for order in list(self.shop.orders.values())
            if order.updated_at.timestamp() >= since
        ]
        return ok({"orders": orders, "next_page_token": "", "total_count": len(orders)})

    def render(self, event: FakeEvent, target_url: str) -> tuple[dict[str, str], bytes]:
        body = json.dumps(
            {
                "type": 1,
                "tts_notification_id": event.event_id,
                "shop_id": self.shop_id,
                "timestamp": int(self.shop.clock().timestamp()),
                "data": {
                    "order_id": event.order.order_id,
                    "order_status": "CANCELLED"
                    if event.status == "cancelled"
                    else "AWAITING_SHIPMENT",
                    "update_time": int(event.at.timestamp()),
                    "is_on_hold_order": False,
                },
            }
        ).encode()
        return {
            "content-type": "application/json",
            "Authorization": tiktok_webhook_signature(body, self.app_key, self.app_secret),
        }, body
