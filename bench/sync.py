"""Benchmark `sync`: stock changes from their arrival to the channel fake's receipt (S-6), and
the live sale naive vs buzzstock (S-1).

1. Stock changes arrive at a target rate (1,000 per second) over 6 channels x 20 SKUs and are
   committed through the real hub by one publisher process, written to the channels' push
   lanes, and pushed by the real push workers through the real adapters to local platform
   fakes, which run in a process of their own. Two publishers: the baseline commits each
   change in its own transaction (``allotment.publish``); group commit takes every change that
   arrived since its last commit, every few milliseconds, in one transaction
   (``allotment.publish_many``). The latency of a
   push is from the arrival of the change it carries to the moment the fake received it, so it
   includes the wait for the publisher (queue or batch). Each publisher runs with channels
   limited to 120 calls/min (coalescing must absorb the rate) and without a limit (the latency
   floor).
2. `buzzstock livesale` with its defaults on a few seeds: naive vs buzzstock vs the forecast
   split reference (``--skip-livesale`` keeps the figures already in docs/benchmarks.md).

Usage: .venv/bin/python bench/sync.py [--seconds 4] [--rate 1000] [--batch-ms 5]
       [--backend sqlite postgresql] [--skip-livesale] [--livesale-seeds 1 2 3]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import re
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import psycopg
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent))

from buzzstock.catalog.model import Channel, Market, Region, Sku, Warehouse
from buzzstock.channels.latency import percentile
from buzzstock.channels.settings import ChannelSettings
from buzzstock.core.context import Context, open_context
from buzzstock.settings import Settings
from buzzstock.shop import ShopFile, load_shop
from buzzstock.sim.channel_fakes import FakeShop, GenericShopFake, config_for
from buzzstock.sim.livesale import run_livesale
from buzzstock.sim.livesale_buyers import LiveSaleConfig
from buzzstock.stock.pool import receive, set_quotas
from buzzstock.stock.sync.allotment import connect_listing, publish, publish_many
from buzzstock.stock.sync.settings import SyncSettings
from buzzstock.stock.sync.worker import PushWorker, adapter_for, sync_status
from common import BENCHMARKS_MD, machine, markdown_table, today, write_section

CHANNELS = 6
PG_ADMIN = os.environ.get("BUZZSTOCK_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
SKUS = 20
SETTLE_SECONDS = 30
LIVESALE_HEADING = "`buzzstock livesale` defaults"
PUBLISHERS = {"one transaction per change": False, "group commit": True}
console = Console()

Change = tuple[int, str, int]
"""A stock change as the fakes see it: channel number, SKU, value (unique per change)."""


@contextmanager
def database(backend: str) -> Iterator[str]:
    """A fresh database: a SQLite file, or a PostgreSQL database dropped afterwards."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{Path(folder) / 'sync.db'}"
        return
    name = f"bz_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_ADMIN.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def measure_pushes(
    seconds: float,
    rate: int,
    calls_per_minute: int,
    backend: str,
    group_commit: bool,
    batch_seconds: float,
) -> dict[str, float]:
    """Offer ``rate`` changes per second for ``seconds``; returns rates, latency, coalescing."""
    spawn = multiprocessing.get_context("spawn")
    configs, stop_fakes, received = spawn.Queue(), spawn.Event(), spawn.Queue()
    platforms = spawn.Process(target=serve_fakes, args=(CHANNELS, configs, stop_fakes, received))
    platforms.start()
    with database(backend) as url, ExitStack() as stack:
        stack.callback(platforms.join)
        stack.callback(stop_fakes.set)
        ctx = open_context(Settings(database_url=url))
        stack.callback(ctx.close)
        channels = [
            Channel(
                code=f"ch-{number}",
                name=f"channel {number}",
                platform=platform,
                market="US",
                settings={"adapter": config},
            )
            for number, (platform, config) in enumerate(configs.get(timeout=60))
        ]
        load_shop(
            ctx,
            ShopFile(
                regions=[Region(code="US", name="US", timezone="UTC", lat=0, lon=0)],
                markets=[Market(code="US", name="US", region="US", currency="USD", timezone="UTC")],
                warehouses=[Warehouse(code="W", name="W", region="US", city="W", lat=0, lon=0)],
                channels=channels,
                skus=[Sku(code=f"S{index}", name=f"sku {index}") for index in range(SKUS)],
            ),
        )
        for index in range(SKUS):
            receive(ctx, f"S{index}", "W", 10_000_000)
            set_quotas(ctx, f"S{index}", {"US": 1.0}, elastic_share=0.2)
            for channel in channels:
                connect_listing(ctx, channel.code, f"S{index}", f"S{index}", compare_and_swap=True)
        settings = SyncSettings(worker_poll_seconds=0.01)
        channel_settings = ChannelSettings(rate_limit_calls=calls_per_minute)
        results = spawn.Queue()
        publisher = spawn.Process(
            target=publish_changes,
            args=(url, seconds, rate, group_commit, batch_seconds, results),
        )

        async def run() -> dict[Change, tuple[float, float]]:
            # As in the sync worker: database calls wait in threads, one pool for all of them.
            asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(max_workers=32))
            adapters = [adapter_for(ctx, channel.code, channel_settings) for channel in channels]
            workers = [
                PushWorker(ctx, channel.code, adapter, settings)
                for channel, adapter in zip(channels, adapters, strict=True)
            ]
            stop = asyncio.Event()
            tasks = [asyncio.create_task(worker.run(stop)) for worker in workers]
            publisher.start()
            while publisher.is_alive() and results.empty():
                await asyncio.sleep(0.05)
            committed: dict[Change, tuple[float, float]] = await asyncio.to_thread(results.get)
            deadline = time.monotonic() + SETTLE_SECONDS
            while (
                time.monotonic() < deadline and await asyncio.to_thread(unsettled_channels, ctx) > 0
            ):
                await asyncio.sleep(0.05)
            stop.set()
            await asyncio.gather(*tasks)
            for adapter in adapters:
                await adapter.aclose()
            return committed

        committed = asyncio.run(run())
        unsettled = unsettled_channels(ctx)
        publisher.join()
        stop_fakes.set()
        updates: list[list[tuple[str, int, float]]] = received.get(timeout=60)
        pushed = [
            (received_at, *committed[(number, sku_ref, quantity)])
            for number, channel_updates in enumerate(updates)
            for sku_ref, quantity, received_at in channel_updates
            if (number, sku_ref, quantity) in committed
        ]
        pushes = sum(len(channel_updates) for channel_updates in updates)
    to_receipt = sorted(received - arrived for received, arrived, _ in pushed)
    to_commit = sorted(done - arrived for _, arrived, done in pushed)
    return {
        "offered": round(seconds * rate),
        "changes": len(committed),
        "rate": len(committed) / seconds,
        "pushes": pushes,
        "commit_p99_ms": percentile(to_commit, 0.99) * 1000,
        "p50_ms": percentile(to_receipt, 0.5) * 1000,
        "p99_ms": percentile(to_receipt, 0.99) * 1000,
        "unsettled": unsettled,
    }


