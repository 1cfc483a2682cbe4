"""`buzzstock livesale`: a multi-platform live sale through the real hub and the platform fakes
(S-1, S-5, S-6, S-11), against the naive strategy of showing every channel the full stock.

Both strategies face the same buyers: each channel has its own sales rate (one spikes in the
middle of the sale), buyers order on the channel fakes, which refuse to sell more than they
show. The fakes acknowledge pushes after 0 to ``max_ack_delay`` seconds and deliver their order
webhooks late, shuffled and partly duplicated. Oversold units are counted from what the fakes
accepted (``shop.accepted_units``), not from the hub's counters.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import random
import socket
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from sqlalchemy import func, select

from buzzstock.api.app import create_app
from buzzstock.catalog.model import Catalogue, Channel, Market, Region, Sku, Warehouse
from buzzstock.catalog.service import load_catalogue
from buzzstock.channels.fakes import (
    AmazonFake,
    FakeShop,
    GenericShopFake,
    OrderEmitter,
    PlatformFake,
    ShopeeFake,
    ShopifyFake,
    TikTokShopFake,
    WooCommerceFake,
    config_for,
    connect,
)
from buzzstock.channels.latency import percentile
from buzzstock.channels.settings import ChannelSettings
from buzzstock.core.context import Context, open_context
from buzzstock.core.db import reading
from buzzstock.core.settings import Settings
from buzzstock.stock.allotment import connect_listing
from buzzstock.stock.pool import receive, set_quotas
from buzzstock.stock.publication import share_units
from buzzstock.stock.rebalancing import open_sale
from buzzstock.stock.store import channel_listings
from buzzstock.stock.sync_runtime import run_sync_worker
from buzzstock.stock.sync_settings import SyncSettings
from buzzstock.stock.sync_store import channel_inbox, channel_order_lines, channel_sync_samples

SKU = "LIVE-BAND"
SAMPLE_SECONDS = 0.05
REGIONS = {"US": (39.8, -98.6, "America/Chicago"), "EU": (50.1, 9.7, "Europe/Berlin")}
REGIONS["SEA"] = (3.1, 101.7, "Asia/Kuala_Lumpur")
QUOTA_WEIGHTS = {"US": 0.4, "EU": 0.33, "SEA": 0.27}
MARKETS = {"US": "US", "DE": "EU", "MY": "SEA"}
WAREHOUSES = {"LAX": ("US", 34.05, -118.24), "HAM": ("EU", 53.55, 9.99)}
WAREHOUSES["SIN"] = ("SEA", 1.35, 103.82)
FAKE_KINDS: list[Callable[[FakeShop], PlatformFake]] = [
    ShopifyFake,
    TikTokShopFake,
    ShopeeFake,
    WooCommerceFake,
    GenericShopFake,
    AmazonFake,
]
PLATFORM_NAMES = {
    ShopifyFake: "shopify",
    TikTokShopFake: "tiktok_shop",
    ShopeeFake: "shopee",
    WooCommerceFake: "woocommerce",
    GenericShopFake: "generic",
    AmazonFake: "amazon",
}
CATALOGUE_PLATFORMS = {"generic": "custom"}
SKU_REFS = {
    ShopifyFake: "4001",
    TikTokShopFake: "1729:3001",
    ShopeeFake: "8801:0",
    WooCommerceFake: "501",
    GenericShopFake: "LIVE-BAND",
    AmazonFake: "BZ-LIVE-BAND",
}


@dataclass(frozen=True)
class LiveSaleConfig:
    """What the simulated sale looks like (S-11)."""

    channels: int = 8
    max_ack_delay: float = 2.0
    seed: int = 0
    units: int = 1000
    duration_seconds: float = 8.0
    demand_ratio: float = 1.6
    """Buyers arriving over the sale, as a multiple of the units for sale."""
    duplicate_share: float = 0.3
    webhook_delay_seconds: float = 0.6
    """Deliveries leave each fake in batches every 0.1 s to this many seconds."""
    worker_processes: int = 1
    """Hub worker processes (push workers, inbox processors); the API runs in one more."""
    database_url: str | None = None
    channel_calls_per_minute: int = 600


@dataclass
class SideResult:
    oversold_units: int
    served_units: int
    demand_units: int
    false_sellout_share: float
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "oversold_units": self.oversold_units,
            "served_units": self.served_units,
            "demand_units": self.demand_units,
            "false_sellout_share": round(self.false_sellout_share, 4),
            **self.extra,
        }


@dataclass(frozen=True)
class ChannelPlan:
    code: str
    kind: Callable[[FakeShop], PlatformFake]
    market: str
    arrivals: tuple[float, ...]
    expected_rate: float
    """The seller's forecast of units per second (the spike is not in it)."""


