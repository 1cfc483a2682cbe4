"""The buyers of `buzzstock livesale` and the strategies that need no hub (S-11).

Seeded buyers per channel (uneven rates, one channel spiking mid-sale), the platform fakes
they order on, the false sell-out tally, and two sides of the comparison: the naive strategy
(every channel shown the full stock) and the forecast-split reference (every channel shown its
forecast share, instantly and once). The hub side is in ``livesale``.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

from buzzstock.channels.settings import ChannelSettings
from buzzstock.sim.channel_fakes import (
    AmazonFake,
    FakeShop,
    GenericShopFake,
    PlatformFake,
    ShopeeFake,
    ShopifyFake,
    TikTokShopFake,
    WooCommerceFake,
    connect,
)
from buzzstock.stock.sync.publication import share_units

SKU = "LIVE-BAND"
SAMPLE_SECONDS = 0.05
MARKETS = {"US": "US", "DE": "EU", "MY": "SEA"}
FAKE_KINDS: list[Callable[[FakeShop], PlatformFake]] = [
    ShopifyFake,
    TikTokShopFake,
    ShopeeFake,
    WooCommerceFake,
    GenericShopFake,
    AmazonFake,
]
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
    webhook_concurrency: int = 8
    """Deliveries one platform has in flight at once (none waits for the previous answer)."""
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


def make_fakes(config: LiveSaleConfig, plans: list[ChannelPlan]) -> list[PlatformFake]:
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
def serving(fakes: list[PlatformFake]) -> Iterator[None]:
    with ExitStack() as stack:
        for fake in fakes:
            stack.enter_context(fake.running())
        yield


async def run_buyers(
    plans: list[ChannelPlan], fakes: list[PlatformFake], started: float
) -> list[int]:
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
        if accepted_units(fakes) < units:
            self.false_samples += sum(
                fake.shop.quantity(sku_ref_of(plan)) == 0
                for plan, fake in zip(plans, fakes, strict=True)
            )

    @property
    def share(self) -> float:
        """Share of the sale's channel time: the issue's "under 2 % of sale time"."""
        return self.false_samples / self.samples if self.samples else 0.0


async def watch_sellouts(
    plans: list[ChannelPlan], fakes: list[PlatformFake], units: int, stop: asyncio.Event
) -> SelloutTally:
    tally = SelloutTally()
    while not stop.is_set():
        tally.sample(plans, fakes, units)
        await asyncio.sleep(SAMPLE_SECONDS)
    return tally


def accepted_units(fakes: list[PlatformFake]) -> int:
    return sum(sum(fake.shop.accepted_units.values()) for fake in fakes)


async def run_naive(config: LiveSaleConfig, plans: list[ChannelPlan]) -> SideResult:
    """Every channel is shown the full stock, pushed once through its adapter; buyers then come
    in the planned order (nothing else changes the displays, so no waiting is needed)."""
    fakes = make_fakes(config, plans)
    settings = ChannelSettings(rate_limit_calls=config.channel_calls_per_minute)
    with serving(fakes):
        adapters = [connect(fake, settings=settings) for fake in fakes]
        await asyncio.gather(
            *(
                adapter.set_quantity(sku_ref_of(plan), config.units, expected_previous=0)
                for adapter, plan in zip(adapters, plans, strict=True)
            )
        )
        for adapter in adapters:
            await adapter.aclose()
        return replay_buyers(config, plans, fakes)


def run_forecast_split(config: LiveSaleConfig, plans: list[ChannelPlan]) -> SideResult:
    """A reference, not a strategy one can run: every channel shows its forecast share of the
    stock from the first second, with displays that change instantly and never again. It
    cannot oversell, and its false sell-out is what demand's own randomness costs a split
    fixed in advance (the hub has to beat it while its pushes take up to ``max_ack_delay``)."""
    fakes = make_fakes(config, plans)
    split = share_units(
        config.units,
        {plan.code: config.units for plan in plans},
        {plan.code: plan.expected_rate for plan in plans},
    )
    for plan, fake in zip(plans, fakes, strict=True):
        fake.shop.quantities[sku_ref_of(plan)] = split[plan.code]
    return replay_buyers(config, plans, fakes)


def replay_buyers(
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
    accepted = accepted_units(fakes)
    return SideResult(
        oversold_units=max(0, accepted - config.units),
        served_units=min(accepted, config.units),
        demand_units=len(buyers),
        false_sellout_share=tally.share,
    )