def nth_change(index: int) -> tuple[str, str, int]:
    """Change ``index``: every channel in turn, the SKUs in turn, each a new (higher) value."""
    return f"ch-{index % CHANNELS}", f"S{(index // CHANNELS) % SKUS}", 100 + index


def publish_changes(
    database_url: str,
    seconds: float,
    rate: int,
    group_commit: bool,
    batch_seconds: float,
    results: Any,
) -> None:
    """The publisher process. Change ``i`` arrives at ``start + i / rate``; the publisher commits
    the oldest waiting change alone, or (group commit) every waiting change at once and then
    waits ``batch_seconds`` from the start of that batch. Reports when each change arrived and
    when it was committed (``time.monotonic`` is shared by the processes); changes still
    waiting after ``seconds`` are not committed."""
    ctx = open_context(Settings(database_url=database_url), migrate=False)
    committed: dict[Change, tuple[float, float]] = {}
    offered = round(seconds * rate)
    done = 0
    started = time.monotonic()
    while (now := time.monotonic()) - started < seconds:
        arrived = min(offered, int((now - started) * rate) + 1)
        if done == arrived:
            time.sleep(max(0.0, started + done / rate - now))
            continue
        batch = range(done, arrived) if group_commit else range(done, done + 1)
        changes = [nth_change(index) for index in batch]
        if group_commit:
            publish_many(ctx, changes)
        else:
            publish(ctx, *changes[0])
        finished = time.monotonic()
        for index, (channel, sku, value) in zip(batch, changes, strict=True):
            committed[(int(channel.removeprefix("ch-")), sku, value)] = (
                started + index / rate,
                finished,
            )
        done = batch.stop
        if group_commit:
            time.sleep(max(0.0, now + batch_seconds - finished))
    ctx.close()
    results.put(committed)


