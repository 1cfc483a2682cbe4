"""`buzzstock livesale`: a multi-platform live sale through the real hub and the platform fakes
(S-1, S-5, S-6, S-11), against the naive strategy of showing every channel the full stock and
a forecast-split reference (both in ``livesale_buyers``, with the buyers).

Every side faces the same buyers; the fakes refuse to sell more than they show. Here the hub
runs as in production (its API and workers in their own processes); the fakes acknowledge
pushes after 0 to ``max_ack_delay`` seconds and deliver their orders late, shuffled and partly
duplicated (webhooks; Amazon through its SQS queue). Oversold units are counted from what the
fakes accepted (``shop.accepted_units``), not from the hub's counters.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import random
import socket
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from sqlalchemy import func, select

from buzzstock.api.app import create_app
from buzzstock.catalog.model import Channel, Market, Region, Sku, Warehouse
from buzzstock.channels.latency import percentile
from buzzstock.channels.settings import ChannelSettings
from buzzstock.core.context import Context, open_context
from buzzstock.core.db import reading
from buzzstock.settings import Settings
from buzzstock.shop import ShopFile, load_shop
from buzzstock.sim.channel_fakes import (
    AmazonFake,
    GenericShopFake,
    OrderEmitter,
    PlatformFake,
    ShopeeFake,
    ShopifyFake,
    TikTokShopFake,
    WooCommerceFake,
    config_for,
)
from buzzstock.sim.livesale_buyers import (
    MARKETS,
    SKU,
    ChannelPlan,
    LiveSaleConfig,
    SideResult,
    accepted_units,
    make_fakes,
    plan_channels,
    run_buyers,
    run_forecast_split,
    run_naive,
    serving,
    sku_ref_of,
    watch_sellouts,
)
from buzzstock.stock.pool import receive, set_quotas
from buzzstock.stock.store import channel_listings
from buzzstock.stock.sync.allotment import connect_listing
from buzzstock.stock.sync.rebalancing import open_sale
from buzzstock.stock.sync.runtime import run_sync_worker
from buzzstock.stock.sync.settings import SyncSettings
from buzzstock.stock.sync.store import channel_inbox, channel_order_lines, channel_sync_samples

REGIONS = {"US": (39.8, -98.6, "America/Chicago"), "EU": (50.1, 9.7, "Europe/Berlin")}
REGIONS["SEA"] = (3.1, 101.7, "Asia/Kuala_Lumpur")
QUOTA_WEIGHTS = {"US": 0.4, "EU": 0.33, "SEA": 0.27}
WAREHOUSES = {"LAX": ("US", 34.05, -118.24), "HAM": ("EU", 53.55, 9.99)}
WAREHOUSES["SIN"] = ("SEA", 1.35, 103.82)
PLATFORM_NAMES = {
    ShopifyFake: "shopify",
    TikTokShopFake: "tiktok_shop",
    ShopeeFake: "shopee",
    WooCommerceFake: "woocommerce",
    GenericShopFake: "generic",
    AmazonFake: "amazon",
}
REDELIVERY_SECONDS = 60.0
"""How long after the sale the fakes retry deliveries the hub did not answer."""


def _catalogue(plans: list[ChannelPlan], fakes: list[PlatformFake], hub_url: str) -> ShopFile:
    channels = []
    for plan, fake in zip(plans, fakes, strict=True):
        platform, adapter_config = config_for(
            fake, callback_url=webhook_url(hub_url, plan.code, fake)
        )
        channels.append(
            Channel(
                code=plan.code,
                name=f"{platform.value} {plan.market}",
                platform=platform,
                market=plan.market,
                settings={"adapter": adapter_config},
            )
        )
    return ShopFile(
        regions=[
            Region(code=code, name=code, timezone=zone, lat=lat, lon=lon)
            for code, (lat, lon, zone) in REGIONS.items()
        ],
        markets=[
            Market(code=code, name=code, region=region, currency="USD", timezone=REGIONS[region][2])
            for code, region in MARKETS.items()
        ],
        warehouses=[
            Warehouse(
                code=code,
                name=code,
                region=region,
                city=code,
                lat=lat,
                lon=lon,
                daily_capacity=100_000,
            )
            for code, (region, lat, lon) in WAREHOUSES.items()
        ],
        channels=channels,
        skus=[Sku(code=SKU, name="Live-sale bracelet")],
    )


def webhook_url(hub_url: str, channel: str, fake: PlatformFake) -> str:
    """The hub URL a channel's fake delivers its order webhooks to (docs/channels.md)."""
    return f"{hub_url}/api/v1/channels/{channel}/webhooks/{PLATFORM_NAMES[type(fake)]}"


