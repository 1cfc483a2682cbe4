"""Fake Shopify store: GraphQL Admin inventory calls, cost throttling, signed order webhooks."""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from buzzstock.channels.signatures import shopify_signature
from buzzstock.sim.channel_fakes.core import FakeEvent, FakeShop, OrderEmitter, problem, received

ITEM_OFFSET = 7_000_000
CALL_COST = 10


def inventory_item_gid(variant_id: str) -> str:
    return f"gid://shopify/InventoryItem/{int(variant_id) + ITEM_OFFSET}"


def variant_of_item(item_gid: str) -> str:
    return str(int(item_gid.rsplit("/", 1)[1]) - ITEM_OFFSET)


class ShopifyFake(OrderEmitter):
    def __init__(
        self,
        shop: FakeShop | None = None,
        *,
        access_token: str = "shpat_test",
        client_secret: str = "shopify-client-secret",
        location_id: str = "gid://shopify/Location/1",
        api_version: str = "2026-04",
        maximum_cost: float = 2000.0,
        restore_rate: float = 100.0,
    ) -> None:
        self.access_token = access_token
        self.client_secret = client_secret
        self.location_id = location_id
        self.api_version = api_version
        self.maximum_cost = maximum_cost
        self.restore_rate = restore_rate
        self._cost_available = maximum_cost
        self._cost_at = time.monotonic()
        self._idempotent: dict[str, dict[str, Any]] = {}
        super().__init__(shop)

    def drain_cost(self) -> None:
        """Empty the cost bucket so the next call is THROTTLED (as after a heavy query)."""
        self._cost_available = 0.0
        self._cost_at = time.monotonic()

    def _cost(self, requested: float, actual: float) -> dict[str, Any]:
        return {
            "cost": {
                "requestedQueryCost": requested,
                "actualQueryCost": actual,
                "throttleStatus": {
                    "maximumAvailable": self.maximum_cost,
                    "currentlyAvailable": self._cost_available,
                    "restoreRate": self.restore_rate,
                },
            }
        }

    def build_app(self) -> Starlette:
        return Starlette(
            routes=[Route("/admin/api/{version}/graphql.json", self.graphql, methods=["POST"])]
        )

    async def graphql(self, request: Request) -> Response:
        started = received(request)
        if request.headers.get("x-shopify-access-token") != self.access_token:
            self.shop.auth_failures += 1
            return problem(401, {"errors": "[API] Invalid API key or access token"})
        if (throttled := self.throttled()) is not None:
            return throttled
        now = time.monotonic()
        self._cost_available = min(
            self.maximum_cost, self._cost_available + (now - self._cost_at) * self.restore_rate
        )
        self._cost_at = now
        if self._cost_available < CALL_COST:
            return JSONResponse(
                {
                    "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
                    "extensions": self._cost(CALL_COST, 0),
                }
            )
        self._cost_available -= CALL_COST
        payload = await request.json()
        query: str = payload["query"]
        variables: dict[str, Any] = payload.get("variables") or {}
        if "inventorySetQuantities" in query:
            data: dict[str, Any] = {
                "inventorySetQuantities": await self._idempotent_mutation(
                    variables, started, self._set_quantities
                )
            }
        elif "inventoryAdjustQuantities" in query:
            data = {
                "inventoryAdjustQuantities": await self._idempotent_mutation(
                    variables, started, self._adjust_quantities
                )
            }
        elif "productVariant(" in query:
            data = {"productVariant": self._variant(variables["id"])}
        elif "nodes(" in query:
            data = {"nodes": [self._variant_level(gid) for gid in variables["ids"]]}
        elif "orders(" in query:
            data = {"orders": self._orders(variables["query"])}
        else:
            return JSONResponse({"errors": [{"message": "unsupported operation"}]})
        return JSONResponse({"data": data, "extensions": self._cost(CALL_COST, CALL_COST)})

    def _variant(self, gid: str) -> dict[str, Any] | None:
        variant_id = gid.rsplit("/", 1)[1]
        if variant_id not in self.shop.quantities:
            return None
        return {"id": gid, "inventoryItem": {"id": inventory_item_gid(variant_id)}}

    def _variant_level(self, gid: str) -> dict[str, Any] | None:
        variant_id = gid.rsplit("/", 1)[1]
        if variant_id not in self.shop.quantities:
            return None
        quantity = self.shop.quantity(variant_id)
        return {
            "id": gid,
            "inventoryItem": {
                "inventoryLevel": {"quantities": [{"name": "available", "quantity": quantity}]}
            },
        }

    async def _idempotent_mutation(
        self,
        variables: dict[str, Any],
        started: float,
        apply: Callable[[dict[str, Any], float], Awaitable[list[dict[str, Any]]]],
    ) -> dict[str, Any]:
        """``@idempotent(key:)``: required; a repeat returns the first answer, a key reused with
        other parameters is refused. ``apply`` returns the user errors (empty when applied)."""
        key = variables.get("idempotencyKey")
        if key is None:
            return {
                "inventoryAdjustmentGroup": None,
                "userErrors": [
                    {"code": None, "field": None, "message": "@idempotent key is required"}
                ],
            }
        fingerprint = json.dumps(variables["input"], sort_keys=True)
        if key in self._idempotent:
            stored = self._idempotent[key]
            if stored["fingerprint"] != fingerprint:
                return {
                    "inventoryAdjustmentGroup": None,
                    "userErrors": [
                        {
                            "code": "IDEMPOTENCY_KEY_PARAMETER_MISMATCH",
                            "field": None,
                            "message": "The same idempotency key cannot be used with different "
                            "operation parameters.",
                        }
                    ],
                }
            answer: dict[str, Any] = stored["answer"]
            return answer
        errors = await apply(variables["input"], started)
        answer = {
            "inventoryAdjustmentGroup": None
            if errors
            else {"id": f"gid://shopify/InventoryAdjustmentGroup/{self.shop.next_id()}"},
            "userErrors": errors,
        }
        self._idempotent[key] = {"fingerprint": fingerprint, "answer": answer}
        return answer

    @staticmethod
    def _name_errors(spec: dict[str, Any]) -> list[dict[str, Any]]:
        if spec.get("name") == "available":
            return []
        return [
            {
                "code": "INVALID_NAME",
                "field": ["input", "name"],
                "message": "The quantity name must be either 'available' or 'on_hand'.",
            }
        ]

    def _location_error(self, entry: dict[str, Any], path: list[str]) -> dict[str, Any] | None:
        if entry.get("locationId") == self.location_id:
            return None
        return {
            "code": "INVALID_LOCATION",
            "field": [*path, "locationId"],
            "message": "location not found",
        }

    async def _adjust_quantities(
        self, spec: dict[str, Any], started: float
    ) -> list[dict[str, Any]]:
        errors = self._name_errors(spec)
        for index, entry in enumerate(spec.get("changes", [])):
            path = ["input", "changes", str(index)]
            if (location := self._location_error(entry, path)) is not None:
                errors.append(location)
            elif not isinstance(entry.get("delta"), int):
                errors.append(
                    {"code": None, "field": [*path, "delta"], "message": "delta must be an integer"}
                )
        if errors:
            return errors
        await asyncio.sleep(self.shop.ack_delay())
        for entry in spec["changes"]:
            self.shop.adjust(variant_of_item(entry["inventoryItemId"]), entry["delta"], started)
        return []

    async def _set_quantities(self, spec: dict[str, Any], started: float) -> list[dict[str, Any]]:
        errors = self._name_errors(spec)
        for index, entry in enumerate(spec.get("quantities", [])):
            if "changeFromQuantity" not in entry:
                errors.append(
                    {
                        "code": None,
                        "field": ["input", "quantities", str(index)],
                        "message": "changeFromQuantity must be given (null to opt out)",
                    }
                )
            elif (
                location := self._location_error(entry, ["input", "quantities", str(index)])
            ) is not None:
                errors.append(location)
        if not errors:
            await asyncio.sleep(self.shop.ack_delay())
            for index, entry in enumerate(spec["quantities"]):
                stale = self.shop.compare_and_set(
                    variant_of_item(entry["inventoryItemId"]),
                    entry["changeFromQuantity"],
                    int(entry["quantity"]),
                    started,
                )
                if stale is not None:
                    errors.append(
                        {
                            "code": "CHANGE_FROM_QUANTITY_STALE",
                            "field": ["input", "quantities", str(index), "changeFromQuantity"],
                            "message": "The changeFromQuantity value does not match "
                            "persisted value.",
                        }
                    )
        return errors

    def _orders(self, search: str) -> dict[str, Any]:
        match = re.search(r"updated_at:>'([^']+)'", search)
        since = match.group(1) if match else ""
        nodes = []
        for order in list(self.shop.orders.values()):
            if order.updated_at.isoformat() <= since:
                continue
            nodes.append(
                {
                    "legacyResourceId": order.order_id,
                    "updatedAt": order.updated_at.isoformat(),
                    "cancelledAt": order.updated_at.isoformat()
                    if order.status == "cancelled"
                    else None,
                    "lineItems": {
                        "nodes": [
                            {"quantity": units, "variant": {"legacyResourceId": variant}}
                            for variant, units in order.lines.items()
                        ]
                    },
                }
            )
        return {"pageInfo": {"hasNextPage": False, "endCursor": None}, "nodes": nodes}

    def render(self, event: FakeEvent, target_url: str) -> tuple[dict[str, str], bytes]:
        order = event.order
        cancelled = event.status == "cancelled"
        body = json.dumps(
            {
                "id": int(order.order_id),
                "name": f"#{order.order_id}",
                "created_at": order.created_at.isoformat(),
                "updated_at": event.at.isoformat(),
                "cancelled_at": event.at.isoformat() if cancelled else None,
                "financial_status": "paid",
                "line_items": [
                    {
                        "id": int(order.order_id) * 10 + index,
                        "variant_id": int(variant),
                        "quantity": units,
                        "sku": f"SKU-{variant}",
                    }
                    for index, (variant, units) in enumerate(order.lines.items())
                ],
            }
        ).encode()
        headers = {
            "content-type": "application/json",
            "X-Shopify-Topic": "orders/cancelled" if cancelled else "orders/create",
            "X-Shopify-Hmac-Sha256": shopify_signature(body, self.client_secret),
            "X-Shopify-Shop-Domain": "buzzstock-test.myshopify.com",
            "X-Shopify-Webhook-Id": str(uuid.uuid4()),
            "X-Shopify-Event-Id": event.event_id,
            "X-Shopify-Triggered-At": event.at.isoformat(),
            "X-Shopify-API-Version": self.api_version,
        }
        return headers, body
