"""Shopee adapter: Open Platform v2 ``product/update_stock`` with partner-signed requests.

``sku_ref``: ``"{item_id}:{model_id}"`` (``model_id`` 0 for an item without variations). Only
``seller_stock`` is writable. Pushes are thin, so order events are completed with
``order/get_order_detail``. Success is an empty ``error`` field in the body.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from buzzstock.channels.base import (
    Capabilities,
    ChannelAdapter,
    ChannelOrder,
    ChannelRejected,
    ChannelThrottled,
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
    parse_shopee_push,
    shopee_request_signature,
)
from buzzstock.channels.transport import ChannelTransport

DETAIL_BATCH = 50
THROTTLE_ERRORS = frozenset({"error_too_many_request", "error_rate_limit"})


class ShopeeConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    base_url: str = "https://partner.shopeemobile.com"
    partner_id: int
    partner_key: Secret
    shop_id: int
    access_token: Secret
    location_id: str | None = None
    callback_url: str
    """The push URL registered in the console; part of the push signature's base string."""


def split_sku_ref(sku_ref: str) -> tuple[int, int]:
    item, _, model = sku_ref.partition(":")
    return int(item), int(model or 0)


class ShopeeAdapter(ChannelAdapter):
    platform: ClassVar[Platform] = Platform.SHOPEE
    capabilities: ClassVar[Capabilities] = Capabilities()

    def __init__(
        self,
        config: ShopeeConfig,
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
        stamp = int(self._epoch_clock())
        params = {
            "partner_id": str(self.config.partner_id),
            "timestamp": str(stamp),
            "access_token": self.config.access_token,
            "shop_id": str(self.config.shop_id),
            "sign": shopee_request_signature(
                self.config.partner_id,
                path,
                stamp,
                self.config.access_token,
                self.config.shop_id,
                self.config.partner_key,
            ),
            **(query or {}),
        }
        response: dict[str, Any] = await self.transport.json(
            method,
            path,
            retry_throttled=retry_throttled,
            params=params,
            json=None if body is None else dict(body),
        )
        error = response.get("error") or ""
        if error in THROTTLE_ERRORS:
            wait = self.transport.limiter.throttled(None)
            raise ChannelThrottled(wait, f"Shopee {error}")
        if error:
            raise ChannelRejected(f"Shopee {error}: {response.get('message')}")
        data: dict[str, Any] = response.get("response") or {}
        return data

    async def set_quantity(
        self,
        sku_ref: str,
        quantity: int,
        *,
        expected_previous: int | None,
        push_id: str | None = None,
    ) -> PushResult:
        """S-6: absolute ``seller_stock`` of one model (Shopee has no compare-and-swap)."""
        validate_quantity(quantity)
        item_id, model_id = split_sku_ref(sku_ref)
        stock: dict[str, Any] = {"stock": quantity}
        if self.config.location_id:
            stock["location_id"] = self.config.location_id

        async def send() -> PushResult:
            data = await self._call(
                "POST",
                "/api/v2/product/update_stock",
                body={
                    "item_id": item_id,
                    "stock_list": [{"model_id": model_id, "seller_stock": [stock]}],
                },
                retry_throttled=False,
            )
            failures = data.get("failure_list") or []
            if failures:
                return PushResult(
                    sku_ref, PushOutcome.REJECTED, quantity, detail=json.dumps(failures)[:400]
                )
            return PushResult(
                sku_ref, PushOutcome.ACKNOWLEDGED, quantity, observed_quantity=quantity
            )

        return await guarded_push(sku_ref, quantity, send)

    async def read_quantities(self, sku_refs: Sequence[str]) -> dict[str, int]:
        wanted: dict[int, set[int]] = {}
        for ref in sku_refs:
            item_id, model_id = split_sku_ref(ref)
            wanted.setdefault(item_id, set()).add(model_id)
        found: dict[str, int] = {}
        for item_id, models in sorted(wanted.items()):
            data = await self._call(
                "GET",
                "/api/v2/product/get_model_list",
                query={"item_id": str(item_id)},
                retry_throttled=True,
            )
            for model in data.get("model") or []:
                model_id = int(model["model_id"])
                if model_id in models:
                    seller = (model.get("stock_info_v2") or {}).get("seller_stock") or []
                    found[f"{item_id}:{model_id}"] = sum(int(s["stock"]) for s in seller)
        return found

    async def _order_details(self, order_sns: Sequence[str]) -> list[ChannelOrder]:
        result: list[ChannelOrder] = []
        for start in range(0, len(order_sns), DETAIL_BATCH):
            data = await self._call(
                "GET",
                "/api/v2/order/get_order_detail",
                query={
                    "order_sn_list": ",".join(order_sns[start : start + DETAIL_BATCH]),
                    "response_optional_fields": "item_list",
                },
                retry_throttled=True,
            )
            for order in data.get("order_list") or []:
                order_sn = str(order["order_sn"])
                status = (
                    OrderStatus.CANCELLED
                    if order.get("order_status") == "CANCELLED"
                    else OrderStatus.CREATED
                )
                totals: dict[str, int] = {}
                for item in order.get("item_list") or []:
                    ref = f"{item['item_id']}:{item.get('model_id', 0)}"
                    totals[ref] = totals.get(ref, 0) + int(item["model_quantity_purchased"])
                stamp = order.get("update_time") or order.get("create_time")
                result.extend(
                    ChannelOrder(
                        channel_order_id=order_sn,
                        event_id=f"order:{order_sn}:{stamp}:{order.get('order_status')}",
                        sku_ref=ref,
                        quantity=units,
                        status=status,
                        occurred_at=parse_instant(stamp),
                        raw=order,
                    )
                    for ref, units in sorted(totals.items())
                )
        return result

    async def recent_orders(
        self, since: datetime, *, known: Mapping[str, Mapping[str, int]] | None = None
    ) -> list[ChannelOrder]:
        order_sns: list[str] = []
        cursor = ""
        time_to = int(self._epoch_clock())
        while True:
            data = await self._call(
                "GET",
                "/api/v2/order/get_order_list",
                query={
                    "time_range_field": "update_time",
                    "time_from": str(int(since.astimezone(UTC).timestamp())),
                    "time_to": str(time_to),
                    "page_size": "100",
                    "cursor": cursor,
                },
                retry_throttled=True,
            )
            order_sns.extend(str(order["order_sn"]) for order in data.get("order_list") or [])
            if not data.get("more"):
                break
            cursor = str(data.get("next_cursor", ""))
        return await self._order_details(order_sns)

    async def orders_for_notification(
        self, notification: InboundNotification
    ) -> list[ChannelOrder]:
        if not notification.order_ids_to_fetch:
            return list(notification.orders)
        return [
            replace(order, event_id=notification.event_id)
            for order in await self._order_details(notification.order_ids_to_fetch)
        ]

    def parse_webhook(
        self, headers: Mapping[str, str], body: bytes, *, url: str, now: datetime
    ) -> InboundNotification:
        """Shopee signs the callback URL it was configured with: that URL is used, not the one
        the request arrived at (proxies rewrite hosts)."""
        return parse_shopee_push(
            headers,
            body,
            self.config.callback_url,
            self.config.partner_key,
            now=now,
            tolerance_seconds=self.transport.settings.webhook_timestamp_tolerance_seconds,
        )

    async def aclose(self) -> None:
        await self.transport.aclose()
