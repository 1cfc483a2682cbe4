"""The buzz simulator end to end through the pipeline: real trends are confirmed, bot-made
spikes are flagged and never confirmed; the simulate and analyse commands."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from buzzstock.listen.cli import listen_app
from buzzstock.listen.engine import Pipeline
from buzzstock.listen.events import (
    FakeHeatSuspected,
    ListenEvent,
    TrendAlertRaised,
    TrendConfirmed,
)
from buzzstock.sim.buzz import Simulation, simulate

DAYS = 40
SEEDS = (3, 11)


@pytest.fixture(scope="module", params=SEEDS)
def scenario(request: pytest.FixtureRequest) -> tuple[Simulation, list[ListenEvent]]:
    simulation = simulate(DAYS, request.param)
    pipeline = Pipeline()
    pipeline.ingest_all(simulation.mentions)
    pipeline.advance_to(simulation.start + timedelta(days=DAYS))
    return simulation, pipeline.events


def test_real_trends_are_confirmed_before_their_demand_peak(
    scenario: tuple[Simulation, list[ListenEvent]],
) -> None:
    simulation, events = scenario
    trends = [product for product in simulation.products if product.real_trend]
    assert trends
    for product in trends:
        confirmed = [
            event.at
            for event in events
            if isinstance(event, TrendConfirmed) and event.sku == product.product_id
        ]
        assert confirmed, f"{product.product_id} never confirmed"
        assert product.trend_start and product.demand_peak
        assert product.trend_start < confirmed[0] < product.demand_peak


def test_bot_made_spikes_are_flagged_and_never_confirmed(
    scenario: tuple[Simulation, list[ListenEvent]],
) -> None:
    simulation, events = scenario
    attacks = [product for product in simulation.products if product.kind == "attack"]
    assert attacks
    for product in attacks:
        own = [event for event in events if event.sku == product.product_id]
        assert any(isinstance(event, FakeHeatSuspected) for event in own)
        assert not any(isinstance(event, TrendConfirmed) for event in own)
        assert not any(
            isinstance(event, TrendAlertRaised) and event.tier in ("orange", "red") for event in own
        )


def test_nothing_but_real_trends_is_confirmed(
    scenario: tuple[Simulation, list[ListenEvent]],
) -> None:
    simulation, events = scenario
    real = {product.product_id for product in simulation.products if product.real_trend}
    confirmed = {event.sku for event in events if isinstance(event, TrendConfirmed)}
    assert confirmed == real


def test_the_simulator_is_deterministic_and_its_truth_names_the_fake_mentions() -> None:
    first, again = simulate(21, 5, products=4), simulate(21, 5, products=4)
    assert [mention.to_json() for mention in first.mentions] == [
        mention.to_json() for mention in again.mentions
    ]
    assert first.truth_json() == again.truth_json()
    fake = [mention for mention in first.mentions if mention.post_id in first.fake_post_ids]
    assert all(mention.author_id.startswith("bot-") for mention in fake)
    real = [mention for mention in first.mentions if mention.post_id not in first.fake_post_ids]
    assert not any(mention.author_id.startswith("bot-") for mention in real)
    assert {mention.created_at.tzinfo for mention in first.mentions} == {first.start.tzinfo}
    assert simulate(21, 6, products=4).truth_json() != first.truth_json()


def test_simulate_then_analyse_from_the_command_line(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "buzz"
    result = runner.invoke(
        listen_app,
        ["simulate", "--days", "25", "--seed", "4", "--out", str(out), "--products", "4"],
    )
    assert result.exit_code == 0, result.output
    truth = json.loads((out / "truth.json").read_text())
    assert {product["kind"] for product in truth["products"]} <= {
        "trend",
        "attack",
        "quiet",
        "steady",
        "fad",
        "complaint",
    }
    lines = (out / "mentions.jsonl").read_text().splitlines()
    assert len(lines) > 100 and all(
        json.loads(line)["created_at"].endswith("+00:00") for line in lines
    )
    report = tmp_path / "trends.json"
    result = runner.invoke(
        listen_app,
        [
            "analyse",
            str(out / "mentions.jsonl"),
            "--watchlist",
            str(out / "watchlists.json"),
            "--json",
            str(report),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Trends in mentions.jsonl" in result.stdout
    document = json.loads(report.read_text())
    assert {trend["product_id"] for trend in document["trends"]} == {
        product["product_id"] for product in truth["products"]
    }


def test_analyse_refuses_a_bad_file_with_line_numbers(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"platform": "tiktok"}\nnot json\n')
    result = CliRunner().invoke(listen_app, ["analyse", str(bad)])
    assert result.exit_code == 1
    assert "line 1" in result.stderr and "line 2" in result.stderr
    assert "nothing imported" in result.stderr
