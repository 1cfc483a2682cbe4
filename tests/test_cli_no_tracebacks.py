"""Issue 11 finding 13: no traceback ever reaches a seller. Bad settings, unusable stores, numbers
too big to compute and dying workers each end in one clear message and a non-zero exit, and the
demo and the stress test never write into the seller's store."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select
from typer.testing import CliRunner, Result

from buzzstock.catalog.model import Channel
from buzzstock.catalog.service import create, skus
from buzzstock.cli import app
from buzzstock.core.context import open_context
from buzzstock.core.db import normalise_url, tables_with_rows
from buzzstock.settings import Settings
from buzzstock.shop import load_shop, read_shop_file
from tests.stock.test_pool_basics import demo_catalogue_path

runner = CliRunner()


@pytest.fixture
def config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Where the seller's buzzstock.toml is; the store is a SQLite file beside it."""
    for name in list(os.environ):
        if name.startswith("BUZZSTOCK_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "buzzstock.toml"
    monkeypatch.setenv("BUZZSTOCK_CONFIG", str(path))
    monkeypatch.setenv("BUZZSTOCK_DATABASE_URL", f"sqlite:///{tmp_path / 'shop.db'}")
    return path


@pytest.fixture
def shop(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """A seller's store on each backend, holding the demo shop."""
    monkeypatch.setenv("BUZZSTOCK_DATABASE_URL", database_url)
    monkeypatch.setenv("BUZZSTOCK_CONFIG", str(tmp_path / "none.toml"))
    ctx = open_context(Settings(database_url=database_url))
    try:
        load_shop(ctx, read_shop_file(demo_catalogue_path()))
    finally:
        ctx.close()
    return database_url


def refused(result: Result, *words: str, code: int = 1) -> None:
    """The command ended on purpose with ``code``, saying ``words``, and without a traceback."""
    assert result.exit_code == code, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    for word in words:
        assert word in result.output, (word, result.output)


def row_counts(database_url: str) -> dict[str, int]:
    engine = create_engine(normalise_url(database_url))
    try:
        with engine.connect() as connection:
            return {
                name: connection.execute(select(func.count()).select_from(table)).scalar_one()
                for name, table in (("skus", skus),)
            } | {"tables": len(tables_with_rows(engine))}
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("text", "words"),
    [
        pytest.param(
            '[stock]\nrefill_units = "lots"\n',
            ["stock.refill_units", "[stock]", "valid integer", "default 200"],
            id="bad-value",
        ),
        pytest.param(
            "[stock]\nrefil_units = 3\n",
            ["stock.refil_units", "no such setting", "config show stock."],
            id="unknown-setting",
        ),
        pytest.param(
            "[stock\nrefill_units = 3\n",
            ["not valid TOML", "line 1", "toml.io"],
            id="invalid-toml",
        ),
        pytest.param(
            "[markets.EU.stock]\nrefill_trigger_share = 7\n",
            ["markets.EU.stock.refill_trigger_share", "less than or equal to 1"],
            id="bad-market-override",
        ),
    ],
)
def test_finding_13_a_bad_buzzstock_toml_names_the_file_the_field_and_the_fix(
    config: Path, text: str, words: list[str]
) -> None:
    config.write_text(text, encoding="utf-8")
    for command in (
        ["config", "show"],
        ["stock", "show", "BREEZE-BAND"],
        ["worker", "--until-idle"],
    ):
        refused(runner.invoke(app, command), str(config), *words)


def test_finding_13_a_bad_environment_variable_is_named(
    config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BUZZSTOCK_STOCK__REFILL_UNITS", "-3")
    refused(
        runner.invoke(app, ["stock", "show", "X"]),
        "BUZZSTOCK_STOCK__REFILL_UNITS",
        "greater than or equal to 0",
    )


@pytest.mark.parametrize(
    ("url", "words"),
    [
        pytest.param(
            "mysql://shop:s3cret@db/shop",
            ["mysql://shop:***@db/shop", "sqlite:///", "postgresql://"],
            id="mysql",
        ),
        pytest.param(
            "postgresql://postgres:s3cret@127.0.0.1:1/shop",
            [
                "cannot open the database",
                "127.0.0.1:1",
                "Connection refused",
                "BUZZSTOCK_DATABASE_URL",
            ],
            id="unreachable-postgresql",
        ),
        pytest.param("::not a url", ["not a URL"], id="garbage"),
        pytest.param(
            "sqlite:////proc/no/such/shop.db", ["cannot create the folder"], id="sqlite-nowhere"
        ),
    ],
)
def test_finding_13_an_unusable_database_is_one_clear_message(
    config: Path, monkeypatch: pytest.MonkeyPatch, url: str, words: list[str]
) -> None:
    monkeypatch.setenv("BUZZSTOCK_DATABASE_URL", url)
    for command in (["stock", "show", "BREEZE-BAND"], ["db", "upgrade"], ["keys", "list"]):
        result = runner.invoke(app, command)
        refused(result, *words)
        assert "s3cret" not in result.output


@pytest.mark.parametrize(
    "options",
    [
        pytest.param(["--demand", "poisson", "--mean", "1e12"], id="poisson-1e12"),
        pytest.param(["--demand", "normal", "--mean", "1e12", "--std", "5"], id="normal-1e12"),
        pytest.param(
            ["--demand", "poisson", "--mean", "1e6", "--lead-time", "365"], id="long-lead"
        ),
        pytest.param(
            ["--demand", "normal", "--mean", "5", "--std", "1", "--lead-time", "1e9"], id="lead-1e9"
        ),
    ],
)
def test_finding_13_plan_quantity_refuses_inputs_past_its_range(
    config: Path, options: list[str]
) -> None:
    result = runner.invoke(
        app, ["plan", "quantity", *options, "--unit-cost", "10", "--price", "25"]
    )
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "1000000" in result.output.replace(",", "") or "365" in result.output


def test_finding_13_huge_counts_in_mentions_are_refused_by_line(config: Path) -> None:
    mentions = config.parent / "mentions.jsonl"
    line = (
        '{{"platform": "tiktok", "post_id": "{post}", "author_id": "a", '
        '"created_at": "2026-01-01T00:00:00Z", "text": "love it", {counter}}}\n'
    )
    mentions.write_text(
        line.format(post=1, counter='"views": 1e400')
        + line.format(post=2, counter='"likes": 99999999999999999999999')
        + line.format(post=3, counter='"shares": "9e30"'),
        encoding="utf-8",
    )
    refused(
        runner.invoke(app, ["listen", "import", str(mentions)]),
        "line 1: views",
        "line 2: likes",
        "line 3: shares",
        "nothing imported",
    )


def test_finding_13_stock_receive_refuses_negative_and_huge_counts(shop: str) -> None:
    before = runner.invoke(app, ["stock", "show", "BREEZE-BAND"]).output
    for quantity in ("-5", "0", str(10**22)):
        for command in (
            ["stock", "receive", "BREEZE-BAND", "LAX", quantity],
            ["stock", "move-quota", "BREEZE-BAND", "elastic", "US", quantity],
        ):
            refused(runner.invoke(app, command), "quantity", code=2)
    assert runner.invoke(app, ["stock", "show", "BREEZE-BAND"]).output == before


@pytest.mark.parametrize(
    ("channel", "words"),
    [
        pytest.param(
            "shopify",
            ["'shopify' has no adapter configuration", "docs/channels.md"],
            id="no-adapter",
        ),
        pytest.param("nope", ["unknown channel 'nope'"], id="unknown"),
    ],
)
def test_finding_13_sync_worker_without_an_adapter_starts_nothing(
    shop: str, channel: str, words: list[str]
) -> None:
    result = runner.invoke(app, ["sync-worker", "--channel", channel])
    refused(result, *words)
    assert "running" not in result.output


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found += [int(child) for child in text]
    return [
        child
        for child in found
        if "resource_tracker"
        not in Path(f"/proc/{child}/cmdline").read_bytes().decode(errors="replace")
    ]


@pytest.mark.slow
def test_finding_13_sync_worker_exits_non_zero_when_a_worker_dies(shop: str) -> None:
    ctx = open_context(Settings(database_url=shop))
    try:
        create(
            ctx,
            Channel(
                code="shopify-live",
                name="Shopify (adapter configured)",
                platform="shopify",
                market="US",
                settings={
                    "adapter": {
                        "base_url": "http://127.0.0.1:1",
                        "access_token": "shpat_test",
                        "client_secret": "secret",
                        "location_id": "gid://shopify/Location/1",
                    }
                },
            ),
        )
    finally:
        ctx.close()
    environment = {**os.environ, "BUZZSTOCK_DATABASE_URL": shop}
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from buzzstock.cli import main; main()",
            "sync-worker",
            "--channel",
            "shopify-live",
            "--processes",
            "2",
        ],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        assert "2 sync worker(s) running for shopify-live" in process.stdout.readline()
        deadline = time.monotonic() + 60
        while len(_children(process.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        os.kill(_children(process.pid)[0], signal.SIGKILL)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 1, stderr
    assert "stopped on its own" in stderr
    assert "Traceback" not in stderr


@pytest.mark.slow
def test_finding_13_stress_never_writes_into_the_sellers_store(shop: str, tmp_path: Path) -> None:
    before = row_counts(shop)
    out = tmp_path / "stress.json"
    result = runner.invoke(
        app,
        [
            "stress",
            "--channels",
            "2",
            "--processes",
            "2",
            "--attempts",
            "100",
            "--units",
            "20",
            "--json",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert '"backend": "sqlite"' in out.read_text()
    assert row_counts(shop) == before
    refused(
        runner.invoke(app, ["stress", "--attempts", "10", "--database-url", shop]),
        "the stress test needs an empty store",
    )
    assert row_counts(shop) == before


def test_finding_13_demo_refuses_a_store_that_holds_data(shop: str) -> None:
    before = row_counts(shop)
    refused(
        runner.invoke(app, ["demo", "--database-url", shop]),
        "the demo needs an empty store",
        "already holds data",
    )
    assert row_counts(shop) == before
