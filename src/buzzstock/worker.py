"""The worker: every capability's due jobs and the outbox dispatcher, pass after pass
(``buzzstock worker``, the server's background thread, the demo)."""

from __future__ import annotations

import logging
import multiprocessing as mp
import signal
import time

from buzzstock.core import outbox
from buzzstock.core.context import Context, open_context
from buzzstock.core.outbox import StopSignal
from buzzstock.core.stopping import SignalledStop
from buzzstock.handlers import register_all
from buzzstock.jobs import run_due_jobs
from buzzstock.settings import Settings, load_settings

logger = logging.getLogger(__name__)


def work_pass(ctx: Context, dispatcher: outbox.Dispatcher, stop: StopSignal | None) -> bool:
    """One pass of the due jobs and the outbox; whether it found anything to do."""
    done = run_due_jobs(ctx)
    stats = dispatcher.run_once(stop)
    return done > 0 or not stats.idle


def background_loop(ctx: Context, stop: StopSignal, poll_interval: float = 1.0) -> None:
    """Until ``stop`` is set: every capability's due jobs (``buzzstock.jobs``) and the delivery
    of outbox events to every capability's handlers, pausing ``poll_interval`` when idle."""
    register_all()
    with outbox.Dispatcher(ctx) as dispatcher:
        while not stop.is_set():
            try:
                busy = work_pass(ctx, dispatcher, stop)
            except Exception:
                logger.exception("background pass failed; retrying")
                busy = False
            if not busy:
                stop.wait(poll_interval)


def run_until_idle(ctx: Context, max_passes: int = 10_000) -> int:
    """Passes until one finds nothing due (scripts, checks, the demo); returns the passes run."""
    register_all()
    with outbox.Dispatcher(ctx) as dispatcher:
        for passes in range(1, max_passes + 1):
            if not work_pass(ctx, dispatcher, None):
                return passes
    return max_passes


STOP_GRACE_SECONDS = 8.0


def _worker_process(settings_data: dict[str, object], shared: StopSignal, interval: float) -> None:
    # SIGINT and SIGTERM reach the whole process group (Ctrl-C, a service manager): each worker
    # stops after the delivery it is on, like the parent asks through ``shared``.
    stop = SignalledStop(shared)
    signal.signal(signal.SIGINT, stop.request)
    signal.signal(signal.SIGTERM, stop.request)
    ctx = open_context(Settings.model_validate(settings_data), migrate=False)
    try:
        background_loop(ctx, stop, interval)
    finally:
        ctx.close()


def run_workers(processes: int, poll_interval: float) -> None:
    """``processes`` worker processes until SIGINT or SIGTERM; each finishes the delivery it is
    on, hands the rest of its batch back and exits (the parent waits a few seconds at most)."""
    settings = load_settings()
    open_context(settings).close()
    spawn = mp.get_context("spawn")
    shared = spawn.Event()
    stop = SignalledStop()
    signal.signal(signal.SIGINT, stop.request)
    signal.signal(signal.SIGTERM, stop.request)
    workers = [
        spawn.Process(
            target=_worker_process,
            args=(settings.model_dump(), shared, poll_interval),
            daemon=False,
        )
        for _ in range(processes)
    ]
    for process in workers:
        process.start()
    while not stop.is_set() and any(process.is_alive() for process in workers):
        stop.wait(0.5)
    shared.set()
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for process in workers:
        process.join(timeout=max(0.0, deadline - time.monotonic()))
        if process.is_alive():
            logger.warning("worker %s did not stop in time; terminating it", process.pid)
            process.terminate()
            process.join(timeout=1.0)