def set_up_hub(
    ctx: Context,
    config: LiveSaleConfig,
    plans: list[ChannelPlan],
    fakes: list[PlatformFake],
    hub_url: str,
) -> None:
    """Catalogue, stock split into region quotas and elastic (S-3), listings on every channel."""
    load_shop(ctx, _catalogue(plans, fakes, hub_url))
    per_region = {region: 0 for region in QUOTA_WEIGHTS}
    left = config.units
    for region in list(QUOTA_WEIGHTS)[:-1]:
        per_region[region] = round(config.units * QUOTA_WEIGHTS[region])
        left -= per_region[region]
    per_region[list(QUOTA_WEIGHTS)[-1]] = left
    for warehouse, (region, _, _) in WAREHOUSES.items():
        if per_region[region]:
            receive(ctx, SKU, warehouse, per_region[region])
    set_quotas(ctx, SKU, QUOTA_WEIGHTS)
    for plan, fake in zip(plans, fakes, strict=True):
        cas = type(fake) in (ShopifyFake, GenericShopFake)
        connect_listing(ctx, plan.code, SKU, sku_ref_of(plan), compare_and_swap=cas)


def publish_opening(ctx: Context, plans: list[ChannelPlan], settings: SyncSettings) -> None:
    """Open the sale on every channel in proportion to the seller's forecast of its demand."""
    open_sale(
        ctx, SKU, {plan.code: plan.expected_rate for plan in plans}, settings.initial_channel_share
    )


def worker_process(
    database_url: str, codes: list[str], calls_per_minute: int, manage: bool, stop: Any
) -> None:
    """A hub worker process; the first (``manage``) also re-weights and reconciles."""
    run_sync_worker(
        Settings(database_url=database_url),
        stop,
        channels=codes,
        reconcile=manage,
        rebalance_skus=[SKU] if manage else [],
        channel_settings=ChannelSettings(rate_limit_calls=calls_per_minute),
    )


def api_process(database_url: str, port: int) -> None:
    """The hub's HTTP API (webhook intake among it) in its own process."""
    ctx = open_context(Settings(database_url=database_url), migrate=False, pool_size=16)
    try:
        uvicorn.run(create_app(ctx), host="127.0.0.1", port=port, log_level="warning")
    finally:
        ctx.close()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class HubRun:
    result: SideResult
    deliveries: int
    inbox_rows: int
    inbox_pending: int
    pushes_pending: int


async def run_hub(config: LiveSaleConfig, plans: list[ChannelPlan]) -> HubRun:
    """The same buyers, with buzzstock publishing allotments and syncing every channel: the
    hub's API and its workers run in their own processes, as in production."""
    with tempfile.TemporaryDirectory() as folder:
        database_url = config.database_url or f"sqlite:///{Path(folder) / 'livesale.db'}"
        ctx = open_context(Settings(database_url=database_url), pool_size=4)
        try:
            return await _run_hub(ctx, config, plans, database_url)
        finally:
            ctx.close()


