"""D-6 emergency stop as a seller meets it: a level-3 crisis or a person stops a SKU, which
pauses its replenishment, refuses its reservations with the rule id and shows 0 on every
channel; lifting it restores all of that. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from buzzstock.cli import app
from buzzstock.core.context import Context
from buzzstock.core.errors import Conflict, SkuPaused
from buzzstock.decide import actions, cash_store, queue, stops
from buzzstock.decide.proposal import ProposalAction
from buzzstock.respond.events import CrisisRaised
from buzzstock.stock import service as stock
from buzzstock.stock.store import channel_listings
from buzzstock.stock.sync.allotment import connect_listing, publish

from .conftest import SKU, Deliver, trend_confirmed

CHANNELS = ("tiktok-us", "amazon-eu", "shopee-my")


def _displays(ctx: Context) -> dict[str, tuple[int, int | None]]:
    with ctx.engine.connect() as connection:
        return {
            row.channel: (int(row.published_units), row.held_units)
            for row in connection.execute(
                select(
                    channel_listings.c.channel,
                    channel_listings.c.published_units,
                    channel_listings.c.held_units,
                ).where(channel_listings.c.sku == SKU)
            )
        }


def _list_on_channels(ctx: Context) -> None:
    for index, channel in enumerate(CHANNELS):
        connect_listing(ctx, channel, SKU, f"ref-{index}", compare_and_swap=True)
        publish(ctx, channel, SKU, 40 + index)


def _purchase(ctx: Context) -> dict[str, Any]:
    [decision] = queue.list_decisions(ctx, sku=SKU, kind=queue.PURCHASE)
    return decision


def test_d6_a_level_3_crisis_stops_replenishment_and_sales_until_the_stop_is_lifted(
    seeded: Context, deliver: Deliver
) -> None:
    cash_store.set_liquid_funds(seeded, 20_000)
    _list_on_channels(seeded)
    deliver(trend_confirmed(seeded, heat=230.0, positive_share=0.6))
    deliver(CrisisRaised(skus=(SKU,), level=2, reason="a few complaints"))
    assert _purchase(seeded)["status"] == "proposed"
    assert stock.reserve(seeded, SKU, 1, "tiktok-us", "early-buyer").quantity == 1

    deliver(CrisisRaised(skus=(SKU,), level=3, reason="burns reported"))

    decision = _purchase(seeded)
    assert decision["status"] == "paused"
    assert all(order["paused"] for order in decision["purchase_orders"])
    [stop] = queue.list_decisions(seeded, kind=queue.EMERGENCY)
    assert stop["route"] == "emergency_stop" and "burns reported" in stop["explanation"][0]
    with pytest.raises(SkuPaused) as refused:
        stock.reserve(seeded, SKU, 1, "tiktok-us", "buyer-1")
    assert refused.value.rule == "D-6" and "burns reported" in refused.value.detail
    assert _displays(seeded) == {"tiktok-us": (0, 40), "amazon-eu": (0, 41), "shopee-my": (0, 42)}
    with pytest.raises(Conflict):
        actions.act(seeded, decision["id"], ProposalAction.APPROVE)
    with pytest.raises(Conflict, match="emergency stop") as manual:
        stock.set_paused(seeded, SKU, False)
    assert manual.value.rule == "D-6"

    stops.lift_stop(seeded, SKU, "supplier's material passed the lab test", by="ops")

    assert _purchase(seeded)["status"] == "proposed"
    assert not any(order["paused"] for order in _purchase(seeded)["purchase_orders"])
    assert _displays(seeded) == {
        "tiktok-us": (40, None),
        "amazon-eu": (41, None),
        "shopee-my": (42, None),
    }
    assert stock.reserve(seeded, SKU, 1, "tiktok-us", "buyer-1").quantity == 1


def test_d6_while_stopped_a_publication_is_kept_for_the_lift_and_shows_zero(
    seeded: Context,
) -> None:
    _list_on_channels(seeded)
    stops.raise_stop(seeded, SKU, "toxic dye suspected", by="ops")
    assert stops.raise_stop(seeded, SKU, "again", by="ops")["reason"] == "toxic dye suspected"
    publish(seeded, "tiktok-us", SKU, 75)
    assert _displays(seeded)["tiktok-us"] == (0, 75)
    stops.lift_stop(seeded, SKU, "lab says no", by="ops")
    assert _displays(seeded)["tiktok-us"] == (75, None)
    with pytest.raises(Conflict, match="not under an emergency stop"):
        stops.lift_stop(seeded, SKU, "twice", by="ops")
    history = stops.list_stops(seeded, active_only=False)
    assert [(item["sku"], item["active"], item["lifted_by"]) for item in history] == [
        (SKU, False, "ops")
    ]


def test_d6_a_person_stops_and_resumes_a_sku_from_the_cli(
    seeded: Context, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BUZZSTOCK_DATABASE_URL", database_url)
    runner = CliRunner()
    stopped = runner.invoke(app, ["decisions", "stop", SKU, "--reason", "battery overheats"])
    assert stopped.exit_code == 0, stopped.output
    listed = runner.invoke(app, ["decisions", "stops", "--json"])
    [stop] = json.loads(listed.output)
    assert (stop["sku"], stop["reason"], stop["active"]) == (SKU, "battery overheats", True)
    with pytest.raises(SkuPaused):
        stock.reserve(seeded, SKU, 1, "tiktok-us", "buyer-1")
    missing_reason = runner.invoke(app, ["decisions", "stop", SKU])
    assert missing_reason.exit_code != 0 and "--reason" in missing_reason.output
    resumed = runner.invoke(app, ["decisions", "resume", SKU, "--reason", "recall cleared"])
    assert resumed.exit_code == 0, resumed.output
    assert stock.reserve(seeded, SKU, 1, "tiktok-us", "buyer-1").quantity == 1
    again = runner.invoke(app, ["decisions", "resume", SKU])
    assert again.exit_code == 1 and "not under an emergency stop" in again.output
