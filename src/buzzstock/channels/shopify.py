"""Shopify adapter: GraphQL Admin ``inventorySetQuantities`` with compare-and-swap.

``sku_ref``: the product variant's numeric id (``variant_id`` in order webhooks). The variant's
inventory item is looked up once (``productVariant { inventoryItem { id } }``) and cached.
Throttling is read from ``extensions.cost.throttleStatus`` on every response (S-6).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from buzzstock.channels.base import (
    Capabilities,
    ChannelAdapter,
    ChannelError,
    ChannelOrder,
    ChannelRejected,
    ChannelThrottled,
    ChannelUnavailable,
    InboundNotification,
    OrderStatus,
    Platform,
    PushOutcome,
    PushResult,
    push_failure,
    validate_quantity,
)
from buzzstock.channels.ratelimit import CostBucket
from buzzstock.channels.secrets import Secret
from buzzstock.channels.settings import ChannelSettings
from buzzstock.channels.signatures import parse_instant, parse_shopify_webhook
from buzzstock.channels.transport import ChannelTransport

STALE_CODE = "CHANGE_FROM_QUANTITY_STALE"
MUTATION_COST_ESTIMATE = 10.0
QUERY_COST_ESTIMATE = 20.0

SET_AVAILABLE = """
mutation SetAvailable($input: InventorySetQuantitiesInput!, $idempotencyKey: String!) {
  inventorySetQuantities(input: $input) @idempotent(key: $idempotencyKey) {
    inventoryAdjustmentGroup { id }
    userErrors { code field message }
  }
}
"""

ADJUST_AVAILABLE = """
mutation AdjustAvailable($input: InventoryAdjustQuantitiesInput!, $idempotencyKey: String!) {
  inventoryAdjustQuantities(input: $input) @idempotent(key: $idempotencyKey) {
    inventoryAdjustmentGroup { id }
    userErrors { code field message }
  }
}
"""

VARIANT_INVENTORY_ITEM = """
query VariantInventoryItem($id: ID!) {
  productVariant(id: $id) { id inventoryItem { id } }
}
"""

AVAILABLE_LEVELS = """
query AvailableLevels($ids: [ID!]!, $locationId: ID!) {
  nodes(ids: $ids) {
    ... on ProductVariant {
      id
      inventoryItem {
        inventoryLevel(locationId: $locationId) {
          quantities(names: ["available"]) { name quantity }
        }
      }
    }
  }
}
"""

UPDATED_ORDERS = """
query UpdatedOrders($query: String!, $after: String) {
  orders(first: 50, after: $after, query: $query, sortKey: UPDATED_AT) {
    pageInfo { hasNextPage endCursor }
    nodes {
      legacyResourceId
      updatedAt
      cancelledAt
      lineItems(first: 100) { nodes { quantity variant { legacyResourceId } } }
    }
  }
}
"""


class ShopifyConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    base_url: str
    """``https://{shop}.myshopify.com`` (or a fake's address)."""
    access_token: Secret
    client_secret: Secret
    """Signs webhooks (``X-Shopify-Hmac-Sha256``)."""
    location_id: str
    """``gid://shopify/Location/{id}`` whose ``available`` quantity the hub publishes."""
    api_version: str = "2026-04"
    reason: str = "correction"


def variant_gid(sku_ref: str) -> str:
    return sku_ref if sku_ref.startswith("gid://") else f"gid://shopify/ProductVariant/{sku_ref}"


