"""Decide as a seller uses it, stored: the seed's cases through the service and the event
handlers, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from itertools import pairwise
from typing import Any

import pytest
from sqlalchemy import select

from buzzstock.core.clock import ManualClock
from buzzstock.core.context import Context
from buzzstock.core.errors import Conflict, InvalidInput
from buzzstock.core.events import Event, outbox_events
from buzzstock.decide import (
    actions,
    cash_store,
    orders,
    portal,
    price_decisions,
    purchase_decisions,
    queue,
    schedule,
)
from buzzstock.decide.proposal import ProposalAction
from buzzstock.decide.settings import DecideSettings
from buzzstock.decide.trend_handlers import on_trend_confirmed
from buzzstock.listen.events import AttributeRequests, TrendDeclining
from buzzstock.stock.view import stock_view

from .conftest import SKU, Deliver, trend_alert, trend_confirmed


def _events(ctx: Context, event_type: str) -> list[dict[str, Any]]:
    with ctx.engine.connect() as connection:
        return [
            row.payload
            for row in connection.execute(
                select(outbox_events.c.payload)
                .where(outbox_events.c.event_type == event_type)
                .order_by(outbox_events.c.seq)
            )
        ]


def _purchases(ctx: Context) -> list[dict[str, Any]]:
    return queue.list_decisions(ctx, sku=SKU, kind=queue.PURCHASE)


def _split(decision: dict[str, Any]) -> dict[str, int]:
    return {
        order["supplier"]: order["lines"][0]["quantity"]
        for order in decision["purchase_orders"]
        if order["state"] != "cancelled"
    }


def test_seed_ab_split_is_proposed_approved_and_sent_within_cash(seeded: Context) -> None:
    decision = purchase_decisions.propose_purchase(
        seeded, sku=SKU, quantity=300, due_days=7, need_by=[(100, 4)]
    )
    assert decision["status"] == "proposed"
    assert _split(decision) == {"A": 200, "B": 100}
    assert any(
        "B: 100 units" in line and "arrives day 3" in line for line in decision["explanation"]
    )
    with pytest.raises(Conflict, match="liquid funds are not set"):
        actions.act(seeded, decision["id"], ProposalAction.APPROVE)
    cash_store.set_liquid_funds(seeded, 20_000)
    approved = actions.act(seeded, decision["id"], ProposalAction.APPROVE, note="looks right")
    assert {o["state"] for o in approved["purchase_orders"]} == {"approved"}
    assert cash_store.cash_overview(seeded)["committed_today"] == 3050.0
    sent = actions.act(seeded, decision["id"], ProposalAction.SEND)
    assert sent["status"] == "sent"
    assert {o["state"] for o in sent["purchase_orders"]} == {"sent"}
    assert cash_store.cash_overview(seeded)["liquid_funds"] == 20_000 - 3050
    assert len(_events(seeded, "PurchaseOrderSent")) == 2
    with pytest.raises(Conflict, match="cannot undo"):
        actions.act(seeded, decision["id"], ProposalAction.UNDO)


def test_an_order_above_30_percent_of_funds_is_refused_and_nothing_changes(seeded: Context) -> None:
    cash_store.set_liquid_funds(seeded, 9_000)
    decision = purchase_decisions.propose_purchase(seeded, sku=SKU, quantity=300, due_days=7)
    assert _split(decision) == {"A": 300}
    with pytest.raises(Conflict, match="30%"):
        actions.act(seeded, decision["id"], ProposalAction.APPROVE)
    again = queue.get_decision(seeded, decision["id"])
    assert again["status"] == "proposed"
    assert {o["state"] for o in again["purchase_orders"]} == {"draft"}
    edited = actions.act(seeded, decision["id"], ProposalAction.EDIT, quantity=250)
    assert _split(edited) == {"A": 250}
    assert actions.act(seeded, decision["id"], ProposalAction.APPROVE)["status"] == "approved"


def test_d6_auto_execute_schedules_an_explained_split_order_and_sends_it_after_the_undo_window(
    seeded: Context, deliver: Deliver, clock: ManualClock
) -> None:
    cash_store.set_liquid_funds(seeded, 20_000)
    deliver(trend_confirmed(seeded))
    [decision] = _purchases(seeded)
    assert (decision["route"], decision["status"]) == ("auto_execute", "scheduled")
    assert decision["scheduled_for"] == (clock.now() + timedelta(minutes=15)).isoformat()
    assert _split(decision) == {"A": 100, "B": 50}
    rules = {reason["rule"] for reason in decision["reasons"]}
    assert {"D-2", "D-3", "D-4", "D-6"} <= rules
    assert "15-minute undo window" in decision["explanation"][0]
    assert decision["inputs"]["heat"] == 172.0
    assert {o["state"] for o in decision["purchase_orders"]} == {"approved"}
    assert cash_store.cash_overview(seeded)["liquid_funds"] == 20_000
    clock.advance(timedelta(minutes=14))
    assert schedule.send_due_decisions(seeded) == []
    clock.advance(timedelta(minutes=1))
    assert schedule.send_due_decisions(seeded) == [decision["id"]]
    [sent] = _purchases(seeded)
    assert sent["status"] == "sent"
    assert {o["state"] for o in sent["purchase_orders"]} == {"sent"}
    spares = {o["supplier"]: o["spare_units"] for o in sent["purchase_orders"]}
    assert spares == {"A": 3, "B": 2}
    assert cash_store.cash_overview(seeded)["liquid_funds"] == 20_000 - 1525 - 3 * 10 - 2 * 10.5
    with pytest.raises(Conflict, match="cannot undo"):
        actions.act(seeded, decision["id"], ProposalAction.UNDO)


def test_d6_an_auto_executed_order_undone_within_its_window_is_never_sent(
    seeded: Context, deliver: Deliver, clock: ManualClock
) -> None:
    cash_store.set_liquid_funds(seeded, 20_000)
    deliver(trend_confirmed(seeded))
    [decision] = _purchases(seeded)
    undone = actions.act(seeded, decision["id"], ProposalAction.UNDO, note="not this week")
    assert undone["status"] == "undone"
    assert {o["state"] for o in undone["purchase_orders"]} == {"cancelled"}
    clock.advance(timedelta(hours=1))
    assert schedule.send_due_decisions(seeded) == []
    assert _events(seeded, "PurchaseOrderSent") == []
    assert cash_store.cash_overview(seeded)["committed_today"] == 0


def test_d6_a_very_hot_trend_with_clear_sentiment_still_orders_its_test_batch(
    seeded: Context, deliver: Deliver
) -> None:
    cash_store.set_liquid_funds(seeded, 20_000)
    deliver(trend_confirmed(seeded, heat=260.0, positive_share=0.93))
    [decision] = _purchases(seeded)
    assert (decision["route"], decision["status"]) == ("auto_execute", "scheduled")
    assert "very hot" in decision["explanation"][0]


def test_human_review_path_queues_the_order_without_spending(
    seeded: Context, deliver: Deliver
) -> None:
    cash_store.set_liquid_funds(seeded, 20_000)
    deliver(trend_confirmed(seeded, heat=230.0, positive_share=0.6))
    [decision] = _purchases(seeded)
    assert (decision["route"], decision["status"]) == ("human_review", "proposed")
    assert "mixed sentiment" in decision["explanation"][0]
    assert {o["state"] for o in decision["purchase_orders"]} == {"draft"}
    assert cash_store.cash_overview(seeded)["liquid_funds"] == 20_000


def test_d6_new_category_and_authority_limit_go_to_review(
    seeded: Context, deliver: Deliver
) -> None:
    cash_store.set_liquid_funds(seeded, 20_000)
    seeded.section(DecideSettings).authority_limit = 1_000
    deliver(trend_confirmed(seeded))
    [decision] = _purchases(seeded)
    assert decision["route"] == "human_review"
    assert "above the authority limit" in decision["explanation"][0]


def test_d6_a_category_the_seller_marks_new_goes_to_procurement_review(
    seeded: Context, deliver: Deliver
) -> None:
    cash_store.set_liquid_funds(seeded, 20_000)
    seeded.settings.categories = {"accessories": {"decide": {"new_category": True}}}
    deliver(trend_confirmed(seeded))
    [decision] = _purchases(seeded)
    assert decision["route"] == "human_review"
    assert decision["explanation"][0] == "D-6: new product category: procurement review"


def test_cash_cuts_the_stage_one_order_or_leaves_it_to_a_person(
    seeded: Context, deliver: Deliver
) -> None:
    deliver(trend_confirmed(seeded))
    [unfunded] = _purchases(seeded)
    assert unfunded["route"] == "human_review"
    assert any("liquid funds are not set" in line for line in unfunded["explanation"])


def test_cash_limit_cuts_an_auto_order_to_what_fits(seeded: Context, deliver: Deliver) -> None:
    cash_store.set_liquid_funds(seeded, 5_000)
    deliver(trend_confirmed(seeded))
    [decision] = _purchases(seeded)
    assert decision["route"] == "auto_execute"
    assert decision["quantity"] == 142
    assert sum(o["cost"] for o in decision["purchase_orders"]) <= 0.30 * 5_000
    assert any("cut from 150 to 142" in line for line in decision["explanation"])


def test_handlers_are_idempotent_by_event_id(seeded: Context) -> None:
    cash_store.set_liquid_funds(seeded, 20_000)
    trend = trend_confirmed(seeded)
    event = Event("evt_repeat", trend.event_type, trend.to_payload(), seeded.clock.now())
    on_trend_confirmed(seeded, event)
    on_trend_confirmed(seeded, event)
    assert len(_purchases(seeded)) == 1
    assert cash_store.cash_overview(seeded)["committed_today"] == 1576


def test_purchase_order_feeds_stock_in_transit_then_on_hand(
    seeded: Context, clock: ManualClock
) -> None:
    cash_store.set_liquid_funds(seeded, 20_000)
    order = orders.create_order(seeded, supplier="A", warehouse="LAX", lines={SKU: 120})
    with pytest.raises(Conflict):
        orders.ship_order(seeded, order["id"])
    orders.approve_order(seeded, order["id"])
    orders.send_order(seeded, order["id"])
    orders.start_production(seeded, order["id"])
    with pytest.raises(Conflict, match="in_production"):
        orders.cancel_order(seeded, order["id"])
    before = stock_view(seeded, SKU)
    shipped = orders.ship_order(seeded, order["id"], eta=clock.now() + timedelta(days=2))
    assert shipped["state"] == "shipped"
    after_ship = stock_view(seeded, SKU)
    assert after_ship["in_transit"] == before["in_transit"] + 120
    lax = next(w for w in after_ship["warehouses"] if w["warehouse"] == "LAX")
    assert lax["in_transit_eta"] == (clock.now() + timedelta(days=2)).isoformat()
    partial = orders.receive_order(seeded, order["id"], {SKU: 70})
    assert partial["state"] == "shipped" and partial["lines"][0]["received"] == 70
    with pytest.raises(InvalidInput, match="only 50 still expected"):
        orders.receive_order(seeded, order["id"], {SKU: 60})
    done = orders.receive_order(seeded, order["id"], {SKU: 50})
    assert done["state"] == "received"
    final = stock_view(seeded, SKU)
    assert final["on_hand"] == before["on_hand"] + 120
    assert final["in_transit"] == before["in_transit"]


def test_decline_stops_unproduced_orders_and_proposes_a_markdown(
    seeded: Context, deliver: Deliver, clock: ManualClock
) -> None:
    cash_store.set_liquid_funds(seeded, 20_000)
    deliver(trend_confirmed(seeded))
    [decision] = _purchases(seeded)
    by_supplier = {o["supplier"]: o["id"] for o in decision["purchase_orders"]}
    clock.advance(timedelta(minutes=15))
    schedule.send_due_decisions(seeded)
    orders.start_production(seeded, by_supplier["B"])
    deliver(
        TrendDeclining(
            sku=SKU,
            at=clock.now(),
            declining_days=3,
            heat=90.0,
            positive_share=0.8,
            platforms=(),
        )
    )
    states = {o["supplier"]: o["state"] for o in orders.list_orders(seeded, sku=SKU)}
    assert states == {"A": "cancelled", "B": "in_production"}
    assert cash_store.cash_overview(seeded)["liquid_funds"] == 20_000 - 50 * 10.5 - 2 * 10.5
    [exit_record] = queue.list_decisions(seeded, kind=queue.EXIT)
    assert exit_record["result"]["cancelled_orders"] == [by_supplier["A"]]
    [markdown] = queue.list_decisions(seeded, kind=queue.MARKDOWN)
    steps = markdown["inputs"]["steps"]
    assert markdown["status"] == "proposed" and steps[0]["decline_day"] == 3
    assert all(a["price"] >= b["price"] for a, b in pairwise(steps))
    approved = actions.act(seeded, markdown["id"], ProposalAction.APPROVE)
    assert approved["status"] == "approved"
    assert _events(seeded, "MarkdownPlanApproved")[0]["decision_id"] == markdown["id"]
    deliver(trend_confirmed(seeded, heat=180.0))
    assert len(_purchases(seeded)) == 1
    assert "made to order" in queue.list_decisions(seeded, kind=queue.WATCH)[0]["explanation"][0]


def test_price_follows_heat_with_approve_and_undo(seeded: Context, deliver: Deliver) -> None:
    cash_store.set_liquid_funds(seeded, 20_000)
    deliver(trend_confirmed(seeded, heat=190.0, growth=0.5))
    [proposal] = queue.list_decisions(seeded, kind=queue.PRICE)
    assert proposal["price"] == pytest.approx(39.0 * 1.15, abs=0.01)
    assert _events(seeded, "PriceChanged") == []
    actions.act(seeded, proposal["id"], ProposalAction.APPROVE)
    assert price_decisions.current_price(seeded, SKU) == pytest.approx(44.85)
    actions.act(seeded, proposal["id"], ProposalAction.UNDO, note="too early")
    assert price_decisions.current_price(seeded, SKU) == 39.0
    changes = _events(seeded, "PriceChanged")
    assert [(c["price"], c["reason"]) for c in changes] == [(44.85, "approved"), (39.0, "undone")]


def test_d9_an_orange_alert_above_heat_150_sends_each_supplier_one_prepare_notice(
    seeded: Context, deliver: Deliver
) -> None:
    deliver(trend_alert(seeded, heat=150.0))
    deliver(trend_alert(seeded, heat=170.0, tier="yellow"))
    deliver(trend_alert(seeded, heat=170.0, fake_heat_probability=0.6))
    assert _events(seeded, "SupplierNotice") == []
    deliver(trend_alert(seeded, heat=151.0))
    deliver(trend_alert(seeded, heat=170.0, tier="red"))
    notices = _events(seeded, "SupplierNotice")
    assert sorted(n["supplier"] for n in notices) == ["A", "B"]
    assert notices[0]["rule"] == "D-9" and notices[0]["kind"] == "prepare_production"
    assert portal.notices_for(seeded, "A")[0]["sku"] == SKU


def test_attribute_requests_are_counted_per_product(seeded: Context, deliver: Deliver) -> None:
    now = seeded.clock.now()
    asked = {"bigger size": 30, "eco material": 20}
    deliver(AttributeRequests(sku=SKU, at=now, requests=asked, totals=asked))
    deliver(
        AttributeRequests(
            sku=SKU,
            at=now,
            requests={"bigger size": 6},
            totals={"bigger size": 36, "eco material": 20},
        )
    )
    totals = portal.attribute_request_totals(seeded, [SKU])[SKU]
    assert totals == [
        {"attribute": "bigger size", "mentions": 36},
        {"attribute": "eco material", "mentions": 20},
    ]
