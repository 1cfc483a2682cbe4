"""D-3/D-6: a confirmed trend routed through the decision matrix to a stage-1 order, and sales
that move the ladder on (listen's ``TrendConfirmed``, the stock hub's ``OrderConfirmed``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from buzzstock.core.context import Context
from buzzstock.core.errors import Conflict, InvalidInput
from buzzstock.core.events import Event
from buzzstock.decide import (
    orders,
    portal,
    price_decisions,
    purchase_decisions,
    queue,
    replenish,
)
from buzzstock.decide.explain import Reason
from buzzstock.decide.handler_support import catalogue_entry, claim_event, record_watch
from buzzstock.decide.ladder import Freight, HeatConfirmed, LadderStage, advance
from buzzstock.decide.matrix import Route, TrendSignal, route_decision
from buzzstock.decide.proposal import ProposalStatus
from buzzstock.decide.settings import DecideSettings
from buzzstock.decide.stage_one import (
    fit_cash,
    stage_one_need_by,
    stage_one_sizing,
    stage_one_split,
)
from buzzstock.listen.events import TrendConfirmed
from buzzstock.stock.events import OrderConfirmed


def on_trend_confirmed(ctx: Context, event: Event) -> None:
    """D-6/D-3: route a confirmed trend through the decision matrix.

    Auto-execute: a stage-1 order split across the SKU's suppliers (D-2), within the cash
    limits (D-5) and the authority limit, approved and scheduled: it is sent once the undo
    window has passed. Human review: the same order waits in the queue.
    """
    trend = TrendConfirmed.from_payload(event.payload)
    sku = trend.sku
    entry = catalogue_entry(ctx, sku)
    now = ctx.clock.now()
    if entry is None:
        with ctx.engine.begin() as connection:
            if claim_event(connection, event, "trend_confirmed", now):
                record_watch(
                    connection,
                    sku,
                    Route.NO_ACTION,
                    (Reason("D-6", f"{sku!r} is not a catalogue SKU: nothing to order"),),
                    trend.to_payload(),
                    now,
                    event,
                )
        return
    settings = ctx.section(DecideSettings, category=str(entry["category"]))
    warehouse = purchase_decisions.default_warehouse(ctx, sku)
    with ctx.engine.begin() as connection:
        if not claim_event(connection, event, "trend_confirmed", now):
            return
        portal.record_heat(
            connection,
            sku,
            event.occurred_at,
            trend.heat,
            "TrendConfirmed",
            growth=trend.growth,
            positive_share=trend.positive_share,
            platforms=trend.platforms,
        )
        portal.send_prepare_notices(connection, settings, sku, trend.heat, now)
        signal, inputs = _signal(trend, settings)
        sizing = stage_one_sizing(ctx, connection, settings, entry, trend, now)
        _route_trend(connection, ctx, settings, event, sku, signal, inputs, warehouse, now, sizing)
    if trend.heat > settings.hot_heat_index:
        price_decisions.propose_price_change(
            ctx,
            sku=sku,
            heat=trend.heat,
            growth_percent=trend.growth * 100,
            source_event_id=event.event_id,
        )


def _signal(trend: TrendConfirmed, settings: DecideSettings) -> tuple[TrendSignal, dict[str, Any]]:
    signal = TrendSignal(
        heat_index=trend.heat,
        positive_share=trend.positive_share,
        cross_platform_verified=trend.cross_platform_verified,
        new_category=settings.new_category,
    )
    inputs = {
        "heat": trend.heat,
        "positive_share": trend.positive_share,
        "platforms": list(trend.platforms),
        "cross_platform_verified": trend.cross_platform_verified,
        "category_is_new": settings.new_category,
        "validation_demand": trend.validation_demand,
    }
    return signal, inputs


def _route_trend(
    connection: Connection,
    ctx: Context,
    settings: DecideSettings,
    event: Event,
    sku: str,
    signal: TrendSignal,
    inputs: dict[str, Any],
    warehouse: str,
    now: datetime,
    sizing: tuple[int | None, tuple[Reason, ...], dict[str, Any]],
) -> None:
    stage, made_to_order = queue.sku_mode(connection, sku)
    if made_to_order or stage != LadderStage.WATCHING.value:
        why = "made to order since the decline" if made_to_order else f"ladder at {stage}"
        record_watch(
            connection,
            sku,
            Route.NO_ACTION,
            (Reason("D-3", f"{why}: no new stage-1 order"),),
            inputs,
            now,
            event,
        )
        return
    if signal.heat_index < settings.auto_heat_min:
        low = route_decision(signal, 0.0, settings)
        record_watch(connection, sku, low.route, low.reasons, inputs, now, event)
        return
    suggested, sizing_reasons, sizing_inputs = sizing
    inputs = {**inputs, **sizing_inputs}
    reasons = list(sizing_reasons)
    step = advance(LadderStage.WATCHING, HeatConfirmed(suggested), settings)
    if step.order is None:
        record_watch(connection, sku, Route.NO_ACTION, step.reasons, inputs, now, event)
        return
    reasons.extend(step.reasons)
    quantity = step.order.quantity
    try:
        plan, late = stage_one_split(connection, settings, sku, quantity, now)
    except (InvalidInput, Conflict) as error:
        reasons.append(Reason(error.rule or "D-2", error.detail.removeprefix("D-2: ")))
        record_watch(connection, sku, Route.HUMAN_REVIEW, tuple(reasons), inputs, now, event)
        return
    reasons.extend(late)
    plan, cash_reasons, cash_ok = fit_cash(connection, settings, sku, plan, now)
    reasons.extend(cash_reasons)
    routed = route_decision(signal, plan.cost, settings)
    route = routed.route if cash_ok else Route.HUMAN_REVIEW
    auto = route is Route.AUTO_EXECUTE
    decision_id = purchase_decisions.create_purchase_decision(
        connection,
        sku=sku,
        route=route,
        status=ProposalStatus.SCHEDULED if auto else ProposalStatus.PROPOSED,
        reasons=(*routed.reasons, *reasons),
        plan=plan,
        inputs={
            **inputs,
            "stage": 1,
            "quantity": sum(line.quantity for line in plan.lines),
            "due_days": settings.fast_tier_max_days,
            "need_by": [list(pair) for pair in stage_one_need_by(settings, quantity)],
        },
        warehouse=warehouse,
        freight=Freight.AIR,
        now=now,
        source_event_id=event.event_id,
        trend_settings=settings,
        scheduled_for=now + timedelta(minutes=settings.undo_window_minutes) if auto else None,
    )
    queue.set_mode(connection, sku, now, stage=LadderStage.TEST_ORDER.value)
    if auto:
        orders.approve_rows(
            connection, ctx, orders.decision_rows(connection, decision_id), now, check_cash=True
        )


def on_order_confirmed(ctx: Context, event: Event) -> None:
    """D-3: a sale may finish the first batch (stage 2) or prove lasting demand (stage 3)."""
    OrderConfirmed.from_payload(event.payload)
    now = ctx.clock.now()
    candidates = replenish.ladder_candidates(ctx)
    with ctx.engine.begin() as connection:
        if claim_event(connection, event, "order_confirmed", now):
            replenish.advance_ladders_in(connection, candidates, now)