def plan_channels(config: LiveSaleConfig) -> list[ChannelPlan]:
    """Seeded buyers per channel: uneven rates, and one channel spiking mid-sale (S-5)."""
    rng = random.Random(config.seed)
    weights = [rng.lognormvariate(0.0, 0.6) for _ in range(config.channels)]
    spiking = rng.randrange(config.channels)
    total_buyers = config.units * config.demand_ratio
    plans = []
    for index in range(config.channels):
        rate = total_buyers * weights[index] / sum(weights) / config.duration_seconds
        arrivals: list[float] = []
        moment = 0.0
        while True:
            boost = 3.0 if index == spiking and moment > config.duration_seconds / 2 else 1.0
            moment += rng.expovariate(rate * boost)
            if moment >= config.duration_seconds:
                break
            arrivals.append(moment)
        kind = FAKE_KINDS[index % len(FAKE_KINDS)]
        market = list(MARKETS)[index % len(MARKETS)]
        plans.append(ChannelPlan(f"live-{index + 1}", kind, market, tuple(arrivals), rate))
    return plans


def sku_ref_of(plan: ChannelPlan) -> str:
    return SKU_REFS[plan.kind]  # type: ignore[index]


def _make_fakes(config: LiveSaleConfig, plans: list[ChannelPlan]) -> list[PlatformFake]:
    rng = random.Random(config.seed + 1)
    return [
        plan.kind(
            FakeShop(
                {sku_ref_of(plan): 0},
                ack_delay=lambda: rng.uniform(0.0, config.max_ack_delay),
            )
        )
        for plan in plans
    ]


@contextmanager
def _running(fakes: list[PlatformFake]) -> Iterator[None]:
    with ExitStack() as stack:
        for fake in fakes:
            stack.enter_context(fake.running())
        yield


async def _buyers(plans: list[ChannelPlan], fakes: list[PlatformFake], started: float) -> list[int]:
    """Every planned buyer tries to order one unit on its channel; returns attempts."""

    async def one(plan: ChannelPlan, fake: PlatformFake) -> int:
        for arrival in plan.arrivals:
            wait = started + arrival - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            fake.shop.sell(sku_ref_of(plan), 1)
        return len(plan.arrivals)

    return list(await asyncio.gather(*(one(p, f) for p, f in zip(plans, fakes, strict=True))))


@dataclass
class SelloutTally:
    """S-8 false sell-out: (channel, instant) samples of the sale, and those where a channel
    showed zero while unsold units existed somewhere (what a buyer there would not see)."""

    samples: int = 0
    false_samples: int = 0

    def sample(self, plans: list[ChannelPlan], fakes: list[PlatformFake], units: int) -> None:
        self.samples += len(plans)
        if _accepted(fakes) < units:
            self.false_samples += sum(
                fake.shop.quantity(sku_ref_of(plan)) == 0
                for plan, fake in zip(plans, fakes, strict=True)
            )

    @property
    def share(self) -> float:
        """Share of the sale's channel time: the issue's "under 2 % of sale time"."""
        return self.false_samples / self.samples if self.samples else 0.0


async def _watch_sellouts(
    plans: list[ChannelPlan], fakes: list[PlatformFake], units: int, stop: asyncio.Event
) -> SelloutTally:
    tally = SelloutTally()
    while not stop.is_set():
        tally.sample(plans, fakes, units)
        await asyncio.sleep(SAMPLE_SECONDS)
    return tally


def _accepted(fakes: list[PlatformFake]) -> int:
    return sum(sum(fake.shop.accepted_units.values()) for fake in fakes)