def serve_fakes(count: int, configs: Any, stop: Any, received: Any) -> None:
    """The platforms' side, in a process of its own as in production (their servers do not
    share the hub's CPU time and interpreter lock): ``count`` generic-shop fakes. Puts their
    adapter configurations on ``configs``; once ``stop`` is set, every update each received."""
    with ExitStack() as stack:
        fakes = [
            GenericShopFake(FakeShop({f"S{index}": 0 for index in range(SKUS)}))
            for _ in range(count)
        ]
        for fake in fakes:
            stack.enter_context(fake.running())
        configs.put([config_for(fake) for fake in fakes])
        stop.wait()
        received.put(
            [
                [
                    (update.sku_ref, update.quantity, update.received_at)
                    for update in fake.shop.updates
                ]
                for fake in fakes
            ]
        )


def unsettled_channels(ctx: Context) -> int:
    """Channels with a value not yet acknowledged."""
    return sum(bool(channel["pending"]) for channel in sync_status(ctx))


def rate_note(target: int, runs: dict[tuple[str, str, str], dict[str, float]]) -> str:
    best = {
        (publisher, backend): max(
            figures["rate"]
            for (name, store, _), figures in runs.items()
            if (name, store) == (publisher, backend)
        )
        for publisher, backend, _ in runs
    }
    reached = "; ".join(
        f"{publisher} on {backend} {rate:.0f}/s" for (publisher, backend), rate in best.items()
    )
    return (
        f"Highest rate committed against the {target}/s offered: {reached}. "
        "`p99 arrival->commit` is the publisher's share of the latency (the wait in its queue "
        "or batch, then the commit); the rest is the push workers' (claim, send, record the "
        "answer), which share the store and the CPUs with the publisher. With 120 calls/min a "
        f"channel can send 2 pushes/s for its {SKUS} SKUs, so coalescing absorbs the rate and a "
        "value waits for its SKU's turn (seconds)."
        + (
            f" Where only {CHANNELS * SKUS} pushes were sent (one per listing), no push left while "
            "the publisher ran: the workers waited for the store's write lock until it stopped, "
            "so the latency holds for a stream this short only."
            if any(figures["pushes"] <= CHANNELS * SKUS for figures in runs.values())
            else ""
        )
        + (
            " * Some channels still had a value to push when the run stopped waiting, "
            f"{SETTLE_SECONDS} s after the publisher stopped: the figure leaves those values out."
            if any(figures["unsettled"] for figures in runs.values())
            else ""
        )
    )