async def _wait_until(check: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await asyncio.to_thread(check):
            return True
        await asyncio.sleep(0.05)
    return False


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False


async def _run_hub(
    ctx: Context, config: LiveSaleConfig, plans: list[ChannelPlan], database_url: str
) -> HubRun:
    settings = ctx.section(SyncSettings)
    fakes = make_fakes(config, plans)
    rng = random.Random(config.seed + 2)
    codes = [plan.code for plan in plans]
    port = free_port()
    hub_url = f"http://127.0.0.1:{port}"
    spawn = multiprocessing.get_context("spawn")
    stop = spawn.Event()
    processes = [spawn.Process(target=api_process, args=(database_url, port), daemon=True)]
    for index in range(max(1, config.worker_processes)):
        processes.append(
            spawn.Process(
                target=worker_process,
                args=(database_url, codes, config.channel_calls_per_minute, index == 0, stop),
                daemon=True,
            )
        )
    with serving(fakes):
        set_up_hub(ctx, config, plans, fakes, hub_url)
        for process in processes:
            process.start()
        try:
            if not await _wait_until(lambda: _answers(f"{hub_url}/api/v1/health"), 30.0):
                raise RuntimeError("the hub API process did not start")
            publish_opening(ctx, plans, settings)
            await _wait_until(lambda: hub_stats(ctx)["pushes_pending"] == 0, 30.0)
            deliveries = 0
            stop_sale = asyncio.Event()

            async def deliver(plan: ChannelPlan, fake: PlatformFake) -> None:
                nonlocal deliveries
                url = webhook_url(hub_url, plan.code, fake)
                give_up_at = float("inf")
                async with httpx.AsyncClient(timeout=10.0) as client:
                    while True:
                        finished = stop_sale.is_set()
                        if finished and give_up_at == float("inf"):
                            give_up_at = time.monotonic() + REDELIVERY_SECONDS
                        if isinstance(fake, AmazonFake):
                            # Amazon posts no webhooks: its notifications wait in SQS for the hub.
                            deliveries += fake.enqueue_events(
                                duplicates=config.duplicate_share, shuffle=True, rng=rng
                            )
                        elif isinstance(fake, OrderEmitter):
                            statuses = await fake.deliver_events(
                                url,
                                duplicates=config.duplicate_share,
                                shuffle=True,
                                rng=rng,
                                client=client,
                                concurrency=config.webhook_concurrency,
                            )
                            deliveries += len(statuses)
                        # After the sale, deliveries that got no answer are retried until
                        # the hub took every event (as the platforms retry, for hours).
                        if finished and (
                            not fake.shop.pending_events or time.monotonic() > give_up_at
                        ):
                            break
                        await asyncio.sleep(rng.uniform(0.1, config.webhook_delay_seconds))
                if isinstance(fake, AmazonFake):
                    # Queued notifications count as delivered once the hub has taken them all
                    # (stored, then deleted), as a webhook counts once the hub answered it.
                    amazon = fake
                    await _wait_until(lambda: not amazon.queue, 30.0)

            watcher_stop = asyncio.Event()
            watcher = asyncio.create_task(watch_sellouts(plans, fakes, config.units, watcher_stop))
            deliverers = [
                asyncio.create_task(deliver(plan, fake))
                for plan, fake in zip(plans, fakes, strict=True)
            ]
            attempts = await run_buyers(plans, fakes, time.monotonic())
            watcher_stop.set()
            tally = await watcher
            stop_sale.set()
            await asyncio.gather(*deliverers)
            await _wait_until(_drained(ctx), 30.0)
        finally:
            stop.set()
            for process in processes[1:]:
                process.join(timeout=15)
            processes[0].terminate()
            processes[0].join(timeout=5)
    accepted = accepted_units(fakes)
    stats = hub_stats(ctx)
    result = SideResult(
        oversold_units=max(0, accepted - config.units),
        served_units=min(accepted, config.units),
        demand_units=sum(attempts),
        false_sellout_share=tally.share,
        extra={
            "sync_p50_ms": stats["sync_p50_ms"],
            "sync_p99_ms": stats["sync_p99_ms"],
            "pushes": stats["pushes"],
            "changes": stats["changes"],
            "booked_units": stats["booked_units"],
        },
    )
    return HubRun(
        result,
        deliveries,
        stats["inbox_rows"],
        stats["inbox_pending"],
        stats["pushes_pending"],
    )


def _drained(ctx: Context) -> Callable[[], bool]:
    def check() -> bool:
        stats = hub_stats(ctx)
        return bool(stats["inbox_pending"] == 0 and stats["pushes_pending"] == 0)

    return check


def hub_stats(ctx: Context) -> dict[str, Any]:
    with reading(ctx.engine) as connection:
        seconds = sorted(
            float(value)
            for value in connection.execute(select(channel_sync_samples.c.seconds)).scalars()
        )
        listing = connection.execute(
            select(
                func.coalesce(func.sum(channel_listings.c.pushes_sent), 0),
                func.coalesce(func.sum(channel_listings.c.changes), 0),
            )
        ).one()
        pending = connection.execute(
            select(func.count()).where(
                channel_listings.c.version > channel_listings.c.acknowledged_version,
                channel_listings.c.version > channel_listings.c.failed_version,
            )
        ).scalar_one()
        inbox_rows = connection.execute(
            select(func.count()).select_from(channel_inbox)
        ).scalar_one()
        inbox_pending = connection.execute(
            select(func.count()).where(channel_inbox.c.state == "pending")
        ).scalar_one()
        booked = connection.execute(
            select(func.coalesce(func.sum(channel_order_lines.c.quantity), 0)).where(
                channel_order_lines.c.status == "created"
            )
        ).scalar_one()
    return {
        "sync_p50_ms": round(percentile(seconds, 0.5) * 1000, 1),
        "sync_p99_ms": round(percentile(seconds, 0.99) * 1000, 1),
        "pushes": int(listing[0]),
        "changes": int(listing[1]),
        "pushes_pending": int(pending),
        "inbox_rows": int(inbox_rows),
        "inbox_pending": int(inbox_pending),
        "booked_units": int(booked),
    }


def run_livesale(config: LiveSaleConfig) -> dict[str, Any]:
    """Run both strategies on the same buyers; the document ``--json`` writes."""
    plans = plan_channels(config)
    naive = asyncio.run(run_naive(config, plans))
    reference = run_forecast_split(config, plans)
    hub = asyncio.run(run_hub(config, plans))
    return {
        "channels": config.channels,
        "max_ack_delay_s": config.max_ack_delay,
        "units": config.units,
        "seed": config.seed,
        "naive": naive.as_dict(),
        "hub": hub.result.as_dict(),
        "forecast_split": reference.as_dict(),
        "webhook_deliveries": hub.deliveries,
        "webhooks_stored_once": hub.inbox_rows,
        "webhooks_unprocessed": hub.inbox_pending,
        "pushes_unacknowledged": hub.pushes_pending,
    }
