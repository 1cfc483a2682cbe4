"""`buzzstock livesale` (the live-sale simulation, naive vs buzzstock, S-11) and the channel
sync worker (S-6)."""

from __future__ import annotations

import json
import multiprocessing
import signal
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from buzzstock.core.context import open_context
from buzzstock.core.outbox import StopSignal
from buzzstock.core.settings import Settings, load_settings
from buzzstock.stock.livesale import run_livesale
from buzzstock.stock.livesale_buyers import LiveSaleConfig
from buzzstock.stock.sync_runtime import run_sync_worker

console = Console()


def livesale(
    channels: Annotated[int, typer.Option(min=1, max=32, help="sales channels")] = 8,
    max_ack_delay: Annotated[
        float, typer.Option(min=0.0, max=10.0, help="longest push acknowledgement delay, seconds")
    ] = 2.0,
    seed: Annotated[int, typer.Option(help="seed of buyers and delays")] = 0,
    units: Annotated[int, typer.Option(min=10, max=100_000, help="units for sale")] = 1000,
    duration: Annotated[
        float, typer.Option(min=1.0, max=120.0, help="length of the sale, seconds")
    ] = 8.0,
    workers: Annotated[int, typer.Option(min=1, max=8, help="hub worker processes")] = 1,
    database_url: Annotated[
        str | None, typer.Option(help="store for the hub side (default: a temporary SQLite file)")
    ] = None,
    json_path: Annotated[
        Path | None, typer.Option("--json", help="write the comparison as JSON here")
    ] = None,
) -> None:
    """Simulate a live sale on several platforms: naive (full stock everywhere) vs buzzstock."""
    config = LiveSaleConfig(
        channels=channels,
        max_ack_delay=max_ack_delay,
        seed=seed,
        units=units,
        duration_seconds=duration,
        worker_processes=workers,
        database_url=database_url,
    )
    with console.status(f"live sale of {units} units on {channels} channels..."):
        report = run_livesale(config)
    console.print(comparison_table(report))
    if json_path is not None:
        json_path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        console.print(f"written to {json_path}")
    if report["hub"]["oversold_units"]:
        sys.exit(2)


def comparison_table(report: dict[str, Any]) -> Table:
    sides = [report["naive"], report["hub"], report["forecast_split"]]
    hub = report["hub"]
    table = Table(
        title=f"Live sale: {report['units']} units, {report['channels']} channels, "
        f"acks 0-{report['max_ack_delay_s']:g} s"
    )
    table.add_column("")
    table.add_column("naive (full stock everywhere)", justify="right")
    table.add_column("buzzstock", justify="right")
    table.add_column("reference: forecast split, instant displays", justify="right")
    table.add_row("units oversold", *(str(side["oversold_units"]) for side in sides))
    table.add_row(
        "demand served", *(f"{side['served_units']} / {side['demand_units']}" for side in sides)
    )
    table.add_row(
        "false sell-out (share of sale time)",
        *(f"{side['false_sellout_share']:.1%}" for side in sides),
    )
    table.add_row("pushes sent / stock changes", "-", f"{hub['pushes']} / {hub['changes']}", "-")
    table.add_row(
        "sync latency p50 / p99",
        "-",
        f"{hub['sync_p50_ms']:.0f} / {hub['sync_p99_ms']:.0f} ms",
        "-",
    )
    return table


def sync_worker(
    processes: Annotated[int, typer.Option(min=1, max=32, help="worker processes")] = 1,
    channel: Annotated[
        list[str] | None, typer.Option(help="channels to serve (default: every listed channel)")
    ] = None,
    rebalance_sku: Annotated[
        list[str] | None, typer.Option(help="SKUs to re-weight by channel velocity (S-5)")
    ] = None,
) -> None:
    """Push stock to the channels, book their orders and reconcile, until stopped (Ctrl-C)."""
    settings = load_settings()
    open_context(settings).close()
    spawn = multiprocessing.get_context("spawn")
    stop = spawn.Event()
    workers = [
        spawn.Process(
            target=_worker_main,
            args=(settings, stop),
            kwargs={
                "channels": channel or [],
                "reconcile": index == 0,
                "rebalance_skus": (rebalance_sku or []) if index == 0 else [],
            },
        )
        for index in range(processes)
    ]
    for worker in workers:
        worker.start()
    signal.signal(signal.SIGTERM, lambda _signal, _frame: stop.set())
    console.print(f"{processes} sync worker(s) running; Ctrl-C or SIGTERM stops them")
    try:
        for worker in workers:
            worker.join()
    except KeyboardInterrupt:
        stop.set()
        for worker in workers:
            worker.join(timeout=15)


def _worker_main(settings: Settings, stop: StopSignal, **options: Any) -> None:
    # Ctrl-C reaches the whole process group: the parent stops the workers through ``stop``.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    run_sync_worker(settings, stop, **options)
