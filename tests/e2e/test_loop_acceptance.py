"""The loop closes by itself with the default settings (SPEC L-5, L-6, L-7, D-6, D-7, D-9),
exactly as the acceptance reads: `catalog load`, `listen import`, `worker --until-idle`,
`decisions --json`, through the real command on SQLite and PostgreSQL, on data written
independently of buzzstock's own simulator (``shop_story``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.shop_story import write_story

BUZZSTOCK = str(Path(sys.executable).with_name("buzzstock"))


def _run(folder: Path, database_url: str, *args: str) -> str:
    env = {**os.environ, "BUZZSTOCK_DATABASE_URL": database_url}
    done = subprocess.run(
        [BUZZSTOCK, *args], cwd=folder, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, f"buzzstock {' '.join(args)}: {done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture
def decisions(tmp_path: Path, database_url: str) -> list[dict[str, Any]]:
    write_story(tmp_path)
    _run(tmp_path, database_url, "catalog", "load", "shop.toml")
    _run(tmp_path, database_url, "listen", "import", "mentions.jsonl")
    _run(tmp_path, database_url, "worker", "--until-idle")
    found: list[dict[str, Any]] = json.loads(
        _run(tmp_path, database_url, "decisions", "--json", "--limit", "1000")
    )
    return found


@pytest.mark.slow
def test_d6_an_organic_positive_cross_platform_trend_orders_by_itself_and_nothing_else_does(
    decisions: list[dict[str, Any]],
) -> None:
    def of(sku: str, kind: str) -> list[dict[str, Any]]:
        return [d for d in decisions if d["sku"] == sku and d["kind"] == kind]

    [order] = of("GLOW", "purchase_order")
    assert order["route"] == "auto_execute", order["explanation"]
    assert order["status"] in ("scheduled", "sent")
    assert order["inputs"]["heat"] >= 150
    assert order["purchase_orders"], "the order is split across the SKU's suppliers"
    for quiet in ("DUPE", "PARCEL", "PLAIN"):
        assert of(quiet, "purchase_order") == [], quiet
        assert of(quiet, "supplier_notice") == [], quiet
        raised = [d for d in of(quiet, "price") if d["price"] > d["inputs"]["previous_price"]]
        assert raised == [], quiet
