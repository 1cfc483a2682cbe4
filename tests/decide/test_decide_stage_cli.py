"""The demo's Decide stage and the `buzzstock decisions` command."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from rich.console import Console
from typer.testing import CliRunner

from buzzstock.cli import app
from buzzstock.core.context import Context
from buzzstock.core.handler_registry import unregister_handler
from buzzstock.decide import cash_store, purchase_decisions, queue
from buzzstock.decide.handlers import HANDLERS
from buzzstock.demo.decide_stage import run_decide_stage
from buzzstock.stock.view import stock_view

from .conftest import SKU


@pytest.fixture
def global_handlers() -> Iterator[None]:
    yield
    for name in HANDLERS:
        unregister_handler(name)


def test_demo_stage_turns_a_trend_into_received_stock(shop: Context, global_handlers: None) -> None:
    console = Console(record=True, width=160)
    summary = run_decide_stage(console, shop)
    assert summary["route"] == "auto_execute"
    assert {order["supplier"] for order in summary["orders"]} == {"SZ-A", "DG-B"}
    assert summary["in_transit_after_shipping"] == summary["received_units"] == 150
    assert summary["on_hand_after"] == summary["on_hand_before"] + 150
    assert stock_view(shop, SKU)["in_transit"] == 0
    assert any(line.startswith("D-2:") for line in summary["explanation"])
    assert "stage-1 order" in console.export_text()


def test_decisions_command_lists_and_approves(
    seeded: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BUZZSTOCK_DATABASE_URL", seeded.settings.database_url)
    cash_store.set_liquid_funds(seeded, 20_000)
    decision = purchase_decisions.propose_purchase(seeded, sku=SKU, quantity=120, due_days=7)
    runner = CliRunner()
    listed = runner.invoke(app, ["decisions", "--json"])
    assert listed.exit_code == 0, listed.output
    assert [d["id"] for d in json.loads(listed.output)] == [decision["id"]]
    table = runner.invoke(app, ["decisions"])
    assert table.exit_code == 0 and "decision queue" in table.output
    approved = runner.invoke(app, ["decisions", "approve", decision["id"]])
    assert approved.exit_code == 0, approved.output
    assert queue.get_decision(seeded, decision["id"])["status"] == "approved"
    again = runner.invoke(app, ["decisions", "reject", decision["id"]])
    assert again.exit_code == 1
    assert "cannot reject" in again.output
    assert queue.get_decision(seeded, decision["id"])["status"] == "approved"
    missing = runner.invoke(app, ["decisions", "approve", "dec_nope"])
    assert missing.exit_code == 1
