"""Benchmark (not a test): reservations per second for one hot SKU, next to the raw limit.

For SQLite and PostgreSQL, with the same number of concurrent clients, it measures:

- raw: a bare conditional ``UPDATE ... SET n = n + 1 WHERE id = 1 AND n < :cap`` on one row, one
  transaction per update, with the same durability settings as the hub (the database's limit);
- in-process: ``reserve()`` of one unit for one hot SKU, called from threads of one process;
- HTTP: ``POST /api/v1/reservations`` against ``buzzstock serve`` (uvicorn) from client threads.

Every granted reservation is counted and checked against the units, so the table also proves
zero oversell. Prints a Rich table and writes the `stock` section of docs/benchmarks.md.

Run: ``.venv/bin/python bench/stock.py [--seconds 5] [--clients 4]``
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent))

from buzzstock.catalog.model import Channel, Market, Region, Sku, Warehouse
from buzzstock.catalog.service import create
from buzzstock.core.auth import create_key
from buzzstock.core.context import Context, open_context
from buzzstock.core.db import create_db_engine
from buzzstock.core.errors import DomainError
from buzzstock.settings import Settings
from buzzstock.stock import reservations
from buzzstock.stock.pool import receive, set_quotas
from common import machine, markdown_table, today, write_section

PG_ADMIN = os.environ.get("BUZZSTOCK_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
UNITS = 10_000_000


@dataclass
class Run:
    granted: int = 0
    refused: int = 0
    errors: int = 0
    seconds: float = 0.0

    @property
    def per_second(self) -> float:
        return self.granted / self.seconds if self.seconds else 0.0


def hammer(clients: int, seconds: float, call: Callable[[int], bool]) -> Run:
    """Run ``call`` from ``clients`` threads for ``seconds``; count granted and refused."""
    run = Run()
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client(index: int) -> None:
        granted = refused = errors = 0
        while time.perf_counter() < deadline:
            try:
                if call(index):
                    granted += 1
                else:
                    refused += 1
            except Exception:
                errors += 1
        with lock:
            run.granted += granted
            run.refused += refused
            run.errors += errors

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    run.seconds = time.perf_counter() - began
    return run


def raw_limit(url: str, clients: int, seconds: float) -> Run:
    engine = create_db_engine(url, pool_size=clients)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE bench_raw (id INTEGER PRIMARY KEY, n INTEGER)"))
        connection.execute(text("INSERT INTO bench_raw VALUES (1, 0)"))
    statement = text("UPDATE bench_raw SET n = n + 1 WHERE id = 1 AND n < :cap")

    def call(_index: int) -> bool:
        with engine.begin() as connection:
            return connection.execute(statement, {"cap": UNITS}).rowcount == 1

    run = hammer(clients, seconds, call)
    engine.dispose()
    return run


def set_up(ctx: Context) -> None:
    create(ctx, Region(code="R", name="Region", timezone="UTC", lat=0, lon=0))
    create(ctx, Market(code="M", name="Market", region="R", currency="USD", timezone="UTC"))
    create(ctx, Warehouse(code="W", name="W", region="R", city="C", lat=0, lon=0))
    create(ctx, Channel(code="c1", name="Channel", platform="custom", market="M"))
    create(ctx, Sku(code="HOT", name="Hot SKU"))
    receive(ctx, "HOT", "W", UNITS)
    set_quotas(ctx, "HOT", {"R": 1.0}, elastic_share=0.2)


def in_process(url: str, clients: int, seconds: float) -> Run:
    ctx = open_context(Settings(database_url=url), pool_size=clients)
    set_up(ctx)

    def call(index: int) -> bool:
        try:
            reservations.reserve(ctx, "HOT", 1, "c1", f"buyer-{index}-{time.perf_counter_ns()}")
        except DomainError:
            return False
        return True

    run = hammer(clients, seconds, call)
    ctx.close()
    return run


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def over_http(url: str, clients: int, seconds: float) -> Run:
    ctx = open_context(Settings(database_url=url))
    set_up(ctx)
    _, key = create_key(ctx, "bench", "admin")
    ctx.close()
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "buzzstock.api.app:app_from_environment",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env={**os.environ, "BUZZSTOCK_DATABASE_URL": url},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        http = httpx.Client(
            base_url=base,
            headers={"Authorization": f"Bearer {key}"},
            limits=httpx.Limits(max_connections=clients),
        )

        def call(index: int) -> bool:
            answer = http.post(
                "/api/v1/reservations",
                json={"sku": "HOT", "quantity": 1, "channel": "c1", "buyer": f"b{index}"},
            )
            if answer.status_code == 201:
                return True
            if answer.status_code == 409:
                return False
            raise RuntimeError(answer.text)

        run = hammer(clients, seconds, call)
        http.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    return run


def count_reserved(url: str) -> int:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as connection:
        value = connection.execute(
            text("SELECT COALESCE(SUM(quantity), 0) FROM reservations")
        ).scalar_one()
    engine.dispose()
    return int(value)


def fresh_database(backend: str, workdir: Path) -> tuple[str, Callable[[], None]]:
    if backend == "sqlite":
        path = workdir / f"{uuid.uuid4().hex}.db"
        return f"sqlite:///{path}", lambda: None
    name = f"bz_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return f"{PG_ADMIN.rsplit('/', 1)[0]}/{name}", drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--no-write", action="store_true", help="do not update docs/benchmarks.md")
    args = parser.parse_args()
    console = Console()
    rows: list[list[str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for backend in ("sqlite", "postgresql"):
            results: dict[str, Run] = {}
            oversold: dict[str, int] = {}
            for path, measure in (
                ("raw", raw_limit),
                ("in-process", in_process),
                ("HTTP", over_http),
            ):
                url, drop = fresh_database(backend, Path(tmp))
                try:
                    with console.status(f"{backend}: {path}"):
                        results[path] = measure(url, args.clients, args.seconds)
                    if path != "raw":
                        oversold[path] = max(0, count_reserved(url) - UNITS)
                finally:
                    drop()
            raw = results["raw"].per_second
            for path, run in results.items():
                rows.append(
                    [
                        backend,
                        path,
                        str(args.clients),
                        f"{run.per_second:,.0f}",
                        f"{run.per_second / raw:.0%}" if raw else "-",
                        "-" if path == "raw" else str(oversold[path]),
                        str(run.errors),
                    ]
                )
    headers = ["backend", "path", "clients", "per second", "of raw", "oversold", "errors"]
    table = Table(title="reservations of one hot SKU")
    for header in headers:
        table.add_column(header, justify="right" if header not in ("backend", "path") else "left")
    for row in rows:
        table.add_row(*row)
    console.print(table)
    if not args.no_write:
        body = (
            f"Measured {today()} on {machine()}; `python bench/stock.py --seconds {args.seconds:g} "
            f"--clients {args.clients}`.\n\n"
            "Raw is a bare conditional `UPDATE` of one row per transaction with the same "
            "durability settings (SQLite WAL + synchronous=NORMAL; PostgreSQL defaults, "
            "synchronous_commit on). In-process calls `reserve()` from client threads of one "
            "process; HTTP posts to `uvicorn` (one worker). One unit per reservation, one hot "
            "SKU; oversold is counted from the reservation rows afterwards.\n\n"
            + markdown_table(headers, rows)
        )
        write_section("stock", body)


if __name__ == "__main__":
    main()
