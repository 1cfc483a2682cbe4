"""The `buzzstock` command as a seller runs it: clear output, clear errors, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from buzzstock.cli import app
from tests.stock.test_pool_basics import demo_catalogue_path

runner = CliRunner()


@pytest.fixture
def store(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    monkeypatch.setenv("BUZZSTOCK_DATABASE_URL", database_url)
    monkeypatch.setenv("BUZZSTOCK_CONFIG", str(tmp_path / "none.toml"))
    return database_url


def test_stress_writes_the_contract_json_and_oversells_nothing(store: str, tmp_path: Path) -> None:
    out = tmp_path / "stress.json"
    result = runner.invoke(
        app,
        [
            "stress",
            "--channels",
            "3",
            "--processes",
            "2",
            "--attempts",
            "300",
            "--units",
            "50",
            "--json",
            str(out),
            "--database-url",
            store,
        ],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(out.read_text())
    assert {
        "backend",
        "channels",
        "processes",
        "attempts",
        "units",
        "granted_units",
        "refused",
        "oversold_units",
        "reservations_per_second",
        "p99_ms",
    } <= set(summary)
    assert summary["granted_units"] == 50
    assert summary["oversold_units"] == 0
    assert summary["backend"] == store.split(":")[0].split("+")[0]


def test_catalogue_load_stock_show_and_ledger_verify(store: str) -> None:
    loaded = runner.invoke(app, ["catalog", "load", str(demo_catalogue_path())])
    assert loaded.exit_code == 0, loaded.output
    assert "opening stock set for: BREEZE-BAND" in loaded.output
    shown = runner.invoke(app, ["stock", "show", "BREEZE-BAND"])
    assert "available 3000" in shown.output
    verified = runner.invoke(app, ["ledger", "verify"])
    assert verified.exit_code == 0
    assert "ledger verified: yes" in verified.output


def test_errors_are_one_clear_line_and_exit_non_zero(store: str, tmp_path: Path) -> None:
    missing = runner.invoke(app, ["catalog", "load", str(tmp_path / "nope.toml")])
    assert missing.exit_code == 1
    assert "does not exist" in missing.output
    unknown = runner.invoke(app, ["stock", "show", "NO-SUCH-SKU"])
    assert unknown.exit_code == 1
    assert "NO-SUCH-SKU" in unknown.output
    bad_csv = tmp_path / "count.csv"
    bad_csv.write_text("sku,warehouse,on_hand\nNOPE,LAX,1\n")
    imported = runner.invoke(app, ["stock", "import", str(bad_csv)])
    assert imported.exit_code == 1
    assert "line 2" in imported.output


def test_config_show_names_rules_and_sources(store: str) -> None:
    shown = runner.invoke(app, ["config", "show"], env={"BUZZSTOCK_STOCK__REFILL_UNITS": "150"})
    assert shown.exit_code == 0
    line = next(line for line in shown.output.splitlines() if "stock.refill_units" in line)
    assert "150" in line
    assert "env" in line
