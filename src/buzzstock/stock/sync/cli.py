"""`buzzstock sync-worker`: the channel sync worker processes (S-6)."""

from __future__ import annotations

import asyncio
import multiprocessing
import signal
from collections.abc import Sequence
from multiprocessing.process import BaseProcess
from multiprocessing.synchronize import Event
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console

from buzzstock.channels.settings import ChannelSettings
from buzzstock.core.cli import fail, load_configured_settings, open_store
from buzzstock.core.context import Context
from buzzstock.core.errors import InvalidInput
from buzzstock.core.outbox import StopSignal
from buzzstock.core.settings import CoreSettings
from buzzstock.stock.sync.runtime import listed_channels, run_sync_worker
from buzzstock.stock.sync.worker import adapter_for

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
    """Push stock to the channels, book their orders and reconcile, until stopped (Ctrl-C).

    Every channel served must have its adapter configured, or nothing starts; when a worker
    process dies the others are stopped and the command exits 1, so a supervisor restarts it."""
    settings = load_configured_settings()
    with open_store() as ctx:
        served = list(channel or []) or listed_channels(ctx)
        check_adapters(ctx, served, settings.section(ChannelSettings))
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
    console.print(
        f"{processes} sync worker(s) running for {', '.join(served) or 'no listed channel yet'}; "
        "Ctrl-C or SIGTERM stops them"
    )
    died = _supervise(workers, stop)
    if died is not None:
        fail(
            f"sync worker process {died.pid} stopped on its own (exit code {died.exitcode}); the "
            "others were stopped. Its error is above; fix it and start sync-worker again"
        )


def check_adapters(ctx: Context, codes: list[str], settings: ChannelSettings) -> None:
    """Build the adapter of every channel to serve, so that a missing or bad configuration is
    refused before any worker starts (docs/channels.md)."""
    for code in codes:
        try:
            adapter = adapter_for(ctx, code, settings)
        except ValidationError as error:
            raise InvalidInput(
                f"channel {code!r} has an invalid settings.adapter: "
                + "; ".join(
                    f"{'.'.join(str(part) for part in item['loc'])}: {item['msg']}"
                    for item in error.errors()
                )
                + " (see docs/channels.md)"
            ) from None
        asyncio.run(adapter.aclose())


def _supervise(workers: Sequence[BaseProcess], stop: Event) -> BaseProcess | None:
    """Wait until stopped or until a worker ends by itself; stop them all. The worker that ended
    by itself, if one did."""
    died: BaseProcess | None = None
    try:
        while not stop.is_set():
            died = next((worker for worker in workers if not worker.is_alive()), None)
            if died is not None:
                break
            stop.wait(0.5)
    except KeyboardInterrupt:
        pass
    stop.set()
    for worker in workers:
        worker.join(timeout=15)
        if worker.is_alive():
            worker.terminate()
            worker.join(timeout=1)
    return died


def _worker_main(settings: CoreSettings, stop: StopSignal, **options: Any) -> None:
    # Ctrl-C reaches the whole process group: the parent stops the workers through ``stop``.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    run_sync_worker(settings, stop, **options)
