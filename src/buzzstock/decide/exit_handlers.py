"""D-8: a declining trend exits: open orders stopped, made to order, a markdown ladder proposed
(listen's ``TrendDeclining``)."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, select

from buzzstock.core.context import Context
from buzzstock.core.db import reading
from buzzstock.core.errors import NotFound
from buzzstock.core.events import Event
from buzzstock.decide import actions, orders, portal, queue
from buzzstock.decide.exit import OpenOrder, OrderStage, PriceResponse, exit_orders, plan_markdown
from buzzstock.decide.explain import Reason
from buzzstock.decide.handler_support import catalogue_entry, claim_event
from buzzstock.decide.ladder import LadderStage
from buzzstock.decide.matrix import Route
from buzzstock.decide.proposal import ProposalAction, ProposalStatus
from buzzstock.decide.replenish import sales
from buzzstock.decide.settings import DecideSettings
from buzzstock.decide.store import decisions
from buzzstock.listen.events import TrendDeclining
from buzzstock.stock.service import stock_view


def on_trend_declining(ctx: Context, event: Event) -> None:
    """D-8: stop orders not yet produced, switch to make-to-order, propose a markdown ladder."""
    declining = TrendDeclining.from_payload(event.payload)
    sku = declining.sku
    entry = catalogue_entry(ctx, sku)
    if entry is None:
        return
    settings = ctx.section(DecideSettings, category=str(entry["category"]))
    now = ctx.clock.now()
    markdown = _markdown_inputs(ctx, settings, sku, float(entry["base_price"]))
    heat = declining.heat
    with ctx.engine.begin() as connection:
        if not claim_event(connection, event, "trend_declining", now):
            return
        portal.record_heat(connection, sku, event.occurred_at, heat, "TrendDeclining")
        _withdraw_open_purchases(connection, ctx, sku)
        rows = orders.open_rows(
            connection,
            [sku],
            (*orders.NOT_YET_PRODUCED, OrderStage.IN_PRODUCTION, OrderStage.SHIPPED),
        )
        quantities = orders.units_by_order(connection, [r.id for r in rows])
        plan = exit_orders(OpenOrder(r.id, OrderStage(r.state), quantities[r.id]) for r in rows)
        orders.cancel_rows(connection, [r for r in rows if r.id in plan.stop], now, "D-8 exit")
        queue.set_mode(connection, sku, now, stage=LadderStage.EXITED.value, make_to_order=True)
        queue.insert_decision(
            connection,
            kind=queue.EXIT,
            sku=sku,
            route=Route.AUTO_EXECUTE,
            status=ProposalStatus.RECORDED,
            reasons=plan.reasons,
            inputs={"heat": heat, "declining_days": declining.declining_days},
            result={"cancelled_orders": list(plan.stop), "kept_orders": list(plan.keep)},
            now=now,
            source_event_id=event.event_id,
        )
        if markdown is not None:
            queue.insert_decision(
                connection,
                kind=queue.MARKDOWN,
                sku=sku,
                route=Route.HUMAN_REVIEW,
                status=ProposalStatus.PROPOSED,
                reasons=markdown[1],
                inputs=markdown[0],
                now=now,
                source_event_id=event.event_id,
            )


def _withdraw_open_purchases(connection: Connection, ctx: Context, sku: str) -> None:
    """D-8: purchase proposals of a declining SKU are rejected (or undone when approved)."""
    for row in connection.execute(
        select(decisions.c.id, decisions.c.status)
        .where(
            decisions.c.sku == sku,
            decisions.c.kind == queue.PURCHASE,
            decisions.c.status.in_(("proposed", "approved", "paused")),
        )
        .order_by(decisions.c.id)
    ).all():
        action = ProposalAction.UNDO if row.status == "approved" else ProposalAction.REJECT
        actions.act_in(
            connection, ctx, row.id, action, note="trend declining", actor="the D-8 exit rule"
        )


def _markdown_inputs(
    ctx: Context, settings: DecideSettings, sku: str, base_price: float
) -> tuple[dict[str, Any], tuple[Reason, ...]] | None:
    """D-8: the markdown ladder for the stock on hand, from the price-demand model and the
    units the hub sold over the last week."""
    try:
        on_hand = int(stock_view(ctx, sku)["on_hand"])
    except NotFound:
        return None
    if on_hand <= 0:
        return None
    week = timedelta(days=7)
    with reading(ctx.engine) as connection:
        sold = sum(units for _, units in sales(connection, sku, ctx.clock.now() - week))
    daily = sold / week.days
    assumed = daily <= 0
    if assumed:
        daily = on_hand / settings.markdown_days
    sensitivity = settings.markdown_price_elasticity / base_price
    response = PriceResponse(
        daily * math.exp(sensitivity * base_price), sensitivity, settings.decline_daily_retention
    )
    floor = round(base_price * settings.markdown_floor_share, 2)
    plan = plan_markdown(on_hand, base_price, floor, response, settings)
    reasons = list(plan.reasons)
    if assumed:
        reasons.append(
            Reason(
                "D-8",
                f"no sales in the last 7 days: assumed {daily:.1f} units a day at the base price "
                "(the stock over the ladder's days); re-plan with your sales",
                {"assumed_daily_units": daily},
            )
        )
    inputs = {
        "on_hand": on_hand,
        "base_price": base_price,
        "floor_price": floor,
        "daily_units": daily,
        "elasticity": settings.markdown_price_elasticity,
        "daily_retention": settings.decline_daily_retention,
        "expected_cleared_share": round(plan.expected_cleared_share, 4),
        "steps": [
            {
                "decline_day": step.decline_day,
                "price": step.price,
                "expected_units": round(step.expected_units, 1),
            }
            for step in plan.steps
        ],
    }
    return inputs, tuple(reasons)
