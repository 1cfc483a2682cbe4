"""Build an adapter from a platform name and its stored configuration."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from buzzstock.channels.amazon import AmazonAdapter, AmazonConfig
from buzzstock.channels.base import ChannelAdapter, Platform
from buzzstock.channels.generic import GenericShopAdapter, GenericShopConfig
from buzzstock.channels.google import GoogleMerchantAdapter, GoogleMerchantConfig
from buzzstock.channels.meta import MetaCatalogAdapter, MetaCatalogConfig
from buzzstock.channels.secrets import write_only_fields
from buzzstock.channels.settings import ChannelSettings
from buzzstock.channels.shopee import ShopeeAdapter, ShopeeConfig
from buzzstock.channels.shopify import ShopifyAdapter, ShopifyConfig
from buzzstock.channels.tiktok import TikTokShopAdapter, TikTokShopConfig
from buzzstock.channels.woocommerce import WooCommerceAdapter, WooCommerceConfig
from buzzstock.core.clock import Clock, SystemClock

CONFIG_MODELS: dict[Platform, type[BaseModel]] = {
    Platform.SHOPIFY: ShopifyConfig,
    Platform.TIKTOK_SHOP: TikTokShopConfig,
    Platform.AMAZON: AmazonConfig,
    Platform.SHOPEE: ShopeeConfig,
    Platform.WOOCOMMERCE: WooCommerceConfig,
    Platform.GOOGLE_MERCHANT: GoogleMerchantConfig,
    Platform.META: MetaCatalogConfig,
    Platform.GENERIC: GenericShopConfig,
}


def adapter_secret_fields(platform: Platform | str) -> frozenset[str]:
    """The credential fields of ``platform``'s adapter configuration (write-only, issue 11)."""
    return write_only_fields(CONFIG_MODELS[Platform(platform)])


def build_adapter(
    platform: Platform | str,
    config: Mapping[str, Any] | BaseModel,
    settings: ChannelSettings = ChannelSettings(),
    clock: Clock | None = None,
) -> ChannelAdapter:
    """Validate ``config`` with the platform's model (refusing unknown keys) and build the
    adapter; raises ``pydantic.ValidationError`` on bad configuration.

    ``clock`` stamps and checks signed requests and time windows (the hub's clock).
    """
    kind = Platform(platform)
    model = CONFIG_MODELS[kind]
    data = config.model_dump() if isinstance(config, BaseModel) else dict(config)
    validated = model.model_validate(data)
    now = (clock or SystemClock()).now

    def epoch() -> float:
        return now().timestamp()

    if isinstance(validated, ShopifyConfig):
        return ShopifyAdapter(validated, settings=settings)
    if isinstance(validated, TikTokShopConfig):
        return TikTokShopAdapter(validated, settings=settings, epoch_clock=epoch)
    if isinstance(validated, AmazonConfig):
        return AmazonAdapter(validated, settings=settings, clock=now)
    if isinstance(validated, ShopeeConfig):
        return ShopeeAdapter(validated, settings=settings, epoch_clock=epoch)
    if isinstance(validated, WooCommerceConfig):
        return WooCommerceAdapter(validated, settings=settings)
    if isinstance(validated, GoogleMerchantConfig):
        return GoogleMerchantAdapter(validated, settings=settings, clock=now)
    if isinstance(validated, MetaCatalogConfig):
        return MetaCatalogAdapter(validated, settings=settings)
    if isinstance(validated, GenericShopConfig):
        return GenericShopAdapter(validated, settings=settings, epoch_clock=epoch)
    raise ValueError(f"no adapter for {kind.value}")
