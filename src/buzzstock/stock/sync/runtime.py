"""S-6: the hub's channel-sync background work, for one process or several.

Per channel: a push worker, an inbox processor, a reconciliation pass and, for platforms that
deliver order notifications through a queue (Amazon SQS), a queue intake; for all: order
confirmation and, during a live sale, velocity re-weighting (S-5) of the SKUs given. Several
processes may run this over the same channels: pushes and deliveries are claimed under leases,
and a queue hands each message to one receiver at a time.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Protocol, runtime_checkable

from sqlalchemy import select

from buzzstock.channels.base import ChannelAdapter, InboundNotification
from buzzstock.channels.settings import ChannelSettings
from buzzstock.core.context import Context, open_context
from buzzstock.core.db import reading
from buzzstock.core.outbox import StopSignal
from buzzstock.core.settings import CoreSettings
from buzzstock.stock.store import channel_listings
from buzzstock.stock.sync.booking import confirm_channel_orders
from buzzstock.stock.sync.inbox import process_inbox, store_notification
from buzzstock.stock.sync.rebalancing import rebalance
from buzzstock.stock.sync.reconcile import reconcile_channel
from buzzstock.stock.sync.settings import SyncSettings
from buzzstock.stock.sync.worker import PushWorker, adapter_for

logger = logging.getLogger(__name__)


@runtime_checkable
class NotificationQueue(Protocol):
    """An adapter whose platform queues its order notifications instead of posting webhooks."""

    async def receive_notifications(
        self, *, max_messages: int = 10, wait_seconds: int = 0
    ) -> list[InboundNotification]: ...

    async def acknowledge(self, notifications: Sequence[InboundNotification]) -> None: ...


async def take_queued_notifications(ctx: Context, channel: str, queue: NotificationQueue) -> int:
    """S-6: move one batch of queued notifications into the inbox; returns how many were received.

    Each message is stored exactly as a webhook delivery is (once per provider event id) and
    only then deleted from the queue: a message whose storing failed, or whose process died in
    between, comes back after the queue's visibility timeout, and a second copy is a duplicate
    the inbox ignores."""
    notifications = await queue.receive_notifications()
    for notification in notifications:
        await asyncio.to_thread(store_notification, ctx, channel, notification)
    await queue.acknowledge(notifications)
    return len(notifications)


async def first_of(*events: asyncio.Event, timeout: float) -> None:
    """Wait until one of ``events`` is set or ``timeout`` seconds have passed."""
    waiters = [asyncio.create_task(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()


def listed_channels(ctx: Context) -> list[str]:
    """Channels with at least one SKU listed."""
    with reading(ctx.engine) as connection:
        return sorted(
            str(code)
            for code in connection.execute(select(channel_listings.c.channel).distinct()).scalars()
        )


async def hub_loops(
    ctx: Context,
    codes: list[str],
    adapters: dict[str, ChannelAdapter],
    settings: SyncSettings,
    stop: asyncio.Event,
    *,
    reconcile: bool = True,
    rebalance_skus: Sequence[str] = (),
    since: datetime | None = None,
) -> None:
    """Run the sync work of ``codes`` until ``stop`` is set."""
    pushers = {code: PushWorker(ctx, code, adapters[code], settings) for code in codes}
    rng = random.Random()

    async def inbox_loop(code: str) -> None:
        while not stop.is_set():
            try:
                done = await process_inbox(ctx, code, adapters[code], settings)
            except Exception:  # a failed batch is retried once its lease ends
                done = 0
            if not done:
                await asyncio.sleep(settings.worker_poll_seconds)

    async def queue_loop(code: str, queue: NotificationQueue) -> None:
        while not stop.is_set():
            try:
                received = await take_queued_notifications(ctx, code, queue)
            except Exception:  # what was not stored stays in the queue and comes back
                received = 0
            if not received:
                await asyncio.sleep(settings.worker_poll_seconds)

    async def confirm_loop() -> None:
        while not stop.is_set():
            done = await asyncio.to_thread(confirm_channel_orders, ctx, limit=20)
            await asyncio.sleep(settings.confirm_interval_seconds / (2 if done else 1))

    async def rebalance_loop() -> None:
        while not stop.is_set():
            for sku in rebalance_skus:
                try:
                    await asyncio.to_thread(rebalance, ctx, sku, settings)
                except Exception:  # one failed round must not stop the sync; the next re-plans
                    logger.exception("re-weighting %s failed", sku)
            for pusher in pushers.values():
                pusher.poke()
            await asyncio.sleep(settings.rebalance_interval_seconds)

    async def reconcile_loop(code: str) -> None:
        last = since or ctx.clock.now()
        blind_acknowledged = pushers[code].blind_acknowledged
        while not stop.is_set():
            interval = settings.reconcile_interval_seconds * (0.75 + rng.random() / 2)
            await first_of(blind_acknowledged, stop, timeout=interval)
            if stop.is_set():
                return
            blind_acknowledged.clear()
            started = ctx.clock.now()
            try:
                await reconcile_channel(ctx, code, adapters[code], last, settings)
            except Exception:  # the next pass covers the same window
                continue
            last = started

    loops = [pusher.run(stop) for pusher in pushers.values()]
    loops += [inbox_loop(code) for code in codes]
    loops += [
        queue_loop(code, queue)
        for code in codes
        if isinstance(queue := adapters[code], NotificationQueue)
    ]
    loops.append(confirm_loop())
    if rebalance_skus:
        loops.append(rebalance_loop())
    if reconcile:
        loops += [reconcile_loop(code) for code in codes]
    await asyncio.gather(*loops)


def run_sync_worker(
    settings: CoreSettings,
    stop: StopSignal,
    *,
    channels: Sequence[str] = (),
    reconcile: bool = True,
    rebalance_skus: Sequence[str] = (),
    channel_settings: ChannelSettings | None = None,
    sync_settings: SyncSettings | None = None,
) -> None:
    """A sync worker (one process): runs ``hub_loops`` until ``stop`` is set.

    Channel and sync settings default to the configured ones (``[channels]``, ``[sync]``)."""
    ctx = open_context(settings, migrate=False, pool_size=16)
    channel_settings = channel_settings or settings.section(ChannelSettings)
    sync_settings = sync_settings or settings.section(SyncSettings)

    async def main() -> None:
        # Database calls run in threads and may wait on the write lock: give them enough threads.
        asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(max_workers=32))
        codes = list(channels) or listed_channels(ctx)
        adapters = {code: adapter_for(ctx, code, channel_settings) for code in codes}
        halt = asyncio.Event()

        async def watch() -> None:
            while not stop.is_set():
                await asyncio.sleep(0.05)
            halt.set()

        await asyncio.gather(
            watch(),
            hub_loops(
                ctx,
                codes,
                adapters,
                sync_settings,
                halt,
                reconcile=reconcile,
                rebalance_skus=rebalance_skus,
                since=ctx.clock.now(),
            ),
        )
        for adapter in adapters.values():
            await adapter.aclose()

    try:
        asyncio.run(main())
    finally:
        ctx.close()