async def run_naive(config: LiveSaleConfig, plans: list[ChannelPlan]) -> SideResult:
    """Every channel is shown the full stock, pushed once through its adapter; buyers then come
    in the planned order (nothing else changes the displays, so no waiting is needed)."""
    fakes = _make_fakes(config, plans)
    settings = ChannelSettings(rate_limit_calls=config.channel_calls_per_minute)
    with _running(fakes):
        adapters = [connect(fake, settings=settings) for fake in fakes]
        await asyncio.gather(
            *(
                adapter.set_quantity(sku_ref_of(plan), config.units, expected_previous=0)
                for adapter, plan in zip(adapters, plans, strict=True)
            )
        )
        for adapter in adapters:
            await adapter.aclose()
        return _replay_buyers(config, plans, fakes)


def run_forecast_split(config: LiveSaleConfig, plans: list[ChannelPlan]) -> SideResult:
    """A reference, not a strategy one can run: every channel shows its forecast share of the
    stock from the first second, with displays that change instantly and never again. It
    cannot oversell, and its false sell-out is what demand's own randomness costs a split
    fixed in advance (the hub has to beat it while its pushes take up to ``max_ack_delay``)."""
    fakes = _make_fakes(config, plans)
    split = share_units(
        config.units,
        {plan.code: config.units for plan in plans},
        {plan.code: plan.expected_rate for plan in plans},
    )
    for plan, fake in zip(plans, fakes, strict=True):
        fake.shop.quantities[sku_ref_of(plan)] = split[plan.code]
    return _replay_buyers(config, plans, fakes)


def _replay_buyers(
    config: LiveSaleConfig, plans: list[ChannelPlan], fakes: list[PlatformFake]
) -> SideResult:
    """The planned buyers in order on displays nothing else changes (no waiting needed)."""
    buyers = sorted(
        (arrival, index) for index, plan in enumerate(plans) for arrival in plan.arrivals
    )
    tally = SelloutTally()
    next_sample = 0.0
    for arrival, index in buyers:
        while next_sample <= arrival:
            tally.sample(plans, fakes, config.units)
            next_sample += SAMPLE_SECONDS
        fakes[index].shop.sell(sku_ref_of(plans[index]), 1)
    while next_sample < config.duration_seconds:
        tally.sample(plans, fakes, config.units)
        next_sample += SAMPLE_SECONDS
    accepted = _accepted(fakes)
    return SideResult(
        oversold_units=max(0, accepted - config.units),
        served_units=min(accepted, config.units),
        demand_units=len(buyers),
        false_sellout_share=tally.share,
    )


def _catalogue(plans: list[ChannelPlan], fakes: list[PlatformFake], hub_url: str) -> Catalogue:
    channels = []
    for plan, fake in zip(plans, fakes, strict=True):
        platform, adapter_config = config_for(
            fake, callback_url=webhook_url(hub_url, plan.code, fake)
        )
        channels.append(
            Channel(
                code=plan.code,
                name=f"{platform.value} {plan.market}",
                platform=CATALOGUE_PLATFORMS.get(platform.value, platform.value),
                market=plan.market,
                settings={"adapter": adapter_config, "adapter_platform": platform.value},
            )
        )
    return Catalogue(
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
    load_catalogue(ctx, _catalogue(plans, fakes, hub_url))
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
    settings = ctx.settings.sync
    fakes = _make_fakes(config, plans)
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
    with _running(fakes):
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
                async with httpx.AsyncClient(timeout=10.0) as client:
                    while True:
                        finished = stop_sale.is_set()
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
                            )
                            deliveries += len(statuses)
                        if finished:
                            break
                        await asyncio.sleep(rng.uniform(0.1, config.webhook_delay_seconds))
                if isinstance(fake, AmazonFake):
                    # Queued notifications count as delivered once the hub has taken them all
                    # (stored, then deleted), as a webhook counts once the hub answered it.
                    amazon = fake
                    await _wait_until(lambda: not amazon.queue, 30.0)

            watcher_stop = asyncio.Event()
            watcher = asyncio.create_task(_watch_sellouts(plans, fakes, config.units, watcher_stop))
            deliverers = [
                asyncio.create_task(deliver(plan, fake))
                for plan, fake in zip(plans, fakes, strict=True)
            ]
            attempts = await _buyers(plans, fakes, time.monotonic())
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
    accepted = _accepted(fakes)
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
