"""Fake custom shop speaking buzzstock's Standard Webhooks contract (see docs/channels.md)."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from buzzstock.channels.base import InvalidSignature
from buzzstock.channels.signatures import standard_webhook_headers, verify_standard_webhook
from buzzstock.sim.channel_fakes.core import FakeEvent, FakeShop, OrderEmitter, problem, received


class GenericShopFake(OrderEmitter):
    """Quantities keyed by the shop's SKU; honours ``expected_previous`` (409 when stale)."""

    def __init__(
        self,
        shop: FakeShop | None = None,
        *,
        secret: str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        tolerance_seconds: float = 300.0,
    ) -> None:
        self.secret = secret
        self.tolerance_seconds = tolerance_seconds
        self.seen_ids: set[str] = set()
        super().__init__(shop)

    def build_app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/stock-events", self.stock_event, methods=["POST"]),
                Route("/inventory", self.inventory, methods=["GET"]),
                Route("/orders", self.orders, methods=["GET"]),
            ]
        )

    async def _refused(self, request: Request) -> tuple[bytes, Response | None]:
        body = await request.body()
        try:
            verify_standard_webhook(
                request.headers,
                body,
                self.secret,
                now=self.shop.clock(),
                tolerance_seconds=self.tolerance_seconds,
            )
        except InvalidSignature as error:
            self.shop.auth_failures += 1
            return body, problem(401, {"error": str(error)})
        return body, self.throttled()

    async def stock_event(self, request: Request) -> Response:
        started = received(request)
        body, refused = await self._refused(request)
        if refused is not None:
            return refused
        msg_id = request.headers["webhook-id"]
        data = json.loads(body)["data"]
        sku = data["sku"]
        if sku not in self.shop.quantities:
            return problem(410, {"error": f"unknown sku {sku}"})
        if msg_id in self.seen_ids:
            return JSONResponse({"quantity": self.shop.quantity(sku)})
        await asyncio.sleep(self.shop.ack_delay())
        stale = self.shop.compare_and_set(
            sku, data.get("expected_previous"), int(data["quantity"]), started
        )
        if stale is not None:
            return JSONResponse({"quantity": stale}, status_code=409)
        self.seen_ids.add(msg_id)
        return JSONResponse({"quantity": int(data["quantity"])})

    async def inventory(self, request: Request) -> Response:
        _, refused = await self._refused(request)
        if refused is not None:
            return refused
        skus = [s for s in request.query_params.get("skus", "").split(",") if s]
        return JSONResponse(
            {
                "items": [
                    {"sku": s, "quantity": self.shop.quantity(s)}
                    for s in skus
                    if s in self.shop.quantities
                ]
            }
        )

    async def orders(self, request: Request) -> Response:
        _, refused = await self._refused(request)
        if refused is not None:
            return refused
        since = datetime.fromisoformat(request.query_params.get("updated_after", "1970-01-01"))
        return JSONResponse(
            {
                "orders": [
                    {
                        "order_id": o.order_id,
                        "status": o.status,
                        "updated_at": o.updated_at.isoformat(),
                        "lines": [{"sku": s, "quantity": q} for s, q in o.lines.items()],
                    }
                    for o in list(self.shop.orders.values())
                    if o.updated_at > since
                ]
            }
        )

    def render(self, event: FakeEvent, target_url: str) -> tuple[dict[str, str], bytes]:
        body = json.dumps(
            {
                "type": "order.cancelled" if event.status == "cancelled" else "order.created",
                "timestamp": event.at.isoformat(),
                "data": {
                    "order_id": event.order.order_id,
                    "lines": [{"sku": s, "quantity": q} for s, q in event.order.lines.items()],
                },
            }
        ).encode()
        return standard_webhook_headers(
            f"msg_{event.event_id}", int(self.shop.clock().timestamp()), body, self.secret
        ), body
