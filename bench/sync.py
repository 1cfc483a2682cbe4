"""Benchmark `sync`: stock pushes from commit to the channel fake's receipt (S-6), and the live
sale naive vs buzzstock (S-1).

1. Stock changes are committed at a target rate (1,000 per second) over 6 channels, through the
   real hub (``allotment.publish``: one transaction each, written to the channel's push lane),
   and pushed by the real push workers through the real adapters to local platform fakes. The
   latency of a push is from the commit of the value it carries to the moment the fake received
   it. Run twice: channels limited to 120 calls/min (coalescing must absorb the rate) and
   channels without a limit (the latency floor). The baseline in the same run is the change
   rate itself: pushes sent vs changes committed.
2. `buzzstock livesale` with its defaults: naive vs buzzstock.

Usage: .venv/bin/python bench/sync.py [--seconds 4] [--rate 1000] [--backend sqlite postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import psycopg
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent))

from buzzstock.catalog.model import Catalogue, Channel, Market, Region, Sku, Warehouse
from buzzstock.catalog.service import load_catalogue
from buzzstock.channels.fakes import FakeShop, GenericShopFake, config_for
from buzzstock.channels.latency import percentile
from buzzstock.channels.settings import ChannelSettings
from buzzstock.core.context import open_context
from buzzstock.core.settings import Settings
from buzzstock.stock.allotment import connect_listing, publish
from buzzstock.stock.livesale import LiveSaleConfig, run_livesale
from buzzstock.stock.pool import receive, set_quotas
from buzzstock.stock.sync import PushWorker, adapter_for
from buzzstock.stock.sync_settings import SyncSettings
from common import machine, markdown_table, today, write_section

CHANNELS = 6
PG_ADMIN = os.environ.get("BUZZSTOCK_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
SKUS = 20
console = Console()


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
    seconds: float, rate: int, calls_per_minute: int, backend: str
) -> dict[str, float]:
    """Commit ``rate`` changes per second for ``seconds``; returns latency and coalescing."""
    with database(backend) as url, ExitStack() as stack:
        ctx = open_context(Settings(database_url=url))
        stack.callback(ctx.close)
        fakes = [
            GenericShopFake(FakeShop({f"S{index}": 0 for index in range(SKUS)}))
            for _ in range(CHANNELS)
        ]
        for fake in fakes:
            stack.enter_context(fake.running())
        channels = []
        for number, fake in enumerate(fakes):
            platform, config = config_for(fake)
            channels.append(
                Channel(
                    code=f"ch-{number}",
                    name=f"channel {number}",
                    platform="custom",
                    market="US",
                    settings={"adapter": config, "adapter_platform": platform.value},
                )
            )
        load_catalogue(
            ctx,
            Catalogue(
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
        spawn = multiprocessing.get_context("spawn")
        results = spawn.Queue()
        publisher = spawn.Process(target=publish_changes, args=(url, seconds, rate, results))

        async def run() -> dict[tuple[int, str, int], float]:
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
            committed: dict[tuple[int, str, int], float] = await asyncio.to_thread(results.get)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not all(
                _settled(fake, committed, number) for number, fake in enumerate(fakes)
            ):
                await asyncio.sleep(0.05)
            stop.set()
            await asyncio.gather(*tasks)
            for adapter in adapters:
                await adapter.aclose()
            return committed

        committed = asyncio.run(run())
        publisher.join()
        changes = len(committed)
        latencies = sorted(
            update.received_at - committed[(number, update.sku_ref, update.quantity)]
            for number, fake in enumerate(fakes)
            for update in fake.shop.updates
            if (number, update.sku_ref, update.quantity) in committed
        )
        pushes = sum(len(fake.shop.updates) for fake in fakes)
    return {
        "changes": changes,
        "rate": changes / seconds,
        "pushes": pushes,
        "p50_ms": percentile(latencies, 0.5) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
    }


def publish_changes(database_url: str, seconds: float, rate: int, results: Any) -> None:
    """The publisher process: commits changes at ``rate`` per second through the hub, and
    reports when each was committed (``time.monotonic`` is shared by the processes)."""
    ctx = open_context(Settings(database_url=database_url), migrate=False)
    committed: dict[tuple[int, str, int], float] = {}
    changes = 0
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        number = changes % CHANNELS
        sku = f"S{(changes // CHANNELS) % SKUS}"
        value = 100 + changes
        publish(ctx, f"ch-{number}", sku, value)
        committed[(number, sku, value)] = time.monotonic()
        changes += 1
        ahead = started + changes / rate - time.monotonic()
        if ahead > 0:
            time.sleep(ahead)
    ctx.close()
    results.put(committed)


def _settled(
    fake: GenericShopFake, committed: dict[tuple[int, str, int], float], number: int
) -> bool:
    latest: dict[str, int] = {}
    for channel, sku, value in committed:
        if channel == number:
            latest[sku] = max(latest.get(sku, 0), value)
    return all(fake.shop.quantity(sku) == value for sku, value in latest.items())


def rate_note(target: int, reached: float) -> str:
    if reached >= 0.95 * target:
        return f"The target rate of {target} changes/s was reached."
    return (
        f"The target rate of {target} changes/s was not reached: one publisher process "
        f"committed at most {reached:.0f}/s here (each change is one transaction with its "
        "ledger and outbox rows), while the push workers share the same store. With 120 "
        "calls/min a channel can send 2 pushes/s for its 20 SKUs, so coalescing absorbs the "
        "rate and a value waits for its SKU's turn (seconds); without a limit, latency is "
        "what the store's write queue leaves (PostgreSQL: tens of ms)."
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--rate", type=int, default=1000)
    parser.add_argument(
        "--backend", nargs="+", choices=("sqlite", "postgresql"), default=["sqlite"]
    )
    args = parser.parse_args()
    runs = {
        f"{backend}, {name}": measure_pushes(args.seconds, args.rate, limit, backend)
        for backend in args.backend
        for name, limit in (("120 calls/min per channel", 120), ("no rate limit", 1_000_000))
    }
    table = Table(title=f"Stock pushes, {CHANNELS} channels x {SKUS} SKUs")
    headers = [
        "store, channels",
        "changes committed",
        "changes/s reached",
        "pushes sent",
        "p50 commit->receipt",
        "p99 commit->receipt",
    ]
    rows = []
    for name, figures in runs.items():
        rows.append(
            [
                name,
                f"{figures['changes']:.0f}",
                f"{figures['rate']:.0f}",
                f"{figures['pushes']:.0f}",
                f"{figures['p50_ms']:.0f} ms",
                f"{figures['p99_ms']:.0f} ms",
            ]
        )
    for header in headers:
        table.add_column(header)
    for row in rows:
        table.add_row(*row)
    console.print(table)
    with console.status("live sale, naive vs buzzstock..."):
        sale = run_livesale(LiveSaleConfig())
    naive, hub = sale["naive"], sale["hub"]
    sale_rows = [
        ["units oversold", str(naive["oversold_units"]), str(hub["oversold_units"])],
        [
            "demand served",
            f"{naive['served_units']} / {naive['demand_units']}",
            f"{hub['served_units']} / {hub['demand_units']}",
        ],
        [
            "false sell-out",
            f"{naive['false_sellout_share']:.1%}",
            f"{hub['false_sellout_share']:.1%}",
        ],
        ["pushes / changes", "-", f"{hub['pushes']} / {hub['changes']}"],
        ["sync p50 / p99", "-", f"{hub['sync_p50_ms']:.0f} / {hub['sync_p99_ms']:.0f} ms"],
    ]
    sale_table = Table(title="buzzstock livesale (8 channels, acks 0-2 s, seed 0)")
    for header in ("", "naive", "buzzstock"):
        sale_table.add_column(header)
    for row in sale_rows:
        sale_table.add_row(*row)
    console.print(sale_table)
    body = (
        f"{today()}, {machine()}.\n\n"
        f"Stock changes committed by one publisher process through `allotment.publish` at a "
        f"target of {args.rate}/s for "
        f"{args.seconds:g} s over {CHANNELS} channels x {SKUS} SKUs; latency from the commit of "
        "the value a push carries to the generic-shop fake's receipt (acknowledgement delay 0). "
        "Pushes are coalesced per (channel, SKU): a burst sends only the latest value.\n\n"
        + markdown_table(headers, rows)
        + "\n\n"
        + rate_note(args.rate, max(figures["rate"] for figures in runs.values()))
        + "\n\n`buzzstock livesale` defaults (8 channels on Shopify, TikTok Shop, Shopee, "
        "WooCommerce and generic-shop fakes; acks 0-2 s; webhooks late, shuffled, 30 % "
        "duplicated; 1,000 units):\n\n"
        + markdown_table(["", "naive", "buzzstock"], sale_rows)
        + "\n"
    )
    write_section("sync", body)


if __name__ == "__main__":
    main()
