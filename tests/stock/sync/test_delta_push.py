"""S-6: a raise on Shopify goes out as a delta and lands whatever the store sold meanwhile."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta

import pytest

from buzzstock.core.context import Context
from buzzstock.sim.channel_fakes import FakeShop, ShopifyFake
from buzzstock.stock import ledger
from buzzstock.stock.sync.allotment import publish
from buzzstock.stock.sync.reconcile import reconcile_channel
from buzzstock.stock.sync.worker import adapter_for
from tests.stock.sync.test_sync_inbox import CHANNEL, SKU, listing, push_all, set_up

SKU_REF = "4001"


@pytest.fixture
def shopify() -> Iterator[ShopifyFake]:
    fake = ShopifyFake(FakeShop({SKU_REF: 0}))
    with fake.running():
        yield fake


def test_a_raise_lands_although_the_store_sold_since_the_hub_last_heard(
    ctx: Context, shopify: ShopifyFake
) -> None:
    set_up(ctx, shopify, SKU_REF, cas=True)
    publish(ctx, CHANNEL, SKU, 10)
    push_all(ctx)
    assert shopify.shop.quantity(SKU_REF) == 10
    for _ in range(3):
        assert shopify.shop.sell(SKU_REF, 1) is not None

    publish(ctx, CHANNEL, SKU, 20)
    push_all(ctx)

    assert shopify.shop.quantity(SKU_REF) == 17, "a compare-and-swap from 10 would be stale"
    state = listing(ctx)
    assert state["exposure"] == 17 + 3, "shown units plus the 3 sold the hub has not booked"
    assert state["pushes"] == 2

    async def reconcile() -> dict[str, int]:
        adapter = adapter_for(ctx, CHANNEL)
        since = ctx.clock.now() - timedelta(minutes=1)
        report = await reconcile_channel(ctx, CHANNEL, adapter, since)
        await adapter.aclose()
        return report.drift

    assert asyncio.run(reconcile()) == {SKU: 0}
    assert listing(ctx)["exposure"] == 17
    assert ledger.verify(ctx.engine).ok