class ShopifyAdapter(ChannelAdapter):
    platform: ClassVar[Platform] = Platform.SHOPIFY
    capabilities: ClassVar[Capabilities] = Capabilities(
        compare_and_swap=True, delta_adjust=True, max_batch=250
    )

    def __init__(
        self,
        config: ShopifyConfig,
        *,
        settings: ChannelSettings = ChannelSettings(),
        transport: ChannelTransport | None = None,
        cost_bucket: CostBucket | None = None,
    ) -> None:
        self.config = config
        self.transport = transport or ChannelTransport(config.base_url, settings=settings)
        self.cost_bucket = cost_bucket or CostBucket()
        self._inventory_items: dict[str, str] = {}
        self._path = f"/admin/api/{config.api_version}/graphql.json"

    async def _graphql(
        self, query: str, variables: Mapping[str, Any], *, cost: float, retry_throttled: bool
    ) -> dict[str, Any]:
        """One GraphQL call; raises ``ChannelThrottled`` on HTTP 429 or a THROTTLED error."""
        attempts = self.transport.settings.max_attempts if retry_throttled else 1
        for attempt in range(attempts):
            await self.cost_bucket.reserve(cost)
            body = await self.transport.json(
                "POST",
                self._path,
                retry_throttled=retry_throttled,
                json={"query": query, "variables": dict(variables)},
                headers={"X-Shopify-Access-Token": self.config.access_token},
            )
            status = body.get("extensions", {}).get("cost", {}).get("throttleStatus")
            if status:
                self.cost_bucket.observe(
                    maximum=float(status["maximumAvailable"]),
                    currently_available=float(status["currentlyAvailable"]),
                    restore_rate=float(status["restoreRate"]),
                )
            errors = body.get("errors") or []
            if any(error.get("extensions", {}).get("code") == "THROTTLED" for error in errors):
                requested = float(
                    body.get("extensions", {}).get("cost", {}).get("requestedQueryCost", cost)
                )
                wait = self.cost_bucket.wait_for(requested)
                self.transport.limiter.throttled(wait)
                if attempt == attempts - 1:
                    raise ChannelThrottled(wait, "Shopify cost bucket empty")
                continue
            if errors:
                raise ChannelRejected(f"Shopify GraphQL errors: {errors}")
            data: dict[str, Any] = body.get("data") or {}
            return data
        raise ChannelUnavailable("Shopify: no attempt succeeded")

    async def inventory_item_id(self, sku_ref: str) -> str:
        cached = self._inventory_items.get(sku_ref)
        if cached is not None:
            return cached
        data = await self._graphql(
            VARIANT_INVENTORY_ITEM,
            {"id": variant_gid(sku_ref)},
            cost=QUERY_COST_ESTIMATE,
            retry_throttled=True,
        )
        variant = data.get("productVariant")
        if not variant:
            raise ChannelRejected(f"Shopify: no product variant {sku_ref}")
        item_id = str(variant["inventoryItem"]["id"])
        self._inventory_items[sku_ref] = item_id
        return item_id

    async def set_quantity(
        self,
        sku_ref: str,
        quantity: int,
        *,
        expected_previous: int | None,
        push_id: str | None = None,
    ) -> PushResult:
        """S-6: set ``available`` with ``changeFromQuantity`` = ``expected_previous``.

        On ``CHANGE_FROM_QUANTITY_STALE`` the level is re-read and returned as
        ``observed_quantity`` so the hub can recompute (units sold meanwhile) and resend."""
        validate_quantity(quantity)
        try:
            item_id = await self.inventory_item_id(sku_ref)
        except ChannelError as error:
            return push_failure(sku_ref, quantity, error)
        key = str(
            uuid.uuid5(
                uuid.NAMESPACE_URL,
                f"buzzstock:{push_id or uuid.uuid4()}:{sku_ref}:{quantity}:{expected_previous}",
            )
        )
        variables = {
            "idempotencyKey": key,
            "input": {
                "name": "available",
                "reason": self.config.reason,
                "referenceDocumentUri": f"gid://buzzstock/ChannelPush/{key}",
                "quantities": [
                    {
                        "inventoryItemId": item_id,
                        "locationId": self.config.location_id,
                        "quantity": quantity,
                        "changeFromQuantity": expected_previous,
                    }
                ],
            },
        }
        try:
            data = await self._graphql(
                SET_AVAILABLE, variables, cost=MUTATION_COST_ESTIMATE, retry_throttled=False
            )
        except ChannelError as error:
            return push_failure(sku_ref, quantity, error)
        payload = data.get("inventorySetQuantities") or {}
        user_errors = payload.get("userErrors") or []
        if any(error.get("code") == STALE_CODE for error in user_errors):
            try:
                observed = (await self.read_quantities([sku_ref])).get(sku_ref)
            except ChannelError:
                observed = None
            return PushResult(
                sku_ref,
                PushOutcome.STALE,
                quantity,
                observed_quantity=observed,
                detail=STALE_CODE,
            )
        if user_errors:
            return PushResult(
                sku_ref,
                PushOutcome.REJECTED,
                quantity,
                detail="; ".join(f"{e.get('code')}: {e.get('message')}" for e in user_errors),
            )
        group = payload.get("inventoryAdjustmentGroup") or {}
        return PushResult(
            sku_ref,
            PushOutcome.ACKNOWLEDGED,
            quantity,
            observed_quantity=quantity,
            reference=group.get("id"),
        )

    async def adjust_quantity(self, sku_ref: str, delta: int, *, push_id: str) -> PushResult:
        """S-6: ``inventoryAdjustQuantities`` of ``available`` by ``delta``. The idempotency key
        comes from ``push_id``, so the transport's retries of one push apply it once."""
        try:
            item_id = await self.inventory_item_id(sku_ref)
        except ChannelError as error:
            return push_failure(sku_ref, delta, error)
        key = str(uuid.uuid5(uuid.NAMESPACE_URL, f"buzzstock:{push_id}:{sku_ref}:{delta:+d}"))
        variables = {
            "idempotencyKey": key,
            "input": {
                "name": "available",
                "reason": self.config.reason,
                "referenceDocumentUri": f"gid://buzzstock/ChannelPush/{key}",
                "changes": [
                    {
                        "delta": delta,
                        "inventoryItemId": item_id,
                        "locationId": self.config.location_id,
                        "ledgerDocumentUri": f"gid://buzzstock/ChannelPush/{key}",
                    }
                ],
            },
        }
        try:
            data = await self._graphql(
                ADJUST_AVAILABLE, variables, cost=MUTATION_COST_ESTIMATE, retry_throttled=False
            )
        except ChannelError as error:
            return push_failure(sku_ref, delta, error)
        payload = data.get("inventoryAdjustQuantities") or {}
        if user_errors := payload.get("userErrors") or []:
            return PushResult(
                sku_ref,
                PushOutcome.REJECTED,
                delta,
                detail="; ".join(f"{e.get('code')}: {e.get('message')}" for e in user_errors),
            )
        group = payload.get("inventoryAdjustmentGroup") or {}
        return PushResult(sku_ref, PushOutcome.ACKNOWLEDGED, delta, reference=group.get("id"))

    async def read_quantities(self, sku_refs: Sequence[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for start in range(0, len(sku_refs), self.capabilities.max_batch):
            chunk = list(sku_refs[start : start + self.capabilities.max_batch])
            by_gid = {variant_gid(ref): ref for ref in chunk}
            data = await self._graphql(
                AVAILABLE_LEVELS,
                {"ids": list(by_gid), "locationId": self.config.location_id},
                cost=QUERY_COST_ESTIMATE,
                retry_throttled=True,
            )
            for node in data.get("nodes") or []:
                if not node or node.get("id") not in by_gid:
                    continue
                level = (node.get("inventoryItem") or {}).get("inventoryLevel") or {}
                for entry in level.get("quantities") or []:
                    if entry.get("name") == "available":
                        found[by_gid[node["id"]]] = int(entry["quantity"])
        return found

    async def recent_orders(
        self, since: datetime, *, known: Mapping[str, Mapping[str, int]] | None = None
    ) -> list[ChannelOrder]:
        orders: list[ChannelOrder] = []
        cursor: str | None = None
        search = f"updated_at:>'{since.isoformat()}'"
        while True:
            data = await self._graphql(
                UPDATED_ORDERS,
                {"query": search, "after": cursor},
                cost=QUERY_COST_ESTIMATE,
                retry_throttled=True,
            )
            connection = data.get("orders") or {}
            for node in connection.get("nodes") or []:
                order_id = str(node["legacyResourceId"])
                updated_at = parse_instant(node["updatedAt"])
                status = OrderStatus.CANCELLED if node.get("cancelledAt") else OrderStatus.CREATED
                totals: dict[str, int] = {}
                for line in (node.get("lineItems") or {}).get("nodes") or []:
                    variant = line.get("variant")
                    if variant:
                        ref = str(variant["legacyResourceId"])
                        totals[ref] = totals.get(ref, 0) + int(line["quantity"])
                orders.extend(
                    ChannelOrder(
                        channel_order_id=order_id,
                        event_id=f"poll:{order_id}:{node['updatedAt']}",
                        sku_ref=ref,
                        quantity=units,
                        status=status,
                        occurred_at=updated_at,
                        raw=node,
                    )
                    for ref, units in sorted(totals.items())
                )
            page = connection.get("pageInfo") or {}
            if not page.get("hasNextPage"):
                return orders
            cursor = page.get("endCursor")

    def parse_webhook(
        self, headers: Mapping[str, str], body: bytes, *, url: str, now: datetime
    ) -> InboundNotification:
        return parse_shopify_webhook(headers, body, self.config.client_secret)

    async def aclose(self) -> None:
        await self.transport.aclose()
