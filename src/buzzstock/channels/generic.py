"""Custom shops: a generic adapter speaking Standard Webhooks in both directions.

``sku_ref``: the shop's own SKU code. buzzstock POSTs ``inventory.level_changed`` events signed
with ``webhook-id`` / ``webhook-timestamp`` / ``webhook-signature`` (``v1,`` + base64
HMAC-SHA256 over ``id.timestamp.body`` with the ``whsec_`` secret); the shop answers 2xx (done),
409 with its current quantity (compare-and-swap refused), 410 (endpoint retired) or 429 with
``Retry-After``. The shop sends ``order.created`` / ``order.cancelled`` back, signed the same way.
The full contract is in docs/channels.md.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
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
    parse_generic_webhook,
    parse_instant,
    standard_webhook_headers,
)
from buzzstock.channels.transport import ChannelTransport


class GenericShopConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    base_url: str
    """The shop's endpoint root: we call ``/stock-events``, ``/inventory`` and ``/orders``."""
    secret: Secret
    """``whsec_`` + base64 key shared with the shop, used in both directions."""


class GenericShopAdapter(ChannelAdapter):
    platform: ClassVar[Platform] = Platform.GENERIC
    capabilities: ClassVar[Capabilities] = Capabilities(compare_and_swap=True)

    def __init__(
        self,
        config: GenericShopConfig,
        *,
        settings: ChannelSettings = ChannelSettings(),
        transport: ChannelTransport | None = None,
        epoch_clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.settings = settings
        self.transport = transport or ChannelTransport(config.base_url, settings=settings)
        self._epoch_clock = epoch_clock

    def _signed(self, body: bytes, msg_id: str | None = None) -> dict[str, str]:
        return standard_webhook_headers(
            msg_id or f"msg_{uuid.uuid4().hex}", int(self._epoch_clock()), body, self.config.secret
        )

    async def set_quantity(
        self,
        sku_ref: str,
        quantity: int,
        *,
        expected_previous: int | None,
        push_id: str | None = None,
    ) -> PushResult:
        """S-6: signed ``inventory.level_changed``; a retry of one push keeps its webhook-id."""
        validate_quantity(quantity)
        event = {
            "type": "inventory.level_changed",
            "timestamp": datetime.fromtimestamp(self._epoch_clock(), UTC).isoformat(),
            "data": {"sku": sku_ref, "quantity": quantity, "expected_previous": expected_previous},
        }
        body = json.dumps(event, separators=(",", ":")).encode()
        msg_id = f"msg_{push_id}" if push_id else None

        async def send() -> PushResult:
            response = await self.transport.request(
                "POST",
                "/stock-events",
                retry_throttled=False,
                content=body,
                headers=self._signed(body, msg_id),
            )
            answer: dict[str, Any] = {}
            if response.content and "json" in response.headers.get("content-type", ""):
                answer = response.json()
            if response.status_code == 409:
                return PushResult(
                    sku_ref,
                    PushOutcome.STALE,
                    quantity,
                    observed_quantity=answer.get("quantity"),
                    detail="shop refused: expected_previous is stale",
                )
            if response.status_code >= 400:
                raise ChannelRejected(f"shop answered HTTP {response.status_code}")
            return PushResult(
                sku_ref,
                PushOutcome.ACKNOWLEDGED,
                quantity,
                observed_quantity=answer.get("quantity", quantity),
            )

        return await guarded_push(sku_ref, quantity, send)

    async def read_quantities(self, sku_refs: Sequence[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for start in range(0, len(sku_refs), 100):
            chunk = ",".join(sku_refs[start : start + 100])
            body = await self.transport.json(
                "GET",
                "/inventory",
                retry_throttled=True,
                params={"skus": chunk},
                headers=self._signed(b""),
            )
            for item in body.get("items") or []:
                found[str(item["sku"])] = int(item["quantity"])
        return found

    async def recent_orders(
        self, since: datetime, *, known: Mapping[str, Mapping[str, int]] | None = None
    ) -> list[ChannelOrder]:
        body = await self.transport.json(
            "GET",
            "/orders",
            retry_throttled=True,
            params={"updated_after": since.astimezone(UTC).isoformat()},
            headers=self._signed(b""),
        )
        result: list[ChannelOrder] = []
        for order in body.get("orders") or []:
            order_id = str(order["order_id"])
            status = OrderStatus(order.get("status", "created"))
            totals: dict[str, int] = {}
            for line in order.get("lines") or []:
                totals[str(line["sku"])] = totals.get(str(line["sku"]), 0) + int(line["quantity"])
            result.extend(
                ChannelOrder(
                    channel_order_id=order_id,
                    event_id=f"poll:{order_id}:{order.get('updated_at')}",
                    sku_ref=sku,
                    quantity=units,
                    status=status,
                    occurred_at=parse_instant(order.get("updated_at")),
                    raw=order,
                )
                for sku, units in sorted(totals.items())
            )
        return result

    def parse_webhook(
        self, headers: Mapping[str, str], body: bytes, *, url: str, now: datetime
    ) -> InboundNotification:
        return parse_generic_webhook(
            headers,
            body,
            self.config.secret,
            now=now,
            tolerance_seconds=self.settings.webhook_timestamp_tolerance_seconds,
        )

    async def aclose(self) -> None:
        await self.transport.aclose()
