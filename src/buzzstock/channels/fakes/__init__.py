"""Local HTTP fakes of each platform, built from its documentation (tests and ``livesale``).

Usage::

    fake = ShopifyFake(FakeShop({"4001": 10}, ack_delay=lambda: rng.uniform(0, 2)))
    with fake.running():
        adapter = connect(fake)
        ...
        fake.shop.sell("4001", 2)
        await fake.deliver_events(hub_webhook_url, duplicates=0.3, shuffle=True)
"""

from buzzstock.channels.fakes.amazon import AmazonFake
from buzzstock.channels.fakes.core import (
    FakeEvent,
    FakeOrder,
    FakeShop,
    OrderEmitter,
    PlatformFake,
    ReceivedUpdate,
)
from buzzstock.channels.fakes.generic import GenericShopFake
from buzzstock.channels.fakes.google import GoogleMerchantFake
from buzzstock.channels.fakes.meta import MetaCatalogFake
from buzzstock.channels.fakes.shopee import ShopeeFake
from buzzstock.channels.fakes.shopify import ShopifyFake
from buzzstock.channels.fakes.tiktok import TikTokShopFake
from buzzstock.channels.fakes.wiring import config_for, connect
from buzzstock.channels.fakes.woocommerce import WooCommerceFake
from buzzstock.core.local_server import serve

__all__ = [
    "AmazonFake",
    "FakeEvent",
    "FakeOrder",
    "FakeShop",
    "GenericShopFake",
    "GoogleMerchantFake",
    "MetaCatalogFake",
    "OrderEmitter",
    "PlatformFake",
    "ReceivedUpdate",
    "ShopeeFake",
    "ShopifyFake",
    "TikTokShopFake",
    "WooCommerceFake",
    "config_for",
    "connect",
    "serve",
]
