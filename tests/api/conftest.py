"""A real buzzstock API server per test module, on SQLite and on PostgreSQL.

The server is `uvicorn --factory buzzstock.api.app:app_from_environment` in its own process,
configured only through the environment, exactly as a seller would run it. The demo catalogue
and the API keys are set up beforehand through the service functions on the same database.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import httpx
import psycopg
import pytest

from buzzstock.core import auth
from buzzstock.core.context import open_context
from buzzstock.settings import Settings
from buzzstock.shop import load_shop, read_shop_file

from .helpers import Server

STARTUP_SECONDS = 30.0
PG_ADMIN = os.environ.get("BUZZSTOCK_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def _create_pg_database() -> str:
    name = f"bz_api_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return name


def _drop_pg_database(name: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """Module-scoped twin of the suite's `database_url`: one fresh database per module and backend,
    so one server start serves every test of a module."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('api') / 'buzzstock.db'}"
        return
    if not request.getfixturevalue("pg_available"):
        pytest.skip("PostgreSQL is not answering on 127.0.0.1:5432 (CI starts it)")
    name = _create_pg_database()
    try:
        yield f"{PG_ADMIN.rsplit('/', 1)[0]}/{name}"
    finally:
        _drop_pg_database(name)


def demo_catalogue_path() -> Path:
    return Path(str(resources.files("buzzstock.demo").joinpath("catalogue.toml")))


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _prepare(database_url: str) -> dict[str, str]:
    """Load the demo catalogue and create one key per role, straight through the services."""
    ctx = open_context(Settings(database_url=database_url))
    try:
        load_shop(ctx, read_shop_file(demo_catalogue_path()))
        keys = {
            "admin": auth.create_key(ctx, "test admin", "admin")[1],
            "operator": auth.create_key(ctx, "test operator", "operator")[1],
            "channel": auth.create_key(ctx, "tiktok us", "channel", channel="tiktok-us")[1],
            "amazon": auth.create_key(ctx, "amazon us", "channel", channel="amazon-us")[1],
            "supplier": auth.create_key(ctx, "shenzhen", "supplier", supplier="SZ-01")[1],
        }
    finally:
        ctx.close()
    return keys


def _wait_until_healthy(process: subprocess.Popen[bytes], base_url: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = log.read_text(errors="replace")
            raise RuntimeError(f"the API server exited with {process.returncode}:\n{output}")
        try:
            if httpx.get(f"{base_url}/api/v1/health", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the API server did not answer within {STARTUP_SECONDS} s")


@pytest.fixture(scope="module")
def server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    keys = _prepare(database_url)
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    environment = {
        name: value for name, value in os.environ.items() if not name.startswith("BUZZSTOCK_")
    }
    environment["BUZZSTOCK_DATABASE_URL"] = database_url
    workdir = tmp_path_factory.mktemp("server")
    log = workdir / "server.log"
    log_file = log.open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "buzzstock.api.app:app_from_environment",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=workdir,
        env=environment,
        stdout=log_file,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_until_healthy(process, base_url, log)
        yield Server(base_url, database_url, keys)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log_file.close()


def _client(server: Server, role: str | None) -> Iterator[httpx.Client]:
    with server.client(role) as client:
        yield client


@pytest.fixture(scope="module")
def admin(server: Server) -> Iterator[httpx.Client]:
    yield from _client(server, "admin")


@pytest.fixture(scope="module")
def operator(server: Server) -> Iterator[httpx.Client]:
    yield from _client(server, "operator")


@pytest.fixture(scope="module")
def channel(server: Server) -> Iterator[httpx.Client]:
    """The channel key of TikTok Shop US."""
    yield from _client(server, "channel")


@pytest.fixture(scope="module")
def supplier(server: Server) -> Iterator[httpx.Client]:
    yield from _client(server, "supplier")


@pytest.fixture(scope="module")
def anonymous(server: Server) -> Iterator[httpx.Client]:
    yield from _client(server, None)
