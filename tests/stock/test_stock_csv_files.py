"""Stock CSV as sellers have it: numbers within their documented range, the encodings and
dialects spreadsheets write, and files that are no CSV at all; a bad file changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from buzzstock.api.app import create_app
from buzzstock.cli import app
from buzzstock.core import auth
from buzzstock.core.context import Context, open_context
from buzzstock.settings import Settings
from tests.stock.test_pool_basics import SKU, demo_catalogue_path

runner = CliRunner()


@pytest.fixture
def store(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    """A store with the demo catalogue loaded through the CLI (SIN holds 800 units)."""
    monkeypatch.setenv("BUZZSTOCK_DATABASE_URL", database_url)
    monkeypatch.setenv("BUZZSTOCK_CONFIG", str(tmp_path / "none.toml"))
    loaded = runner.invoke(app, ["catalog", "load", str(demo_catalogue_path())])
    assert loaded.exit_code == 0, loaded.output
    yield database_url


def _export(tmp_path: Path) -> str:
    out = tmp_path / "export.csv"
    exported = runner.invoke(app, ["stock", "export", "--out", str(out)])
    assert exported.exit_code == 0, exported.output
    return out.read_text(encoding="utf-8")


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_finding_9_stock_csv_refuses_counts_beyond_range(store: str, tmp_path: Path) -> None:
    before = _export(tmp_path)
    counted = _write(
        tmp_path / "count.csv",
        b"sku,warehouse,on_hand,low_threshold\n"
        + f"{SKU},SIN,9000000000000000000,10\n".encode()
        + f"{SKU},LAX,-1,10\n".encode()
        + f"{SKU},HAM,5,99999999999\n".encode(),
    )

    refused = runner.invoke(app, ["stock", "import", str(counted)])

    assert refused.exit_code == 1, refused.output
    assert "Traceback" not in refused.output
    assert "nothing was changed" in refused.output
    assert (
        "count.csv: line 2: on_hand: 9000000000000000000 is not a count from 0 to 1000000000"
    ) in refused.output
    assert "count.csv: line 3: on_hand: -1 is not a count from 0 to 1000000000" in refused.output
    assert (
        "count.csv: line 4: low_threshold: 99999999999 is not a count from 0 to 1000000000"
    ) in refused.output
    assert _export(tmp_path) == before

    too_many = _write(
        tmp_path / "total.csv",
        f"sku,warehouse,on_hand\n{SKU},SIN,900000000\n{SKU},LAX,900000000\n".encode(),
    )
    refused = runner.invoke(app, ["stock", "import", str(too_many)])
    assert refused.exit_code == 1, refused.output
    assert f"{SKU} would hold 1800001000 units in all warehouses" in refused.output
    assert _export(tmp_path) == before

    shown = runner.invoke(app, ["stock", "show", SKU])
    assert shown.exit_code == 0, shown.output
    assert "on hand 3000" in shown.output
    ctx: Context = open_context(Settings(database_url=store))
    try:
        key = auth.create_key(ctx, "reader", "admin")[1]
        with TestClient(create_app(ctx)) as client:
            answer = client.get(f"/api/v1/stock/{SKU}", headers={"Authorization": f"Bearer {key}"})
    finally:
        ctx.close()
    assert answer.status_code == 200, answer.text
    assert answer.json()["on_hand"] == 3000
