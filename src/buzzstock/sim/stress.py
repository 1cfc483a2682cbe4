"""S-11: pre-sale stress test. Buyers on several channels order at once from several processes.

Each process talks to the configured database on its own, exactly like separate API workers.
Oversold units are computed from the reservations the buyers were granted, not from the hub's
own counters.
"""

from __future__ import annotations

import multiprocessing as mp
import queue
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.sharedctypes import Synchronized
from typing import Any

from buzzstock.catalog.model import Channel, Market, Region, Sku, Warehouse
from buzzstock.catalog.service import create
from buzzstock.core.context import Context, open_context
from buzzstock.core.db import backend_name
from buzzstock.core.errors import DomainError
from buzzstock.core.ids import new_id
from buzzstock.core.settings import CoreSettings
from buzzstock.settings import Settings
from buzzstock.stock import reservations
from buzzstock.stock.opening import StockPlan, apply_stock_plan
from buzzstock.stock.orders import confirm

STRESS_REGIONS = (("stress-us", 39.8, -98.6), ("stress-eu", 50.1, 9.7), ("stress-sea", 3.1, 101.7))


@dataclass(frozen=True)
class BuyerPlan:
    """What one buyer process does: which channels, how many attempts, what follows a hold."""

    sku: str
    channels: tuple[str, ...]
    channel_weights: tuple[float, ...]
    attempts: int
    seed: int
    max_quantity: int = 3
    confirm_share: float = 0.0
    cancel_share: float = 0.0
    buyer_pool: int | None = None


@dataclass
class BuyerOutcome:
    granted: list[tuple[str, str, int]] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)
    confirmed: list[str] = field(default_factory=list)
    refused: dict[str, int] = field(default_factory=dict)
    latencies_ms: list[float] = field(default_factory=list)


def buyer_process(
    settings_data: dict[str, Any],
    plan: BuyerPlan,
    start: Any,
    done_counter: Synchronized[int],
) -> BuyerOutcome:
    """One buyer process: waits for the start signal, then orders as fast as it can."""
    ctx = open_context(Settings.model_validate(settings_data), migrate=False, pool_size=1)
    rng = random.Random(plan.seed)
    outcome = BuyerOutcome()
    start.wait()
    try:
        for attempt in range(plan.attempts):
            channel = rng.choices(plan.channels, weights=plan.channel_weights)[0]
            quantity = rng.randint(1, plan.max_quantity)
            buyer = (
                f"buyer-{rng.randrange(plan.buyer_pool)}"
                if plan.buyer_pool
                else f"buyer-{plan.seed}-{attempt}"
            )
            began = time.perf_counter()
            try:
                held = reservations.reserve(ctx, plan.sku, quantity, channel, buyer)
            except DomainError as refusal:
                key = refusal.rule or type(refusal).__name__
                outcome.refused[key] = outcome.refused.get(key, 0) + 1
            else:
                outcome.granted.append((held.id, channel, quantity))
                draw = rng.random()
                if draw < plan.cancel_share:
                    reservations.cancel(ctx, held.id)
                    outcome.cancelled.append(held.id)
                elif draw < plan.cancel_share + plan.confirm_share:
                    confirm(ctx, held.id)
                    outcome.confirmed.append(held.id)
            outcome.latencies_ms.append((time.perf_counter() - began) * 1000)
            with done_counter.get_lock():
                done_counter.value += 1
    finally:
        ctx.close()
    return outcome


def _buyer_entry(
    settings_data: dict[str, Any],
    plan: BuyerPlan,
    start: Any,
    done_counter: Synchronized[int],
    results: Any,
) -> None:
    try:
        results.put(buyer_process(settings_data, plan, start, done_counter))
    except BaseException as error:
        results.put(error)
        raise


def run_buyers(
    settings: CoreSettings,
    plans: list[BuyerPlan],
    on_progress: Callable[[int], None] | None = None,
) -> tuple[list[BuyerOutcome], float]:
    """Run every plan in its own process, started together; returns outcomes and wall seconds."""
    spawn = mp.get_context("spawn")
    start = spawn.Event()
    done: Synchronized[int] = spawn.Value("i", 0)
    results = spawn.Queue()
    settings_data = settings.model_dump()
    workers = [
        spawn.Process(target=_buyer_entry, args=(settings_data, plan, start, done, results))
        for plan in plans
    ]
    for worker in workers:
        worker.start()
    try:
        time.sleep(0.5)
        began = time.perf_counter()
        start.set()
        outcomes = _collect(workers, results, on_progress, done)
    except BaseException:
        for worker in workers:
            worker.terminate()
        raise
    elapsed = time.perf_counter() - began
    for worker in workers:
        worker.join()
    if on_progress is not None:
        on_progress(done.value)
    return outcomes, elapsed


