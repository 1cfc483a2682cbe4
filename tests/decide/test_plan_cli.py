"""`buzzstock plan quantity` and `buzzstock plan split` as a buyer runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from buzzstock.decide.cli import plan_app

runner = CliRunner()


def cli(*chunks: str) -> list[str]:
    return " ".join(chunks).split()


HEADER = "supplier,unit_cost,capacity,moq,lead_time_days,material_ready_day\n"


def _json(args: list[str]) -> dict[str, object]:
    result = runner.invoke(plan_app, args)
    assert result.exit_code == 0, result.stderr
    parsed: dict[str, object] = json.loads(result.stdout)
    return parsed


def test_quantity_normal_with_holding_and_shortage_costs() -> None:
    out = _json(
        cli(
            "quantity --demand normal --mean 50 --std",
            "8 --holding-cost 0.18 --shortage-cost 0.70 --json",
        )
    )
    assert set(out) == {"quantity", "expected_cost", "critical_ratio"}
    assert out["quantity"] == 57
    assert isinstance(out["quantity"], int)
    assert out["critical_ratio"] == pytest.approx(0.7954545454545454)
    assert out["expected_cost"] == pytest.approx(2.0000195590, abs=1e-8)


def test_quantity_with_prices_and_salvage_matches_holding_form() -> None:
    out = _json(
        cli(
            "quantity --demand normal --mean 50 --std 8",
            "--unit-cost 0.3 --price 1 --salvage 0.12 --json",
        )
    )
    assert out["quantity"] == 57
    assert out["critical_ratio"] == pytest.approx(0.7 / 0.88)


def test_quantity_poisson_with_lead_time() -> None:
    out = _json(
        cli(
            "quantity --demand poisson --mean 18 --holding-cost",
            "0.08 --shortage-cost 1.25 --lead-time 5 --json",
        )
    )
    assert out["quantity"] == 105
    assert out["expected_cost"] == pytest.approx(1.5450188691551778, abs=1e-12)


def test_quantity_poisson_example_4_7() -> None:
    out = _json(
        cli(
            "quantity --demand poisson --mean 6",
            "--holding-cost 1 --shortage-cost 4 --json",
        )
    )
    assert out == {
        "quantity": 8,
        "expected_cost": pytest.approx(3.570106945770946),
        "critical_ratio": 0.8,
    }


def test_quantity_readable_summary() -> None:
    result = runner.invoke(
        plan_app,
        cli(
            "quantity --demand normal --mean 50 --std",
            "8 --unit-cost 0.3 --price 1 --salvage 0.12",
        ),
    )
    assert result.exit_code == 0
    assert "57 units" in result.stdout
    assert "Expected profit" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--demand", "normal", "--mean", "50", "--holding-cost", "1", "--shortage-cost", "2"],
            "--std",
        ),
        (
            [
                "--demand",
                "poisson",
                "--mean",
                "5",
                "--std",
                "2",
                "--holding-cost",
                "1",
                "--shortage-cost",
                "2",
            ],
            "drop --std",
        ),
        (["--demand", "poisson", "--mean", "5"], "costs are missing"),
        (["--demand", "poisson", "--mean", "5", "--holding-cost", "1"], "together"),
        (["--demand", "poisson", "--mean", "5", "--price", "3"], "together"),
        (
            [
                "--demand",
                "poisson",
                "--mean",
                "5",
                "--holding-cost",
                "1",
                "--shortage-cost",
                "2",
                "--price",
                "3",
                "--unit-cost",
                "1",
            ],
            "not both",
        ),
        (
            ["--demand", "poisson", "--mean", "5", "--unit-cost", "5", "--price", "4"],
            "unit cost < price",
        ),
        (
            ["--demand", "poisson", "--mean", "-5", "--holding-cost", "1", "--shortage-cost", "2"],
            "mean",
        ),
        (
            [
                "--demand",
                "poisson",
                "--mean",
                "5",
                "--holding-cost",
                "1",
                "--shortage-cost",
                "2",
                "--lead-time",
                "0",
            ],
            "lead time",
        ),
        (
            ["--demand", "gamma", "--mean", "5", "--holding-cost", "1", "--shortage-cost", "2"],
            "--demand",
        ),
    ],
)
def test_quantity_bad_combinations_fail_on_stderr(args: list[str], message: str) -> None:
    result = runner.invoke(plan_app, ["quantity", *args, "--json"])
    assert result.exit_code != 0
    assert result.stdout == ""
    assert message in result.stderr


def _suppliers(tmp_path: Path, rows: str) -> str:
    path = tmp_path / "suppliers.csv"
    path.write_text(HEADER + rows, encoding="utf-8")
    return str(path)


def test_split_seed_case_with_an_early_deadline(tmp_path: Path) -> None:
    file = _suppliers(tmp_path, "A,10,300,50,3,4\nB,10.5,100,0,3,1\n")
    out = _json(
        [
            "split",
            "--suppliers",
            file,
            "--demand",
            "300",
            "--due",
            "7",
            "--need-by",
            "100@4",
            "--json",
        ]
    )
    assert out == {
        "lines": [
            {"supplier": "B", "quantity": 100, "arrival_day": 4},
            {"supplier": "A", "quantity": 200, "arrival_day": 7},
        ],
        "cost": 3050.0,
    }


def test_split_single_deadline(tmp_path: Path) -> None:
    file = _suppliers(
        tmp_path, "fast,11.5,300,100,8,0\nbalanced,10,250,200,18,0\ncheap,9,1000,500,35,0\n"
    )
    out = _json(["split", "--suppliers", file, "--demand", "500", "--due", "20", "--json"])
    assert out["cost"] == 5375.0
    assert out["lines"] == [
        {"supplier": "fast", "quantity": 250, "arrival_day": 8},
        {"supplier": "balanced", "quantity": 250, "arrival_day": 18},
    ]


def test_split_readable_output_explains(tmp_path: Path) -> None:
    file = _suppliers(tmp_path, "A,10,300,50,3,4\nB,10.5,100,0,3,1\n")
    result = runner.invoke(
        plan_app,
        ["split", "--suppliers", file, "--demand", "300", "--due", "7", "--need-by", "100@4"],
    )
    assert result.exit_code == 0
    assert "3,050.00" in result.stdout
    assert "By day 4: 100 units arrive" in result.stdout


def test_split_that_cannot_meet_the_due_day_fails_clearly(tmp_path: Path) -> None:
    file = _suppliers(tmp_path, "A,10,300,50,3,4\nB,10.5,100,0,3,1\n")
    result = runner.invoke(
        plan_app, ["split", "--suppliers", file, "--demand", "300", "--due", "5", "--json"]
    )
    assert result.exit_code != 0
    assert result.stdout == ""
    assert "300 units are needed by day 5" in result.stderr
    assert "only 100 units of capacity" in result.stderr


@pytest.mark.parametrize(
    ("rows", "extra", "message"),
    [
        ("A,10,300,50,3,4\n", ["--need-by", "100-4"], "UNITS@DAY"),
        ("A,10,x,50,3,4\n", [], "line 2"),
        ("", [], "no supplier rows"),
        ("A,10,300,50,3,4\n", ["--demand", "0"], "'--demand'"),
    ],
)
def test_split_bad_input_fails_clearly(
    tmp_path: Path, rows: str, extra: list[str], message: str
) -> None:
    file = _suppliers(tmp_path, rows)
    result = runner.invoke(
        plan_app, ["split", "--suppliers", file, "--demand", "300", "--due", "7", *extra, "--json"]
    )
    assert result.exit_code != 0
    assert message in result.stderr


def test_split_missing_file_fails_clearly(tmp_path: Path) -> None:
    result = runner.invoke(
        plan_app,
        [
            "split",
            "--suppliers",
            str(tmp_path / "none.csv"),
            "--demand",
            "3",
            "--due",
            "7",
            "--json",
        ],
    )
    assert result.exit_code != 0
    assert "cannot read suppliers file" in result.stderr
