"""Local HTTP fakes of each platform, built from its documentation (tests and ``livesale``).

Usage::

    fake = ShopifyFake(FakeShop({"4001": 10}, ack_delay=lambda: rng.uniform(0, 2)))
    with fake.running():
        adapter = connect(fake)
        ...
        fake.shop.sell("4001", 2)
        await fake.deliver_events(hub_webhook_url, duplicates=0.3, shuffle=True)
"""

from buzzstock.sim.channel_fakes.amazon import AmazonFake
from buzzstock.sim.channel_fakes.core import (
    FakeEvent,
    FakeOrder,
    FakeShop,
    OrderEmitter,
    PlatformFake,
    ReceivedUpdate,
)
from buzzstock.sim.channel_fakes.generic import GenericShopFake
from buzzstock.sim.channel_fakes.google import GoogleMerchantFake
from buzzstock.sim.channel_fakes.meta import MetaCatalogFake
from buzzstock.sim.channel_fakes.shopee import ShopeeFake
from buzzstock.sim.channel_fakes.shopify import ShopifyFake
from buzzstock.sim.channel_fakes.tiktok import TikTokShopFake
from buzzstock.sim.channel_fakes.wiring import config_for, connect
from buzzstock.sim.channel_fakes.woocommerce import WooCommerceFake
from buzzstock.sim.local_server import serve

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
