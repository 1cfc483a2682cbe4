"""D-6/D-8: a declining trend exits (open orders stopped, made to order, a markdown ladder
proposed) and an emergency stop pauses everything related (``TrendDeclining``,
``CrisisRaised``, ``EmergencyStop``).
"""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy import Connection, select

from buzzstock.core.context import Context
from buzzstock.core.errors import NotFound
from buzzstock.core.events import Event
from buzzstock.decide import actions, orders, portal, queue
from buzzstock.decide.exit import OpenOrder, OrderStage, PriceResponse, exit_orders, plan_markdown
from buzzstock.decide.explain import Reason
from buzzstock.decide.handler_support import (
    catalogue_entry,
    claim_event,
    number_field,
    sku_of,
)
from buzzstock.decide.ladder import LadderStage
from buzzstock.decide.matrix import Route
from buzzstock.decide.proposal import ProposalAction, ProposalStatus
from buzzstock.decide.settings import DecideSettings
from buzzstock.decide.store import decisions
from buzzstock.stock.service import stock_view


def on_trend_declining(ctx: Context, event: Event) -> None:
    """D-8: stop orders not yet produced, switch to make-to-order, propose a markdown ladder."""
    payload = event.payload
    sku = sku_of(payload)
    entry = catalogue_entry(ctx, sku)
    if entry is None or sku is None:
        return
    settings = ctx.section(DecideSettings, category=str(entry["category"]))
    now = ctx.clock.now()
    markdown = _markdown_inputs(ctx, settings, sku, float(entry["base_price"]), payload)
    with ctx.engine.begin() as connection:
        if not claim_event(connection, event, "trend_declining", now):
            return
        heat = number_field(payload, "heat")
        if heat is not None:
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
            inputs={"heat": heat, "declining_days": payload.get("declining_days")},
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
    ctx: Context,
    settings: DecideSettings,
    sku: str,
    base_price: float,
    payload: dict[str, Any],
) -> tuple[dict[str, Any], tuple[Reason, ...]] | None:
    """D-8: the markdown ladder for the stock on hand, from the price-demand model."""
    try:
        on_hand = int(stock_view(ctx, sku)["on_hand"])
    except NotFound:
        return None
    if on_hand <= 0:
        return None
    daily = number_field(payload, "daily_units")
    assumed = daily is None or daily <= 0
    if daily is None or daily <= 0:
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
                f"no recent sales rate given: assumed {daily:.1f} units a day at the base price "
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


def on_emergency(ctx: Context, event: Event) -> None:
    """D-6 emergency stop: a level-3 crisis or an explicit stop pauses every related order and
    proposal of the named products."""
    payload = event.payload
    if event.event_type == "CrisisRaised" and (number_field(payload, "level", 0.0) or 0.0) < 3:
        return
    named = payload.get("skus")
    skus = [str(s) for s in named] if isinstance(named, list) else []
    single = sku_of(payload)
    if single is not None:
        skus.append(single)
    known = sorted({sku for sku in skus if catalogue_entry(ctx, sku) is not None})
    now = ctx.clock.now()
    reason = str(payload.get("reason") or payload.get("summary") or event.event_type)
    with ctx.engine.begin() as connection:
        if not claim_event(connection, event, "emergency", now) or not known:
            return
        queue.pause_related(
            connection,
            known,
            reason,
            {"event": event.event_type, "level": payload.get("level", 3)},
            now,
            event.event_id,
        )
