"""S-6: a blind set's acknowledgement triggers the channel's reconciliation at once, which
frees the display the set overwrote (it stays counted until the channel is read back)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from buzzstock.core.context import Context
from buzzstock.core.db import reading
from buzzstock.sim.channel_fakes import FakeShop, TikTokShopFake
from buzzstock.stock import ledger
from buzzstock.stock.store import channel_listings
from buzzstock.stock.sync.allotment import publish
from buzzstock.stock.sync.runtime import hub_loops
from buzzstock.stock.sync.settings import SyncSettings
from buzzstock.stock.sync.worker import adapter_for
from tests.stock.sync.test_sync_inbox import CHANNEL, SKU, listing, push_all, set_up

SKU_REF = "1729:3001"


@pytest.fixture
def tiktok() -> Iterator[TikTokShopFake]:
    fake = TikTokShopFake(FakeShop({SKU_REF: 0}))
    with fake.running():
        yield fake


def reconciled(ctx: Context) -> bool:
    with reading(ctx.engine) as connection:
        return connection.execute(select(channel_listings.c.reconciled_at)).scalar() is not None


def test_a_blind_raise_is_read_back_as_soon_as_it_is_acknowledged(
    ctx: Context, tiktok: TikTokShopFake
) -> None:
    set_up(ctx, tiktok, SKU_REF, cas=False)
    publish(ctx, CHANNEL, SKU, 30)
    push_all(ctx)
    for _ in range(5):
        assert tiktok.shop.sell(SKU_REF, 1) is not None
    publish(ctx, CHANNEL, SKU, 40)
    adapter = adapter_for(ctx, CHANNEL)
    hourly = SyncSettings(reconcile_interval_seconds=3600)

    async def run() -> dict[str, int]:
        stop = asyncio.Event()
        loops = asyncio.create_task(hub_loops(ctx, [CHANNEL], {CHANNEL: adapter}, hourly, stop))
        deadline = time.monotonic() + 15
        while not await asyncio.to_thread(reconciled, ctx) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        stop.set()
        await loops
        await adapter.aclose()
        return listing(ctx)

    state = asyncio.run(run())
    assert tiktok.shop.quantity(SKU_REF) == 40
    assert state["exposure"] == 40, "the overwritten display (25 shown + 5 sold) is freed"
    assert state["allotment_free"] == 40
    assert ledger.verify(ctx.engine).ok
