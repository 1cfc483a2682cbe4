"""Meta (Facebook / Instagram) catalogue target: Catalog Batch API ``items_batch``.

``sku_ref``: the catalogue item's ``retailer_id``. Meta ended Shops checkout and deprecated the
Commerce Order Management API, so this adapter only publishes; orders come back through the
storefront (Shopify / WooCommerce) the catalogue links to. Batches are processed
asynchronously: ``ACKNOWLEDGED`` means accepted, with the batch ``handle`` as reference.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from buzzstock.channels.base import (
    Capabilities,
    ChannelAdapter,
    ChannelError,
    ChannelOrder,
    InboundNotification,
    Platform,
    PushOutcome,
    PushResult,
    QuantityUpdate,
    push_failure,
    validate_quantity,
)
from buzzstock.channels.secrets import Secret
from buzzstock.channels.settings import ChannelSettings
from buzzstock.channels.signatures import verify_meta
from buzzstock.channels.transport import ChannelTransport

BATCH_LIMIT = 3000


class MetaCatalogConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    base_url: str = "https://graph.facebook.com/v23.0"
    catalog_id: str
    access_token: Secret
    app_secret: Secret


class MetaCatalogAdapter(ChannelAdapter):
    platform: ClassVar[Platform] = Platform.META
    capabilities: ClassVar[Capabilities] = Capabilities(takes_orders=False, max_batch=BATCH_LIMIT)

    def __init__(
        self,
        config: MetaCatalogConfig,
        *,
        settings: ChannelSettings = ChannelSettings(),
        transport: ChannelTransport | None = None,
    ) -> None:
        self.config = config
        self.transport = transport or ChannelTransport(
            config.base_url,
            settings=settings,
            headers={"authorization": f"Bearer {config.access_token}"},
        )

    async def set_quantity(
        self,
        sku_ref: str,
        quantity: int,
        *,
        expected_previous: int | None,
        push_id: str | None = None,
    ) -> PushResult:
        return (await self.set_quantities([QuantityUpdate(sku_ref, quantity)]))[0]

    async def set_quantities(self, updates: Sequence[QuantityUpdate]) -> list[PushResult]:
        """S-6: one ``items_batch`` call per 3,000 items, each an ``UPDATE`` of inventory."""
        results: list[PushResult] = []
        for start in range(0, len(updates), BATCH_LIMIT):
            chunk = updates[start : start + BATCH_LIMIT]
            requests = []
            for update in chunk:
                validate_quantity(update.quantity)
                requests.append(
                    {
                        "method": "UPDATE",
                        "data": {
                            "id": update.sku_ref,
                            "inventory": update.quantity,
                            "availability": "in stock" if update.quantity > 0 else "out of stock",
                        },
                    }
                )
            try:
                body = await self.transport.json(
                    "POST",
                    f"/{self.config.catalog_id}/items_batch",
                    retry_throttled=False,
                    json={"item_type": "PRODUCT_ITEM", "requests": requests},
                )
            except ChannelError as error:
                results.extend(push_failure(u.sku_ref, u.quantity, error) for u in chunk)
                continue
            handle = ",".join(body.get("handles") or [])
            results.extend(
                PushResult(u.sku_ref, PushOutcome.ACKNOWLEDGED, u.quantity, reference=handle)
                for u in chunk
            )
        return results

    async def batch_status(self, handle: str) -> dict[str, Any]:
        """``check_batch_request_status``: ``status`` and per-item ``errors`` of a batch."""
        body = await self.transport.json(
            "GET",
            f"/{self.config.catalog_id}/check_batch_request_status",
            retry_throttled=True,
            params={"handle": handle},
        )
        entries = body.get("data") or [{}]
        first: dict[str, Any] = entries[0]
        return first

    async def read_quantities(self, sku_refs: Sequence[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for start in range(0, len(sku_refs), 100):
            chunk = list(sku_refs[start : start + 100])
            body = await self.transport.json(
                "GET",
                f"/{self.config.catalog_id}/products",
                retry_throttled=True,
                params={
                    "fields": "retailer_id,inventory",
                    "filter": json.dumps({"retailer_id": {"is_any": chunk}}),
                },
            )
            for product in body.get("data") or []:
                if product.get("inventory") is not None:
                    found[str(product["retailer_id"])] = int(product["inventory"])
        return found

    async def recent_orders(
        self, since: datetime, *, known: Mapping[str, Mapping[str, int]] | None = None
    ) -> list[ChannelOrder]:
        """None: Meta checkout ended; orders arrive through the linked storefront."""
        return []

    def parse_webhook(
        self, headers: Mapping[str, str], body: bytes, *, url: str, now: datetime
    ) -> InboundNotification:
        """Graph webhooks (catalogue status) carry no id: the body's hash dedupes retries."""
        verify_meta(headers, body, self.config.app_secret)
        payload = json.loads(body)
        return InboundNotification(
            platform=Platform.META,
            event_id=hashlib.sha256(body).hexdigest(),
            topic=str(payload.get("object", "")),
            occurred_at=now,
            raw=payload,
        )

    async def aclose(self) -> None:
        await self.transport.aclose()
