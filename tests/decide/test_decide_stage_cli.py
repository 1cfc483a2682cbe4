"""The demo's Decide stage and the `buzzstock decisions` command."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from rich.console import Console
from typer.testing import CliRunner

from buzzstock.cli import app
from buzzstock.core.clock import ManualClock
from buzzstock.core.context import Context
from buzzstock.core.handler_registry import unregister_handler
from buzzstock.decide import cash_store, purchase_decisions, queue
from buzzstock.decide.handlers import HANDLERS
from buzzstock.demo.crisis_stage import run_crisis_stage
from buzzstock.demo.decide_stage import run_decide_stage
from buzzstock.demo.listen_stage import run_listen_stage
from buzzstock.demo.run import catalogue_path
from buzzstock.shop import load_shop, read_shop_file
from buzzstock.stock.view import stock_view

from .conftest import SKU


@pytest.fixture
def global_handlers() -> Iterator[None]:
    yield
    for name in HANDLERS:
        unregister_handler(name)


def test_demo_story_from_buzz_to_an_auto_order_received_and_a_crisis_stop(
    ctx: Context, clock: ManualClock, global_handlers: None
) -> None:
    """The demo after its live sale: buzz in, the worker confirms the trend, decide schedules
    the stage-1 order (D-6), it is sent after its undo window, shipped and received; a level-3
    crisis stops the SKU everywhere until the seller lifts it."""
    load_shop(ctx, read_shop_file(catalogue_path()))
    console = Console(record=True, width=160)
    run_listen_stage(console, ctx)
    [decision] = queue.list_decisions(ctx, sku=SKU, kind=queue.PURCHASE)
    assert (decision["route"], decision["status"]) == ("auto_execute", "scheduled")

    summary = run_decide_stage(console, ctx, clock)

    assert (summary["route"], summary["status"]) == ("auto_execute", "sent")
    assert {order["supplier"] for order in summary["orders"]} == {"SZ-A", "DG-B"}
    assert summary["in_transit_after_shipping"] == summary["received_units"] == 100
    assert summary["on_hand_after"] == summary["on_hand_before"] + 100
    assert stock_view(ctx, SKU)["in_transit"] == 0
    assert any(line.startswith("D-2:") for line in summary["explanation"])
    text = console.export_text()
    assert "route auto_execute, status scheduled" in text and "15-minute undo window" in text

    crisis = run_crisis_stage(console, ctx, ["tiktok-us", "amazon-eu", "shopee-th"])

    assert set(crisis["stopped"].values()) == {0} and all(crisis["listed"].values())
    assert crisis["lifted"] == crisis["listed"]
    assert crisis["refused"].startswith("refused [D-6]")
    assert crisis["after_lift"].startswith("accepted")


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
