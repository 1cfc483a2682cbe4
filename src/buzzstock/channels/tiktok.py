"""TikTok Shop adapter: Partner API 202309 inventory update / search, signed requests.

``sku_ref``: ``"{product_id}:{sku_id}"`` (both appear on order line items). Success is
``code == 0`` in the body, not the HTTP status. Quantities are absolute (below 99,999).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from buzzstock.channels.base import (
    Capabilities,
    ChannelAdapter,
    ChannelOrder,
    ChannelRejected,
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
from buzzstock.channels.signatures import (
    parse_instant,
    parse_tiktok_webhook,
    tiktok_request_signature,
)
from buzzstock.channels.transport import ChannelTransport

MAX_QUANTITY = 99_999
SEARCH_BATCH = 600


class TikTokShopConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    base_url: str = "https://open-api.tiktokglobalshop.com"
    app_key: str
    app_secret: Secret
    access_token: Secret
    shop_cipher: str
    warehouse_id: str | None = None
    """Needed only when the shop has more than one warehouse."""


def split_sku_ref(sku_ref: str) -> tuple[str, str]:
    product_id, _, sku_id = sku_ref.partition(":")
    if not product_id or not sku_id:
        raise ValueError(f"TikTok sku_ref must be 'product_id:sku_id', got {sku_ref!r}")
    return product_id, sku_id


class TikTokShopAdapter(ChannelAdapter):
    platform: ClassVar[Platform] = Platform.TIKTOK_SHOP
    capabilities: ClassVar[Capabilities] = Capabilities(max_batch=SEARCH_BATCH)

    def __init__(
        self,
        config: TikTokShopConfig,
        *,
        settings: ChannelSettings = ChannelSettings(),
        transport: ChannelTransport | None = None,
        epoch_clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.transport = transport or ChannelTransport(config.base_url, settings=settings)
        self._epoch_clock = epoch_clock

    async def _call(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, str] | None = None,
        body: Mapping[str, Any] | None = None,
        retry_throttled: bool,
    ) -> dict[str, Any]:
        params = {
            "app_key": self.config.app_key,
            "timestamp": str(int(self._epoch_clock())),
            "shop_cipher": self.config.shop_cipher,
            **(query or {}),
        }
        content = b"" if body is None else json.dumps(body, separators=(",", ":")).encode()
        params["sign"] = tiktok_request_signature(path, params, content, self.config.app_secret)
        response: dict[str, Any] = await self.transport.json(
            method,
            path,
            retry_throttled=retry_throttled,
            params=params,
            content=content or None,
            headers={
                "x-tts-access-token": self.config.access_token,
                "content-type": "application/json",
            },
        )
        if response.get("code") != 0:
            raise ChannelRejected(
                f"TikTok Shop code {response.get('code')}: {response.get('message')}"
            )
        data: dict[str, Any] = response.get("data") or {}
        return data

    async def set_quantity(
        self,
        sku_ref: str,
        quantity: int,
        *,
        expected_previous: int | None,
        push_id: str | None = None,
    ) -> PushResult:
        """S-6: absolute set of the SKU's warehouse quantity (no compare-and-swap exists)."""
        validate_quantity(quantity)
        if quantity > MAX_QUANTITY:
            return PushResult(
                sku_ref, PushOutcome.REJECTED, quantity, detail="TikTok quantity must be < 99999"
            )
        product_id, sku_id = split_sku_ref(sku_ref)
        inventory: dict[str, Any] = {"quantity": quantity}
        if self.config.warehouse_id:
            inventory["warehouse_id"] = self.config.warehouse_id

        async def send() -> PushResult:
            data = await self._call(
                "POST",
                f"/product/202309/products/{product_id}/inventory/update",
                body={"skus": [{"id": sku_id, "inventory": [inventory]}]},
                retry_throttled=False,
            )
            errors = data.get("errors") or []
            if errors:
                return PushResult(
                    sku_ref, PushOutcome.REJECTED, quantity, detail=json.dumps(errors)[:500]
                )
            return PushResult(
                sku_ref, PushOutcome.ACKNOWLEDGED, quantity, observed_quantity=quantity
            )

        return await guarded_push(sku_ref, quantity, send)

    async def read_quantities(self, sku_refs: Sequence[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for start in range(0, len(sku_refs), SEARCH_BATCH):
            chunk = [split_sku_ref(ref)[1] for ref in sku_refs[start : start + SEARCH_BATCH]]
            data = await self._call(
                "POST",
                "/product/202309/inventory/search",
                body={"sku_ids": chunk},
                retry_throttled=True,
            )
            for product in data.get("inventory") or []:
                for sku in product.get("skus") or []:
                    ref = f"{product['product_id']}:{sku['id']}"
                    found[ref] = int(sku.get("total_available_quantity", 0))
        return found

    def _orders_from_details(self, orders: Sequence[Mapping[str, Any]]) -> list[ChannelOrder]:
        """202309 order line items stand for one unit each; count them per SKU."""
        result: list[ChannelOrder] = []
        for order in orders:
            order_id = str(order["id"])
            status = (
                OrderStatus.CANCELLED if order.get("status") == "CANCELLED" else OrderStatus.CREATED
            )
            updated = order.get("update_time") or order.get("create_time")
            totals: dict[str, int] = {}
            for line in order.get("line_items") or []:
                ref = f"{line['product_id']}:{line['sku_id']}"
                totals[ref] = totals.get(ref, 0) + 1
            result.extend(
                ChannelOrder(
                    channel_order_id=order_id,
                    event_id=f"order:{order_id}:{updated}:{order.get('status')}",
                    sku_ref=ref,
                    quantity=units,
                    status=status,
                    occurred_at=parse_instant(updated),
                    raw=order,
                )
                for ref, units in sorted(totals.items())
            )
        return result

    async def recent_orders(
        self, since: datetime, *, known: Mapping[str, Mapping[str, int]] | None = None
    ) -> list[ChannelOrder]:
        orders: list[Mapping[str, Any]] = []
        token: str | None = None
        while True:
            query = {"page_size": "50"}
            if token:
                query["page_token"] = token
            data = await self._call(
                "POST",
                "/order/202309/orders/search",
                query=query,
                body={"update_time_ge": int(since.timestamp())},
                retry_throttled=True,
            )
            orders.extend(data.get("orders") or [])
            token = data.get("next_page_token") or None
            if not token:
                return self._orders_from_details(orders)

    async def orders_for_notification(
        self, notification: InboundNotification
    ) -> list[ChannelOrder]:
        if not notification.order_ids_to_fetch:
            return list(notification.orders)
        data = await self._call(
            "GET",
            "/order/202309/orders",
            query={"ids": ",".join(notification.order_ids_to_fetch)},
            retry_throttled=True,
        )
        return [
            replace(order, event_id=notification.event_id)
            for order in self._orders_from_details(data.get("orders") or [])
        ]

    def parse_webhook(
        self, headers: Mapping[str, str], body: bytes, *, url: str, now: datetime
    ) -> InboundNotification:
        return parse_tiktok_webhook(
            headers,
            body,
            self.config.app_key,
            self.config.app_secret,
            now=now,
            tolerance_seconds=self.transport.settings.webhook_timestamp_tolerance_seconds,
        )

    async def aclose(self) -> None:
        await self.transport.aclose()