def _collect(
    workers: list[Any],
    results: Any,
    on_progress: Callable[[int], None] | None,
    done: Synchronized[int],
) -> list[BuyerOutcome]:
    outcomes: list[BuyerOutcome] = []
    while len(outcomes) < len(workers):
        if on_progress is not None:
            on_progress(done.value)
        try:
            item = results.get(timeout=0.1)
        except queue.Empty:
            if not any(worker.is_alive() for worker in workers) and results.empty():
                raise RuntimeError("a buyer process died without reporting") from None
            continue
        if isinstance(item, BaseException):
            raise RuntimeError(f"a buyer process failed: {item!r}") from item
        outcomes.append(item)
    return outcomes


def set_up_stress_sku(ctx: Context, channels: int, units: int) -> tuple[str, list[str]]:
    """A fresh SKU with ``units`` units split over three regions plus the elastic pool."""
    for code, lat, lon in STRESS_REGIONS:
        create(ctx, Region(code=code, name=f"Stress {code}", timezone="UTC", lat=lat, lon=lon))
        create(
            ctx,
            Market(code=code, name=f"Stress {code}", region=code, currency="USD", timezone="UTC"),
        )
    create(
        ctx,
        Warehouse(
            code="stress-wh",
            name="Stress warehouse",
            region=STRESS_REGIONS[0][0],
            city="Anywhere",
            lat=0.0,
            lon=0.0,
            daily_capacity=10_000_000,
        ),
    )
    channel_codes = []
    for index in range(channels):
        code = f"stress-ch{index + 1}"
        market = STRESS_REGIONS[index % len(STRESS_REGIONS)][0]
        create(
            ctx,
            Channel(
                code=code, name=f"Stress channel {index + 1}", platform="custom", market=market
            ),
        )
        channel_codes.append(code)
    sku = new_id("STRESS").upper()
    create(ctx, Sku(code=sku, name="Stress-test SKU", category="stress"))
    apply_stock_plan(
        ctx,
        StockPlan(
            sku=sku,
            warehouses={"stress-wh": units},
            quotas={code: 1.0 for code, _, _ in STRESS_REGIONS},
        ),
    )
    return sku, channel_codes


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def stress(
    ctx: Context,
    *,
    channels: int,
    processes: int,
    attempts: int,
    units: int,
    seed: int = 11,
    on_progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """S-11: race ``attempts`` reservations from ``processes`` processes over ``channels``."""
    sku, channel_codes = set_up_stress_sku(ctx, channels, units)
    share, extra = divmod(attempts, processes)
    plans = [
        BuyerPlan(
            sku=sku,
            channels=tuple(channel_codes),
            channel_weights=tuple(1.0 for _ in channel_codes),
            attempts=share + (1 if index < extra else 0),
            seed=seed * 1000 + index,
        )
        for index in range(processes)
    ]
    outcomes, elapsed = run_buyers(ctx.settings, plans, on_progress)
    granted = {grant[0]: grant[2] for outcome in outcomes for grant in outcome.granted}
    granted_units = sum(granted.values())
    latencies = [value for outcome in outcomes for value in outcome.latencies_ms]
    refused = sum(sum(outcome.refused.values()) for outcome in outcomes)
    return {
        "backend": backend_name(ctx.engine),
        "channels": channels,
        "processes": processes,
        "attempts": attempts,
        "units": units,
        "sku": sku,
        "granted_units": granted_units,
        "granted_reservations": len(granted),
        "refused": refused,
        "refused_by_rule": _merge_counts(outcome.refused for outcome in outcomes),
        "oversold_units": max(0, granted_units - units),
        "seconds": round(elapsed, 3),
        "reservations_per_second": round(attempts / elapsed, 1) if elapsed else 0.0,
        "p50_ms": round(percentile(latencies, 0.50), 2),
        "p99_ms": round(percentile(latencies, 0.99), 2),
    }


def _merge_counts(counts: Any) -> dict[str, int]:
    merged: dict[str, int] = {}
    for count in counts:
        for key, value in count.items():
            merged[key] = merged.get(key, 0) + value
    return merged
