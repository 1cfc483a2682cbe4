"""Issue 11 finding 14: everyday use of the command. `make demo` installs only what the demo needs
and shows it, `--version`, ids a seller can copy at 80 columns (short unique starts that every
command taking an id accepts), `config show PREFIX`, and help on every option."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from buzzstock import __version__
from buzzstock.cli import app
from buzzstock.core import auth
from buzzstock.core.context import open_context
from buzzstock.decide.purchase_decisions import propose_purchase
from buzzstock.settings import Settings
from buzzstock.shop import load_shop, read_shop_file
from tests.stock.test_pool_basics import demo_catalogue_path

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


@pytest.fixture
def shop(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    monkeypatch.setenv("BUZZSTOCK_DATABASE_URL", database_url)
    monkeypatch.setenv("BUZZSTOCK_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("COLUMNS", "80")
    ctx = open_context(Settings(database_url=database_url))
    try:
        load_shop(ctx, read_shop_file(demo_catalogue_path()))
    finally:
        ctx.close()
    return database_url


def _make(target: str) -> str:
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    answer = subprocess.run(
        ["make", "-n", "-B", "-f", str(ROOT / "Makefile"), target, "VENV=/nonexistent-venv"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return answer.stdout


def test_finding_14_make_demo_installs_only_the_runtime_and_shows_progress() -> None:
    demo = _make("demo")
    installs = [line for line in demo.splitlines() if " install " in line and "-e " in line]
    assert installs, demo
    assert all("[dev]" not in line and "--quiet" not in line for line in installs), installs
    assert all("--progress-bar on" in line for line in installs), installs
    assert "echo" in demo
    assert any("'.[dev]'" in line for line in _make("test").splitlines())


def test_finding_14_the_licence_is_an_spdx_expression() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["license"] == "Apache-2.0"
    requires = project["build-system"]["requires"]
    assert any(re.fullmatch(r"setuptools>=(\d+)", item) for item in requires), requires
    assert all(int(item.split(">=")[1]) >= 77 for item in requires if "setuptools" in item)


def test_finding_14_version() -> None:
    answer = runner.invoke(app, ["--version"])
    assert answer.exit_code == 0, answer.output
    assert answer.output.strip() == f"buzzstock {__version__}"


def _parameters(command: Any, path: str) -> Iterator[tuple[str, Any]]:
    for parameter in command.params:
        yield path, parameter
    for name, sub in (getattr(command, "commands", None) or {}).items():
        yield from _parameters(sub, f"{path} {name}")


def test_finding_14_every_option_has_help_and_every_number_a_range() -> None:
    missing_help = []
    unbounded = []
    for path, parameter in _parameters(get_command(app), "buzzstock"):
        if parameter.param_type_name == "option" and not parameter.help:
            missing_help.append(f"{path} --{parameter.name}")
        if parameter.bare_type() in (int, float) and (
            parameter.min is None or parameter.max is None
        ):
            unbounded.append(f"{path} {parameter.name}")
    assert not missing_help, missing_help
    assert not unbounded, unbounded


def test_finding_14_config_show_filters_by_prefix(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("BUZZSTOCK_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("BUZZSTOCK_DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    answer = runner.invoke(app, ["config", "show", "stock.refill", "--json"])
    assert answer.exit_code == 0, answer.output
    rows = json.loads(answer.output)
    assert rows and all(row["setting"].startswith("stock.refill") for row in rows)
    assert {"stock.refill_units", "stock.refill_trigger_share"} <= {row["setting"] for row in rows}
    table = runner.invoke(app, ["config", "show", "api."])
    assert table.exit_code == 0
    assert "api.max_body_bytes" in table.output
    assert "stock.refill_units" not in table.output
    nothing = runner.invoke(app, ["config", "show", "nope."])
    assert nothing.exit_code == 1
    assert "no setting starts with 'nope.'" in nothing.output


def _shown_ids(output: str, kind: str) -> list[str]:
    return re.findall(rf"\b{kind}_[0-9a-z]+\b", output)


def test_finding_14_key_ids_fit_80_columns_and_their_short_form_is_accepted(shop: str) -> None:
    ctx = open_context(Settings(database_url=shop))
    try:
        made = [auth.create_key(ctx, f"studio {n}", "operator")[0] for n in range(3)]
    finally:
        ctx.close()
    listed = runner.invoke(app, ["keys", "list"])
    assert listed.exit_code == 0, listed.output
    assert all(len(line) <= 80 for line in listed.output.splitlines()), listed.output
    shown = _shown_ids(listed.output, "key")
    assert len(shown) == 3
    assert all(any(full.startswith(short) for full in made) for short in shown)
    wide = json.loads(runner.invoke(app, ["keys", "list", "--json"]).output)
    assert sorted(row["id"] for row in wide) == sorted(made)
    ambiguous = runner.invoke(app, ["keys", "revoke", "key_"])
    assert ambiguous.exit_code == 1
    assert "more than one API key" in ambiguous.output
    revoked = runner.invoke(app, ["keys", "revoke", shown[0]])
    assert revoked.exit_code == 0, revoked.output
    assert [row["revoked"] for row in wide if row["id"].startswith(shown[0])] == [False]
    after = json.loads(runner.invoke(app, ["keys", "list", "--json"]).output)
    assert [row["id"] for row in after if row["revoked"]] == [
        full for full in made if full.startswith(shown[0])
    ]
    unknown = runner.invoke(app, ["keys", "revoke", "key_zzzz"])
    assert unknown.exit_code == 1
    assert "no API key 'key_zzzz'" in unknown.output


def test_finding_14_decision_ids_fit_80_columns_and_approve_takes_the_short_form(
    shop: str,
) -> None:
    ctx = open_context(Settings(database_url=shop))
    try:
        made = [
            propose_purchase(ctx, sku="BREEZE-BAND", quantity=60, due_days=10)["id"]
            for _ in range(2)
        ]
    finally:
        ctx.close()
    listed = runner.invoke(app, ["decisions"])
    assert listed.exit_code == 0, listed.output
    assert all(len(line) <= 80 for line in listed.output.splitlines()), listed.output
    shown = _shown_ids(listed.output, "dec")
    assert len(shown) == 2, listed.output
    assert sorted(full for full in made for short in shown if full.startswith(short)) == sorted(
        made
    )
    rejected = runner.invoke(app, ["decisions", "reject", shown[0], "--note", "not now"])
    assert rejected.exit_code == 0, rejected.output
    whole = next(full for full in made if full.startswith(shown[0]))
    assert f"{whole}: rejected" in rejected.output
    wide = runner.invoke(app, ["decisions", "--wide"], env={**os.environ, "COLUMNS": "200"})
    assert all(full in wide.output for full in made), wide.output
