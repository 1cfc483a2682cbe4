"""Fake Shopee: partner-signed v2 product/order calls and thin signed pushes."""

from __future__ import annotations

import json
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from buzzstock.channels.signatures import shopee_push_signature, shopee_request_signature
from buzzstock.sim.channel_fakes.core import (
    FakeEvent,
    FakeOrder,
    FakeShop,
    OrderEmitter,
    problem,
    received,
)


def ok(response: dict[str, Any]) -> Response:
    return JSONResponse({"error": "", "message": "", "request_id": "req", "response": response})


class ShopeeFake(OrderEmitter):
    """Quantities are keyed by ``item_id:model_id``."""

    def __init__(
        self,
        shop: FakeShop | None = None,
        *,
        partner_id: int = 2001234,
        partner_key: str = "shopee-partner-key",
        shop_id: int = 880001,
        access_token: str = "shopee-access-token",
    ) -> None:
        self.partner_id = partner_id
        self.partner_key = partner_key
        self.shop_id = shop_id
        self.access_token = access_token
        super().__init__(shop)

    def build_app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/api/v2/product/update_stock", self.update_stock, methods=["POST"]),
                Route("/api/v2/product/get_model_list", self.model_list, methods=["GET"]),
                Route("/api/v2/order/get_order_detail", self.order_detail, methods=["GET"]),
                Route("/api/v2/order/get_order_list", self.order_list, methods=["GET"]),
            ]
        )

    def _refused(self, request: Request) -> Response | None:
        query = request.query_params
        try:
            expected = shopee_request_signature(
                self.partner_id,
                request.url.path,
                int(query.get("timestamp", "0")),
                self.access_token,
                self.shop_id,
                self.partner_key,
            )
        except ValueError:
            expected = ""
        if (
            query.get("partner_id") != str(self.partner_id)
            or query.get("shop_id") != str(self.shop_id)
            or query.get("access_token") != self.access_token
            or query.get("sign") != expected
        ):
            self.shop.auth_failures += 1
            return problem(
                403, {"error": "error_sign", "message": "Wrong sign.", "request_id": "req"}
            )
        return self.throttled()

    async def update_stock(self, request: Request) -> Response:
        started = received(request)
        if (refused := self._refused(request)) is not None:
            return refused
        payload = await request.json()
        item_id = payload["item_id"]
        successes: list[dict[str, Any]] = []
        failures: list[dict[str, Any]] = []
        updates: dict[str, int] = {}
        for entry in payload.get("stock_list", []):
            ref = f"{item_id}:{entry.get('model_id', 0)}"
            stock = sum(int(s["stock"]) for s in entry.get("seller_stock", []))
            if ref not in self.shop.quantities:
                failures.append(
                    {"model_id": entry.get("model_id", 0), "failed_reason": "model not found"}
                )
            else:
                updates[ref] = stock
                successes.append({"model_id": entry.get("model_id", 0), "stock": stock})
        await self.applied(started, updates)
        return ok({"success_list": successes, "failure_list": failures})

    async def model_list(self, request: Request) -> Response:
        if (refused := self._refused(request)) is not None:
            return refused
        item_id = request.query_params.get("item_id", "")
        models = [
            {
                "model_id": int(ref.split(":")[1]),
                "stock_info_v2": {
                    "summary_info": {"total_reserved_stock": 0, "total_available_stock": quantity},
                    "seller_stock": [{"location_id": "SGZ", "stock": quantity}],
                },
            }
            for ref, quantity in list(self.shop.quantities.items())
            if ref.split(":")[0] == item_id
        ]
        return ok({"model": models})

    @staticmethod
    def order_json(order: FakeOrder) -> dict[str, Any]:
        return {
            "order_sn": order.order_id,
            "order_status": "CANCELLED" if order.status == "cancelled" else "READY_TO_SHIP",
            "create_time": int(order.created_at.timestamp()),
            "update_time": int(order.updated_at.timestamp()),
            "item_list": [
                {
                    "item_id": int(ref.split(":")[0]),
                    "model_id": int(ref.split(":")[1]),
                    "model_quantity_purchased": units,
                    "model_sku": f"SKU-{ref}",
                }
                for ref, units in order.lines.items()
            ],
        }

    async def order_detail(self, request: Request) -> Response:
        if (refused := self._refused(request)) is not None:
            return refused
        wanted = request.query_params.get("order_sn_list", "").split(",")
        return ok(
            {
                "order_list": [
                    self.order_json(self.shop.orders[sn]) for sn in wanted if sn in self.shop.orders
                ]
            }
        )

    async def order_list(self, request: Request) -> Response:
        if (refused := self._refused(request)) is not None:
            return refused
        since = int(request.query_params.get("time_from", "0"))
        listed = [
            {"order_sn": o.order_id}
            for o in list(self.shop.orders.values())
            if o.updated_at.timestamp() >= since
        ]
        return ok({"order_list": listed, "more": False, "next_cursor": ""})

    def render(self, event: FakeEvent, target_url: str) -> tuple[dict[str, str], bytes]:
        body = json.dumps(
            {
                "data": {
                    "ordersn": event.order.order_id,
                    "status": "CANCELLED" if event.status == "cancelled" else "READY_TO_SHIP",
                    "completed_scenario": "",
                    "update_time": int(event.at.timestamp()),
                },
                "shop_id": self.shop_id,
                "code": 3,
                "timestamp": int(self.shop.clock().timestamp()),
            }
        ).encode()
        return {
            "content-type": "application/json",
            "Authorization": shopee_push_signature(target_url, body, self.partner_key),
        }, body
