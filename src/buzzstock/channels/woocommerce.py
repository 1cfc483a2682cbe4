"""WooCommerce adapter: REST API v3 ``stock_quantity``, single or through ``products/batch``.

``sku_ref``: ``"{product_id}"`` for a simple product or ``"{product_id}:{variation_id}"`` for a
variation (WooCommerce addresses stock by id, not by SKU). Auth: consumer key and secret over
HTTPS (HTTP Basic).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from buzzstock.channels.base import (
    Capabilities,
    ChannelAdapter,
    ChannelError,
    ChannelOrder,
    ChannelRejected,
    InboundNotification,
    Platform,
    PushOutcome,
    PushResult,
    QuantityUpdate,
    guarded_push,
    push_failure,
    validate_quantity,
)
from buzzstock.channels.secrets import Secret
from buzzstock.channels.settings import ChannelSettings
from buzzstock.channels.signatures import (
    parse_instant,
    parse_woocommerce_webhook,
    woocommerce_order_lines,
    woocommerce_order_status,
)
from buzzstock.channels.transport import ChannelTransport

BATCH_LIMIT = 100


class WooCommerceConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    base_url: str
    """``https://shop.example/wp-json/wc/v3``."""
    consumer_key: str
    consumer_secret: Secret
    webhook_secret: Secret


def split_sku_ref(sku_ref: str) -> tuple[int, int | None]:
    product, _, variation = sku_ref.partition(":")
    return int(product), int(variation) if variation else None


