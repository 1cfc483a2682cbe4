"""Running the service: the API server and background workers (expiry sweeper, outbox)."""

from __future__ import annotations

import logging
import multiprocessing as mp
import signal
import threading
from types import FrameType

import uvicorn

from buzzstock.api.app import create_app
from buzzstock.core import outbox
from buzzstock.core.context import Context, open_context
from buzzstock.core.outbox import StopSignal
from buzzstock.handlers import register_all
from buzzstock.settings import Settings, load_settings
from buzzstock.stock.live import evaluate_live_rules, skus_selling_now
from buzzstock.stock.reservations import release_expired

logger = logging.getLogger(__name__)


def background_loop(ctx: Context, stop: StopSignal, poll_interval: float = 1.0) -> None:
    """Until ``stop`` is set: release expired holds (S-4), apply the velocity rules of S-5 to
    SKUs that are selling, and deliver outbox events to every capability's handlers."""
    register_all()
    with outbox.Dispatcher(ctx) as dispatcher:
        while not stop.is_set():
            try:
                release_expired(ctx)
                for sku in skus_selling_now(ctx):
                    evaluate_live_rules(ctx, sku)
                dispatcher.run_once()
            except Exception:
                logger.exception("background pass failed; retrying")
            stop.wait(poll_interval)


def run_server(host: str, port: int, *, background: bool = True) -> None:
    ctx = open_context(load_settings())
    stop = threading.Event()
    thread = threading.Thread(target=background_loop, args=(ctx, stop), daemon=True)
    if background:
        thread.start()
    try:
        uvicorn.run(create_app(ctx), host=host, port=port, log_level="info")
    finally:
        stop.set()
        if background:
            thread.join(timeout=10)
        ctx.close()


def _worker_process(settings_data: dict[str, object], stop: StopSignal, interval: float) -> None:
    ctx = open_context(Settings.model_validate(settings_data), migrate=False)
    try:
        background_loop(ctx, stop, interval)
    finally:
        ctx.close()


def run_workers(processes: int, poll_interval: float) -> None:
    settings = load_settings()
    open_context(settings).close()
    spawn = mp.get_context("spawn")
    stop = spawn.Event()

    def request_stop(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    workers = [
        spawn.Process(
            target=_worker_process, args=(settings.model_dump(), stop, poll_interval), daemon=False
        )
        for _ in range(processes)
    ]
    for process in workers:
        process.start()
    for process in workers:
        process.join()
