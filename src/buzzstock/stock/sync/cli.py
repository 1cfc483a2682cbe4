"""`buzzstock sync-worker`: the channel sync worker processes (S-6)."""

from __future__ import annotations

import multiprocessing
import signal
from typing import Annotated, Any

import typer
from rich.console import Console

from buzzstock.core.cli import load_configured_settings
from buzzstock.core.context import open_context
from buzzstock.core.outbox import StopSignal
from buzzstock.core.settings import CoreSettings
from buzzstock.stock.sync.runtime import run_sync_worker

console = Console()


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
    settings = load_configured_settings()
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


def _worker_main(settings: CoreSettings, stop: StopSignal, **options: Any) -> None:
    # Ctrl-C reaches the whole process group: the parent stops the workers through ``stop``.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    run_sync_worker(settings, stop, **options)