class WooCommerceAdapter(ChannelAdapter):
    platform: ClassVar[Platform] = Platform.WOOCOMMERCE
    capabilities: ClassVar[Capabilities] = Capabilities(max_batch=BATCH_LIMIT)

    def __init__(
        self,
        config: WooCommerceConfig,
        *,
        settings: ChannelSettings = ChannelSettings(),
        transport: ChannelTransport | None = None,
    ) -> None:
        self.config = config
        self.transport = transport or ChannelTransport(
            config.base_url,
            settings=settings,
            auth=(config.consumer_key, config.consumer_secret),
        )

    @staticmethod
    def _item_path(product_id: int, variation_id: int | None) -> str:
        if variation_id is None:
            return f"/products/{product_id}"
        return f"/products/{product_id}/variations/{variation_id}"

    async def set_quantity(
        self,
        sku_ref: str,
        quantity: int,
        *,
        expected_previous: int | None,
        push_id: str | None = None,
    ) -> PushResult:
        """S-6: ``PUT`` of ``stock_quantity`` with ``manage_stock`` on (absolute, no CAS)."""
        validate_quantity(quantity)
        product_id, variation_id = split_sku_ref(sku_ref)

        async def send() -> PushResult:
            body = await self.transport.json(
                "PUT",
                self._item_path(product_id, variation_id),
                retry_throttled=False,
                json={"manage_stock": True, "stock_quantity": quantity},
            )
            return PushResult(
                sku_ref,
                PushOutcome.ACKNOWLEDGED,
                quantity,
                observed_quantity=body.get("stock_quantity"),
            )

        return await guarded_push(sku_ref, quantity, send)

    async def set_quantities(self, updates: Sequence[QuantityUpdate]) -> list[PushResult]:
        """One ``POST .../batch`` per 100 items of the same parent (products or variations)."""
        groups: dict[int | None, list[tuple[int, QuantityUpdate]]] = {}
        for update in updates:
            validate_quantity(update.quantity)
            product_id, variation_id = split_sku_ref(update.sku_ref)
            if variation_id is None:
                groups.setdefault(None, []).append((product_id, update))
            else:
                groups.setdefault(product_id, []).append((variation_id, update))
        results: dict[str, PushResult] = {}
        for parent, members in groups.items():
            path = "/products/batch" if parent is None else f"/products/{parent}/variations/batch"
            for start in range(0, len(members), BATCH_LIMIT):
                chunk = members[start : start + BATCH_LIMIT]
                results.update(await self._send_batch(path, chunk))
        return [results[update.sku_ref] for update in updates]

    async def _send_batch(
        self, path: str, chunk: Sequence[tuple[int, QuantityUpdate]]
    ) -> dict[str, PushResult]:
        by_id = {object_id: update for object_id, update in chunk}
        payload = {
            "update": [
                {"id": object_id, "manage_stock": True, "stock_quantity": update.quantity}
                for object_id, update in chunk
            ]
        }
        try:
            body = await self.transport.json("POST", path, retry_throttled=False, json=payload)
        except ChannelError as error:
            return {
                update.sku_ref: push_failure(update.sku_ref, update.quantity, error)
                for update in by_id.values()
            }
        results: dict[str, PushResult] = {}
        for entry in body.get("update") or []:
            update = by_id.get(int(entry.get("id", -1)))
            if update is None:
                continue
            if "error" in entry:
                results[update.sku_ref] = PushResult(
                    update.sku_ref,
                    PushOutcome.REJECTED,
                    update.quantity,
                    detail=str(entry["error"].get("message", entry["error"])),
                )
            else:
                results[update.sku_ref] = PushResult(
                    update.sku_ref,
                    PushOutcome.ACKNOWLEDGED,
                    update.quantity,
                    observed_quantity=entry.get("stock_quantity"),
                )
        for update in by_id.values():
            results.setdefault(
                update.sku_ref,
                PushResult(
                    update.sku_ref,
                    PushOutcome.UNAVAILABLE,
                    update.quantity,
                    detail="missing from the batch answer",
                ),
            )
        return results

    async def read_quantities(self, sku_refs: Sequence[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        simple = [split_sku_ref(ref)[0] for ref in sku_refs if split_sku_ref(ref)[1] is None]
        for start in range(0, len(simple), BATCH_LIMIT):
            chunk = simple[start : start + BATCH_LIMIT]
            products = await self.transport.json(
                "GET",
                "/products",
                retry_throttled=True,
                params={"include": ",".join(map(str, chunk)), "per_page": str(BATCH_LIMIT)},
            )
            for product in products:
                if product.get("stock_quantity") is not None:
                    found[str(product["id"])] = int(product["stock_quantity"])
        for ref in sku_refs:
            product_id, variation_id = split_sku_ref(ref)
            if variation_id is not None:
                variation = await self.transport.json(
                    "GET", self._item_path(product_id, variation_id), retry_throttled=True
                )
                if variation.get("stock_quantity") is not None:
                    found[ref] = int(variation["stock_quantity"])
        return found

    async def recent_orders(
        self, since: datetime, *, known: Mapping[str, Mapping[str, int]] | None = None
    ) -> list[ChannelOrder]:
        result: list[ChannelOrder] = []
        page = 1
        while True:
            response = await self.transport.request(
                "GET",
                "/orders",
                retry_throttled=True,
                params={
                    "modified_after": since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
                    "dates_are_gmt": "true",
                    "per_page": "100",
                    "page": str(page),
                },
            )
            if response.status_code >= 400:
                raise ChannelRejected(f"WooCommerce orders: HTTP {response.status_code}")
            for order in response.json():
                order_id = str(order["id"])
                stamp = order.get("date_modified_gmt") or order.get("date_created_gmt")
                totals: dict[str, int] = {}
                for ref, units in woocommerce_order_lines(order):
                    totals[ref] = totals.get(ref, 0) + units
                result.extend(
                    ChannelOrder(
                        channel_order_id=order_id,
                        event_id=f"poll:{order_id}:{stamp}",
                        sku_ref=ref,
                        quantity=units,
                        status=woocommerce_order_status(order),
                        occurred_at=parse_instant(stamp),
                        raw=order,
                    )
                    for ref, units in sorted(totals.items())
                )
            if page >= int(response.headers.get("x-wp-totalpages", "1")):
                return result
            page += 1

    def parse_webhook(
        self, headers: Mapping[str, str], body: bytes, *, url: str, now: datetime
    ) -> InboundNotification:
        return parse_woocommerce_webhook(headers, body, self.config.webhook_secret, now=now)

    async def aclose(self) -> None:
        await self.transport.aclose()
