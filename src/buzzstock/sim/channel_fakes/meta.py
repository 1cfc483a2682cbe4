"""Fake Meta catalogue: Catalog Batch API ``items_batch`` and batch status."""

from __future__ import annotations

import json
import uuid

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from buzzstock.sim.channel_fakes.core import FakeShop, PlatformFake, problem, received


class MetaCatalogFake(PlatformFake):
    """Quantities are keyed by ``retailer_id``."""

    def __init__(
        self,
        shop: FakeShop | None = None,
        *,
        access_token: str = "EAAB-test",
        catalog_id: str = "998877",
    ) -> None:
        self.access_token = access_token
        self.catalog_id = catalog_id
        self.handles: dict[str, list[dict[str, object]]] = {}
        super().__init__(shop)

    def build_app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/{catalog}/items_batch", self.items_batch, methods=["POST"]),
                Route("/{catalog}/check_batch_request_status", self.status, methods=["GET"]),
                Route("/{catalog}/products", self.products, methods=["GET"]),
            ]
        )

    def _refused(self, request: Request) -> Response | None:
        if request.headers.get("authorization") != f"Bearer {self.access_token}":
            self.shop.auth_failures += 1
            return problem(
                401,
                {
                    "error": {
                        "message": "Invalid OAuth access token.",
                        "type": "OAuthException",
                        "code": 190,
                    }
                },
            )
        if request.path_params["catalog"] != self.catalog_id:
            return problem(
                400,
                {
                    "error": {
                        "message": "Unsupported request",
                        "type": "GraphMethodException",
                        "code": 100,
                    }
                },
            )
        return self.throttled()

    async def items_batch(self, request: Request) -> Response:
        started = received(request)
        if (refused := self._refused(request)) is not None:
            return refused
        payload = await request.json()
        if payload.get("item_type") != "PRODUCT_ITEM":
            return problem(400, {"error": {"message": "item_type", "code": 100}})
        updates: dict[str, int] = {}
        errors: list[dict[str, object]] = []
        for entry in payload.get("requests", []):
            data = entry["data"]
            if entry.get("method") != "UPDATE" or data["id"] not in self.shop.quantities:
                errors.append({"line": len(updates) + len(errors), "message": "unknown item"})
            else:
                updates[data["id"]] = int(data["inventory"])
        await self.applied(started, updates)
        handle = uuid.uuid4().hex
        self.handles[handle] = errors
        return JSONResponse({"handles": [handle]})

    async def status(self, request: Request) -> Response:
        if (refused := self._refused(request)) is not None:
            return refused
        handle = request.query_params.get("handle", "")
        if handle not in self.handles:
            return problem(400, {"error": {"message": "unknown handle", "code": 100}})
        return JSONResponse(
            {
                "data": [
                    {
                        "handle": handle,
                        "status": "finished",
                        "errors": self.handles[handle],
                        "errors_total_count": len(self.handles[handle]),
                    }
                ]
            }
        )

    async def products(self, request: Request) -> Response:
        if (refused := self._refused(request)) is not None:
            return refused
        wanted = json.loads(request.query_params.get("filter", "{}"))
        ids = wanted.get("retailer_id", {}).get("is_any", [])
        return JSONResponse(
            {
                "data": [
                    {"id": f"9{i}", "retailer_id": rid, "inventory": self.shop.quantity(rid)}
                    for i, rid in enumerate(ids)
                    if rid in self.shop.quantities
                ]
            }
        )