def recorded_livesale() -> str:
    """The livesale part of the recorded sync section, with the date it was measured."""
    text = BENCHMARKS_MD.read_text(encoding="utf-8")
    section = re.search(r"^## sync\n\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    if section is None or LIVESALE_HEADING not in section.group(1):
        raise SystemExit("docs/benchmarks.md has no livesale figures to keep: run without it")
    measured = section.group(1).split(",", 1)[0]
    part = section.group(1)[section.group(1).index(LIVESALE_HEADING) :].strip()
    if "(measured " not in part:
        part = part.replace(":\n", f" (measured {measured}):\n", 1)
    return part


def measure_livesale(seeds: list[int]) -> str:
    """`buzzstock livesale` on each seed: naive, the hub, and the forecast-split reference."""
    rows = []
    for seed in seeds:
        with console.status(f"live sale, seed {seed}..."):
            sale = run_livesale(LiveSaleConfig(seed=seed))
        naive, hub, split = sale["naive"], sale["hub"], sale["forecast_split"]
        rows.append(
            [
                str(seed),
                f"{naive['oversold_units']} / {naive['false_sellout_share']:.1%}",
                f"{hub['oversold_units']}",
                f"{hub['served_units']} / {hub['demand_units']}",
                f"{hub['false_sellout_share']:.1%}",
                f"{split['false_sellout_share']:.1%}",
                f"{hub['pushes']} / {hub['changes']}",
                f"{hub['sync_p50_ms']:.0f} / {hub['sync_p99_ms']:.0f} ms",
            ]
        )
    headers = [
        "seed",
        "naive oversold / false sell-out",
        "hub oversold",
        "hub served",
        "hub false sell-out",
        "reference false sell-out",
        "hub pushes / changes",
        "hub sync p50 / p99",
    ]
    sale_table = Table(title="buzzstock livesale (8 channels, acks 0-2 s)")
    for header in headers:
        sale_table.add_column(header)
    for row in rows:
        sale_table.add_row(*row)
    console.print(sale_table)
    return (
        f"{LIVESALE_HEADING} (8 channels on Shopify, TikTok Shop, Shopee, WooCommerce, "
        "custom-shop and Amazon fakes; acks 0-2 s; webhooks and SQS messages late, shuffled, "
        "30 % duplicated; 1,000 units; demand 1.6 times the stock over 8 s). False sell-out is "
        "the share of sale time a channel showed zero while unsold units existed anywhere. The "
        "reference shows every channel its forecast share of the stock from the first second "
        "with instant displays and never changes them: what the randomness of demand alone costs "
        "a split fixed in advance:\n\n" + markdown_table(headers, rows)
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--rate", type=int, default=1000)
    parser.add_argument("--batch-ms", type=float, default=5.0)
    parser.add_argument(
        "--backend", nargs="+", choices=("sqlite", "postgresql"), default=["sqlite"]
    )
    parser.add_argument("--skip-livesale", action="store_true")
    parser.add_argument("--livesale-seeds", nargs="+", type=int, default=[1, 2, 3])
    args = parser.parse_args()
    runs = {
        (publisher, backend, limit_name): measure_pushes(
            args.seconds, args.rate, limit, backend, group_commit, args.batch_ms / 1000
        )
        for backend in args.backend
        for limit_name, limit in (("120 calls/min", 120), ("no limit", 1_000_000))
        for publisher, group_commit in PUBLISHERS.items()
    }
    headers = [
        "publisher",
        "store",
        "channel limit",
        "changes committed / offered",
        "changes/s",
        "pushes sent",
        "p99 arrival->commit",
        "p50 arrival->receipt",
        "p99 arrival->receipt",
    ]
    rows = [
        [
            publisher,
            backend,
            limit_name,
            f"{figures['changes']:.0f} / {figures['offered']:.0f}",
            f"{figures['rate']:.0f}",
            f"{figures['pushes']:.0f}",
            f"{figures['commit_p99_ms']:.0f} ms",
            f"{figures['p50_ms']:.0f} ms",
            f"{figures['p99_ms']:.0f} ms" + (" *" if figures["unsettled"] else ""),
        ]
        for (publisher, backend, limit_name), figures in runs.items()
    ]
    table = Table(title=f"Stock pushes, {CHANNELS} channels x {SKUS} SKUs, {args.rate} changes/s")
    for header in headers:
        table.add_column(header)
    for row in rows:
        table.add_row(*row)
    console.print(table)
    livesale = recorded_livesale() if args.skip_livesale else measure_livesale(args.livesale_seeds)
    body = (
        f"{today()}, {machine()}.\n\n"
        f"Stock changes arrive at {args.rate}/s for {args.seconds:g} s over {CHANNELS} channels "
        f"x {SKUS} SKUs (every channel in turn, the SKUs in turn, each change a new value) and "
        "one publisher process commits them through the hub: the baseline one transaction per "
        "change (`allotment.publish`), group commit every change that arrived since its last "
        f"commit in one transaction (`allotment.publish_many`), at most every {args.batch_ms:g} "
        "ms. Changes still waiting at the end are not committed. Latency is from the arrival "
        "of the change a push carries (so it includes the wait for the publisher) to the "
        "generic-shop fake's receipt (acknowledgement delay 0); pushes are coalesced per "
        "(channel, SKU), so a burst sends only the latest value. The push workers of all "
        "channels run in one process, the publisher in a second and the platform fakes in a "
        "third; PostgreSQL or SQLite share the same CPUs.\n\n"
        + markdown_table(headers, rows)
        + "\n\n"
        + rate_note(args.rate, runs)
        + "\n\n"
        + livesale
        + "\n"
    )
    write_section("sync", body)


if __name__ == "__main__":
    main()
