"""`buzzstock livesale`: the JSON contract, and the reference and naive sides of the report."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

from buzzstock.sim.livesale_buyers import (
    LiveSaleConfig,
    plan_channels,
    run_forecast_split,
    run_naive,
)

SMALL = LiveSaleConfig(channels=6, max_ack_delay=0.5, seed=3, units=120, duration_seconds=2.0)


def test_the_forecast_split_never_oversells_and_leaves_channels_empty_while_stock_remains() -> None:
    plans = plan_channels(SMALL)
    split = run_forecast_split(SMALL, plans)
    assert split.oversold_units == 0
    assert split.demand_units == sum(len(plan.arrivals) for plan in plans) > SMALL.units
    assert split.served_units <= SMALL.units
    assert 0 < split.false_sellout_share < 1, "a fixed split runs dry unevenly"


def test_the_naive_side_oversells_and_never_shows_zero_while_stock_remains() -> None:
    plans = plan_channels(SMALL)
    naive = asyncio.run(run_naive(SMALL, plans))
    assert naive.oversold_units > 0
    assert naive.served_units == SMALL.units
    assert naive.false_sellout_share == 0.0


def test_the_command_writes_the_documented_json(tmp_path: Path) -> None:
    report_path = tmp_path / "livesale.json"
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("buzzstock")),
            "livesale",
            "--channels",
            "6",
            "--max-ack-delay",
            "0.5",
            "--seed",
            "3",
            "--units",
            "120",
            "--duration",
            "2",
            "--json",
            str(report_path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert {"channels", "max_ack_delay_s", "units", "naive", "hub"} <= set(report)
    assert (report["channels"], report["max_ack_delay_s"], report["units"]) == (6, 0.5, 120)
    for side in ("naive", "hub", "forecast_split"):
        assert {"oversold_units", "served_units", "demand_units", "false_sellout_share"} <= set(
            report[side]
        )
    assert {"sync_p50_ms", "sync_p99_ms", "pushes", "changes"} <= set(report["hub"])
    assert report["hub"]["oversold_units"] == 0
    assert report["naive"]["oversold_units"] > 0
    assert "false sell-out" in result.stdout
