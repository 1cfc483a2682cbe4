"""`buzzstock worker` as an operator runs it: `--until-idle` processes everything due and exits
0; a running worker stops cleanly within 10 s on SIGTERM or SIGINT, even in the middle of a
large backlog, and hands back what it had not started (nothing waits for a lease)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from buzzstock.core.context import Context
from buzzstock.core.events import outbox_deliveries, record_all
from buzzstock.shop import load_shop, read_shop_file
from buzzstock.stock.events import OrderConfirmed
from tests.stock.test_pool_basics import demo_catalogue_path

BUZZSTOCK = str(Path(sys.executable).with_name("buzzstock"))
BACKLOG = 3000


def _backlog(ctx: Context) -> None:
    load_shop(ctx, read_shop_file(demo_catalogue_path()))
    events = [
        OrderConfirmed(
            order=f"ord_{index}",
            reservation=f"res_{index}",
            sku="BREEZE-BAND",
            channel="tiktok-us",
            units=1,
            warehouses={"LAX": 1},
        )
        for index in range(BACKLOG)
    ]
    with ctx.engine.begin() as connection:
        record_all(connection, events, ctx.clock.now())


def _deliveries(ctx: Context, state: str) -> int:
    with ctx.engine.connect() as connection:
        return int(
            connection.execute(
                select(func.count()).where(outbox_deliveries.c.state == state)
            ).scalar_one()
        )


@pytest.mark.slow
@pytest.mark.parametrize("stop_with", [signal.SIGTERM, signal.SIGINT])
def test_a_worker_stops_within_10_seconds_mid_backlog_and_hands_its_batch_back(
    ctx: Context, database_url: str, tmp_path: Path, stop_with: signal.Signals
) -> None:
    _backlog(ctx)
    env = {**os.environ, "BUZZSTOCK_DATABASE_URL": database_url}
    worker = subprocess.Popen(
        [BUZZSTOCK, "worker", "--poll-interval", "0.2"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while _deliveries(ctx, "delivered") < 50:
        assert worker.poll() is None, worker.communicate()
        assert time.monotonic() < deadline, "the worker delivered nothing"
        time.sleep(0.2)
    asked = time.monotonic()
    os.killpg(worker.pid, stop_with)
    _, stderr = worker.communicate(timeout=30)
    assert time.monotonic() - asked < 10
    assert worker.returncode == 0, stderr
    assert "Traceback" not in stderr
    assert _deliveries(ctx, "in_flight") == 0
    assert _deliveries(ctx, "delivered") < BACKLOG


def test_worker_until_idle_processes_everything_due_and_exits_0(
    ctx: Context, database_url: str, tmp_path: Path
) -> None:
    _backlog(ctx)
    env = {**os.environ, "BUZZSTOCK_DATABASE_URL": database_url}
    done = subprocess.run(
        [BUZZSTOCK, "worker", "--until-idle"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert "nothing left to do" in done.stdout
    assert _deliveries(ctx, "delivered") == BACKLOG
    assert _deliveries(ctx, "pending") == _deliveries(ctx, "in_flight") == 0
