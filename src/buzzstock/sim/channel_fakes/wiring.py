"""Configuration that points a real adapter at a running fake (livesale, benchmarks, tests)."""

from __future__ import annotations

from typing import Any

from buzzstock.channels.base import ChannelAdapter, Platform
from buzzstock.channels.registry import build_adapter
from buzzstock.channels.settings import ChannelSettings
from buzzstock.sim.channel_fakes.amazon import AmazonFake
from buzzstock.sim.channel_fakes.core import PlatformFake
from buzzstock.sim.channel_fakes.generic import GenericShopFake
from buzzstock.sim.channel_fakes.google import GoogleMerchantFake
from buzzstock.sim.channel_fakes.meta import MetaCatalogFake
from buzzstock.sim.channel_fakes.shopee import ShopeeFake
from buzzstock.sim.channel_fakes.shopify import ShopifyFake
from buzzstock.sim.channel_fakes.tiktok import TikTokShopFake
from buzzstock.sim.channel_fakes.woocommerce import PREFIX, WooCommerceFake

PLACEHOLDER_CALLBACK = "http://127.0.0.1/unused"


def config_for(fake: PlatformFake, *, callback_url: str = "") -> tuple[Platform, dict[str, Any]]:
    """The platform and adapter configuration matching a running fake's credentials.

    ``callback_url`` is the hub URL the fake's pushes go to (Shopee signs it)."""
    if not fake.base_url:
        raise ValueError("start the fake first (with fake.running())")
    base = fake.base_url
    if isinstance(fake, ShopifyFake):
        return Platform.SHOPIFY, {
            "base_url": base,
            "access_token": fake.access_token,
            "client_secret": fake.client_secret,
            "location_id": fake.location_id,
            "api_version": fake.api_version,
        }
    if isinstance(fake, TikTokShopFake):
        return Platform.TIKTOK_SHOP, {
            "base_url": base,
            "app_key": fake.app_key,
            "app_secret": fake.app_secret,
            "access_token": fake.access_token,
            "shop_cipher": fake.shop_cipher,
        }
    if isinstance(fake, AmazonFake):
        return Platform.AMAZON, {
            "base_url": base,
            "seller_id": fake.seller_id,
            "marketplace_id": fake.marketplace_id,
            "access_token": fake.access_token,
            "product_type": "PRODUCT",
            "queue_url": f"{base}/000000000000/buzzstock-order-change",
            "sqs_endpoint": base,
            "aws_access_key_id": fake.aws_access_key_id,
            "aws_secret_access_key": fake.aws_secret_access_key,
            "aws_region": fake.aws_region,
        }
    if isinstance(fake, ShopeeFake):
        return Platform.SHOPEE, {
            "base_url": base,
            "partner_id": fake.partner_id,
            "partner_key": fake.partner_key,
            "shop_id": fake.shop_id,
            "access_token": fake.access_token,
            "callback_url": callback_url or PLACEHOLDER_CALLBACK,
        }
    if isinstance(fake, WooCommerceFake):
        return Platform.WOOCOMMERCE, {
            "base_url": base + PREFIX,
            "consumer_key": fake.consumer_key,
            "consumer_secret": fake.consumer_secret,
            "webhook_secret": fake.webhook_secret,
        }
    if isinstance(fake, GoogleMerchantFake):
        return Platform.GOOGLE_MERCHANT, {
            "base_url": base,
            "account_id": fake.account_id,
            "data_source_id": "1",
            "access_token": fake.access_token,
        }
    if isinstance(fake, MetaCatalogFake):
        return Platform.META, {
            "base_url": base,
            "catalog_id": fake.catalog_id,
            "access_token": fake.access_token,
            "app_secret": "meta-app-secret",
        }
    if isinstance(fake, GenericShopFake):
        return Platform.GENERIC, {"base_url": base, "secret": fake.secret}
    raise ValueError(f"no wiring for {type(fake).__name__}")


def connect(
    fake: PlatformFake,
    *,
    settings: ChannelSettings = ChannelSettings(),
    callback_url: str = "",
) -> ChannelAdapter:
    """A real adapter talking to ``fake``."""
    platform, config = config_for(fake, callback_url=callback_url)
    return build_adapter(platform, config, settings)
