"""Idempotency-Key across kill -9: a reservation retried after the server died answers the first
hold, never a second one and never "insufficient" because of the first (S-4, API contract).

Real `buzzstock serve` processes on SQLite and PostgreSQL are killed with SIGKILL again and again
while clients send 2,000 keyed reservations against exactly 2,000 units, retrying every key
until it has an answer, as a channel's checkout would.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
from sqlalchemy import func, select

from buzzstock.catalog import service as catalog
from buzzstock.catalog.model import Sku
from buzzstock.core.context import open_context
from buzzstock.settings import Settings
from buzzstock.stock import service as stock
from buzzstock.stock.store import reservations

from .conftest import _free_port, _prepare, _wait_until_healthy

KEYS = 2_000
CLIENTS = 8
KILLS = 6
DEADLINE_SECONDS = 600.0
SKU = "CRASH-TEST"
BUZZSTOCK = str(Path(sys.executable).with_name("buzzstock"))


class _Killer:
    """Starts `buzzstock serve`, and kills it with SIGKILL at random moments until told to stop."""

    def __init__(self, database_url: str, workdir: Path) -> None:
        self.port = _free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.environment = {
            name: value for name, value in os.environ.items() if not name.startswith("BUZZSTOCK_")
        }
        self.environment |= {
            "BUZZSTOCK_DATABASE_URL": database_url,
            "BUZZSTOCK_STOCK__RESERVATION_TTL_SECONDS": "86400",
            "BUZZSTOCK_API__IDEMPOTENCY_TAKEOVER_SECONDS": "2",
        }
        self.workdir = workdir
        self.kills = 0
        self.stopping = threading.Event()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = self.workdir / f"server-{self.kills}.log"
        with log.open("wb") as output:
            self.process = subprocess.Popen(
                [BUZZSTOCK, "serve", "--port", str(self.port)],
                cwd=self.workdir,
                env=self.environment,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        _wait_until_healthy(self.process, self.base_url, log)

    def kill_now_and_then(self, random_delay: random.Random) -> None:
        while self.kills < KILLS and not self.stopping.wait(random_delay.uniform(0.4, 1.2)):
            assert self.process is not None
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()
            self.kills += 1
            self.start()

    def stop(self) -> None:
        self.stopping.set()
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)


@contextmanager
def _killed_server(database_url: str, workdir: Path) -> Iterator[_Killer]:
    killer = _Killer(database_url, workdir)
    killer.start()
    thread = threading.Thread(target=killer.kill_now_and_then, args=(random.Random(11),))
    thread.start()
    try:
        yield killer
    finally:
        killer.stop()
        thread.join()


_clients = threading.local()


def _client_of_this_thread(base_url: str) -> httpx.Client:
    """One keep-alive client per client thread: a channel's checkout reuses its connection."""
    client: httpx.Client | None = getattr(_clients, base_url, None)
    if client is None:
        client = httpx.Client(base_url=base_url, timeout=10.0)
        setattr(_clients, base_url, client)
    return client


def _reserve_until_answered(base_url: str, key: str, idempotency_key: str) -> list[str]:
    """Send one keyed reservation until it is answered; the reservation ids of every 201."""
    body = {"sku": SKU, "quantity": 1, "channel": "tiktok-us", "buyer": f"buyer-{idempotency_key}"}
    headers = {"Authorization": f"Bearer {key}", "Idempotency-Key": idempotency_key}
    granted: list[str] = []
    client = _client_of_this_thread(base_url)
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        try:
            answer = client.post("/api/v1/reservations", json=body, headers=headers)
        except httpx.TransportError:
            time.sleep(0.05)
            continue
        if answer.status_code == 201:
            granted.append(answer.json()["id"])
            if len(granted) == 2:
                return granted
            continue
        if answer.status_code >= 500 or "in-flight" in answer.text:
            time.sleep(0.2)
            continue
        raise AssertionError(f"key {idempotency_key}: {answer.status_code} {answer.text}")
    raise AssertionError(f"key {idempotency_key} was never answered within {DEADLINE_SECONDS} s")


def test_reservations_retried_across_kill_9_are_granted_exactly_once(
    database_url: str, tmp_path: Path
) -> None:
    keys = _prepare(database_url)
    ctx = open_context(Settings(database_url=database_url))
    try:
        catalog.create(ctx, Sku(code=SKU, name="crash test item"))
        stock.receive(ctx, SKU, "LAX", KEYS)
    finally:
        ctx.close()
    idempotency_keys = [str(uuid.uuid4()) for _ in range(KEYS)]

    with _killed_server(database_url, tmp_path) as killer, ThreadPoolExecutor(CLIENTS) as pool:
        answers = list(
            pool.map(
                lambda key: _reserve_until_answered(killer.base_url, keys["channel"], key),
                idempotency_keys,
            )
        )

    ctx = open_context(Settings(database_url=database_url))
    try:
        with ctx.engine.connect() as connection:
            holds = connection.execute(
                select(func.count()).select_from(reservations).where(reservations.c.sku == SKU)
            ).scalar_one()
        available = stock.stock_view(ctx, SKU)["available"]
    finally:
        ctx.close()
    assert killer.kills == KILLS
    double_answers = [ids for ids in answers if ids[0] != ids[1]]
    assert double_answers == []
    assert len({ids[0] for ids in answers}) == KEYS
    assert holds == KEYS
    assert available == 0
