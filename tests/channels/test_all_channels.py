"""Every platform through the one interface: push, read back, measure, refuse bad config."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from pydantic import ValidationError

from buzzstock.channels import (
    ChannelSettings,
    Platform,
    PushOutcome,
    build_adapter,
    summarize_sync_latency,
)
from buzzstock.sim.channel_fakes import (
    AmazonFake,
    FakeShop,
    GenericShopFake,
    GoogleMerchantFake,
    MetaCatalogFake,
    PlatformFake,
    ShopeeFake,
    ShopifyFake,
    TikTokShopFake,
    WooCommerceFake,
    connect,
)

FAKES: dict[str, tuple[Callable[[FakeShop], PlatformFake], str]] = {
    "shopify": (ShopifyFake, "4001"),
    "tiktok_shop": (TikTokShopFake, "17:51"),
    "amazon": (AmazonFake, "BZ-1"),
    "shopee": (ShopeeFake, "80:1"),
    "woocommerce": (WooCommerceFake, "31"),
    "google_merchant": (GoogleMerchantFake, "BZ-1"),
    "meta": (MetaCatalogFake, "rid-1"),
    "generic": (GenericShopFake, "MUG-1"),
}


@pytest.mark.parametrize("name", sorted(FAKES))
def test_every_adapter_publishes_to_its_fake_within_the_sync_target(name: str) -> None:
    make, sku = FAKES[name]
    fake = make(FakeShop({sku: 5}, ack_delay=0.05))
    with fake.running():

        async def scenario() -> None:
            adapter = connect(fake)
            assert adapter.platform is Platform(name)
            result = await adapter.set_quantity(sku, 8, expected_previous=5)
            assert result.outcome is PushOutcome.ACKNOWLEDGED
            expected = 1 if not adapter.capabilities.exact_quantity else 8
            assert await adapter.read_quantities([sku]) == {sku: expected}
            await adapter.aclose()

        asyncio.run(scenario())
    [update] = fake.shop.updates
    latency = summarize_sync_latency([update.applied_at - update.received_at])
    assert 50 <= latency.p99_ms < ChannelSettings().sync_target_standard_seconds * 1000


def test_bad_configuration_is_refused_before_any_call() -> None:
    with pytest.raises(ValidationError):
        build_adapter("shopify", {"base_url": "https://x.myshopify.com"})
    with pytest.raises(ValidationError):
        build_adapter(
            "generic", {"base_url": "https://shop.example", "secret": "whsec_x", "extra": 1}
        )
    with pytest.raises(ValueError):
        build_adapter("ebay", {})


def test_latency_summary_uses_the_spec_targets() -> None:
    summary = summarize_sync_latency([0.1, 0.2, 0.4, 0.9, 1.2, 2.0, 0.3, 0.3, 0.3, 0.3])
    assert summary.count == 10
    assert summary.p50_ms == pytest.approx(300)
    assert summary.p99_ms == pytest.approx(2000)
    assert summary.within_goal_share == pytest.approx(0.7)
    assert summary.within_standard_share == pytest.approx(0.9)
