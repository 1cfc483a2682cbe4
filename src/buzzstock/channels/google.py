"""Google Merchant Center / YouTube Shopping: availability flips only, twice a day at most.

``sku_ref``: the Merchant Center ``offerId``. Google documents that products can be updated at
most twice per day, and checkout for YouTube Shopping happens on the merchant's own store
(whose adapter takes the orders). So this target never receives unit counts: it flips
``IN_STOCK`` / ``OUT_OF_STOCK`` with hysteresis, and a flip beyond the daily budget is refused
as ``THROTTLED`` until a slot frees, remembering only the latest wanted state (coalesced).
"""

from __future__ import annotations

import base64
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from buzzstock.channels.base import (
    Capabilities,
    ChannelAdapter,
    ChannelOrder,
    Platform,
    PushOutcome,
    PushResult,
    guarded_push,
    validate_quantity,
)
from buzzstock.channels.secrets import Secret
from buzzstock.channels.settings import ChannelSettings
from buzzstock.channels.transport import ChannelTransport

IN_STOCK = "IN_STOCK"
OUT_OF_STOCK = "OUT_OF_STOCK"
BUDGET_WINDOW = timedelta(hours=24)


class GoogleMerchantConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    base_url: str = "https://merchantapi.googleapis.com"
    account_id: str
    data_source_id: str
    """A supplemental data source, so an insert carrying only availability changes nothing else."""
    access_token: Secret
    content_language: str = "en"
    feed_label: str = "US"


def wanted_availability(quantity: int, current: str | None, restock_min_units: int) -> str:
    """S-6: out of stock at zero; back in stock only with ``restock_min_units`` (hysteresis)."""
    if quantity <= 0:
        return OUT_OF_STOCK
    if current == OUT_OF_STOCK and quantity < restock_min_units:
        return OUT_OF_STOCK
    return IN_STOCK


class DailyBudget:
    """At most ``limit`` updates per offer within any rolling 24 hours (pure, clock passed in)."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._sent: dict[str, deque[datetime]] = {}

    def wait(self, offer_id: str, now: datetime) -> timedelta:
        sent = self._sent.setdefault(offer_id, deque())
        while sent and now - sent[0] >= BUDGET_WINDOW:
            sent.popleft()
        if len(sent) < self._limit:
            return timedelta(0)
        return sent[0] + BUDGET_WINDOW - now

    def record(self, offer_id: str, now: datetime) -> None:
        self._sent.setdefault(offer_id, deque()).append(now)


class GoogleMerchantAdapter(ChannelAdapter):
    platform: ClassVar[Platform] = Platform.GOOGLE_MERCHANT
    capabilities: ClassVar[Capabilities] = Capabilities(
        exact_quantity=False, takes_orders=False, inbound_webhooks=False
    )

    def __init__(
        self,
        config: GoogleMerchantConfig,
        *,
        settings: ChannelSettings = ChannelSettings(),
        transport: ChannelTransport | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.config = config
        self.settings = settings
        self.transport = transport or ChannelTransport(
            config.base_url,
            settings=settings,
            headers={"authorization": f"Bearer {config.access_token}"},
        )
        self._clock = clock
        self.budget = DailyBudget(settings.google_max_updates_per_day)
        self.published: dict[str, str] = {}
        self.pending: dict[str, str] = {}
        """Latest availability wanted but refused by the daily budget, per offer."""

    def _product_name(self, offer_id: str) -> str:
        raw = f"{self.config.content_language}~{self.config.feed_label}~{offer_id}"
        encoded = base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")
        return f"accounts/{self.config.account_id}/products/{encoded}"

    async def set_quantity(
        self,
        sku_ref: str,
        quantity: int,
        *,
        expected_previous: int | None,
        push_id: str | None = None,
    ) -> PushResult:
        """S-6: push a flip only when availability changes and the daily budget allows it."""
        validate_quantity(quantity)
        current = self.published.get(sku_ref)
        wanted = wanted_availability(quantity, current, self.settings.google_restock_min_units)
        if wanted == current:
            self.pending.pop(sku_ref, None)
            return PushResult(
                sku_ref, PushOutcome.ACKNOWLEDGED, quantity, sent=False, detail=wanted
            )
        now = self._clock()
        wait = self.budget.wait(sku_ref, now)
        if wait > timedelta(0):
            self.pending[sku_ref] = wanted
            return PushResult(
                sku_ref,
                PushOutcome.THROTTLED,
                quantity,
                retry_after=wait.total_seconds(),
                sent=False,
                detail=f"{wanted} deferred: {self.settings.google_max_updates_per_day} "
                "updates per day already used",
            )

        async def send() -> PushResult:
            await self.transport.json(
                "POST",
                f"/products/v1/accounts/{self.config.account_id}/productInputs:insert",
                retry_throttled=False,
                params={
                    "dataSource": f"accounts/{self.config.account_id}/dataSources/"
                    f"{self.config.data_source_id}"
                },
                json={
                    "offerId": sku_ref,
                    "contentLanguage": self.config.content_language,
                    "feedLabel": self.config.feed_label,
                    "productAttributes": {"availability": wanted},
                },
            )
            self.budget.record(sku_ref, now)
            self.published[sku_ref] = wanted
            self.pending.pop(sku_ref, None)
            return PushResult(sku_ref, PushOutcome.ACKNOWLEDGED, quantity, detail=wanted)

        return await guarded_push(sku_ref, quantity, send)

    async def read_quantities(self, sku_refs: Sequence[str]) -> dict[str, int]:
        """Availability as 1 (in stock) or 0 (out of stock): this target holds no counts."""
        found: dict[str, int] = {}
        for offer_id in sku_refs:
            product = await self.transport.json(
                "GET", f"/products/v1/{self._product_name(offer_id)}", retry_throttled=True
            )
            availability = (product.get("productAttributes") or {}).get("availability")
            if availability:
                self.published.setdefault(offer_id, availability)
                found[offer_id] = 1 if availability == IN_STOCK else 0
        return found

    async def recent_orders(
        self, since: datetime, *, known: Mapping[str, Mapping[str, int]] | None = None
    ) -> list[ChannelOrder]:
        """No orders here: YouTube / Google checkout runs on the merchant's own store."""
        return []

    async def aclose(self) -> None:
        await self.transport.aclose()
