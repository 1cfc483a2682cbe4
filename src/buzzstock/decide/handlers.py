"""The events Decide consumes, turned into stored, explained decisions (D-3, D-5, D-6, D-8, D-9).

Each handler runs when the outbox dispatcher delivers an event and is idempotent by event id:
the id is recorded in the same transaction as the handler's effect, so a repeated delivery
changes nothing. Payloads (fields not listed are ignored; ``sku`` may also be sent as
``product_id`` or ``product`` and must be a catalogue SKU code):

* ``TrendConfirmed``: ``sku``, ``heat`` (heat index), optional ``positive_share`` (0–1),
  ``platforms`` / ``platforms_rising`` (list) or ``cross_platform_verified`` (bool),
  ``category_is_new`` (bool), ``negative_event`` (text), ``validation_demand`` (units seen in
  the validation period: presale orders, add-to-carts), ``daily_demand`` and
  ``daily_demand_std`` (the demand forecast per day, for the optimised policy),
  ``growth_percent``, ``warehouse``.
  Missing sentiment and platforms are taken from the SKU's latest ``TrendAlertRaised``.
* ``TrendAlertRaised``: ``sku``, ``heat``, optional ``growth``, ``positive_share``,
  ``platforms_rising``.
* ``TrendDeclining``: ``sku``, optional ``heat``, ``daily_units`` (recent sales per day).
* ``CrisisRaised``: ``sku`` or ``skus``, ``level`` (acts at 3), optional ``reason``.
* ``EmergencyStop``: ``sku`` or ``skus``, optional ``reason``.
* ``AttributeRequests``: ``sku``, ``requests`` as ``{"attribute": count}`` or a list of
  ``{"attribute": ..., "count": ...}``.
* ``OrderConfirmed`` (from the stock hub): ``sku``, ``units``; each one re-checks the ladders
  (D-3 stages 2 and 3, ``replenish.advance_ladders``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from buzzstock.catalog.model import Sku
from buzzstock.catalog.service import get_entry
from buzzstock.core.context import Context
from buzzstock.core.errors import Conflict, InvalidInput, NotFound
from buzzstock.core.events import Event
from buzzstock.core.outbox import HandlerRegistry, handlers
from buzzstock.decide import cash_store, orders, portal, replenish, service
from buzzstock.decide.cash import affordable_quantity, check_order_cash
from buzzstock.decide.exit import OpenOrder, OrderStage, PriceResponse, exit_orders, plan_markdown
from buzzstock.decide.explain import Reason
from buzzstock.decide.ladder import Freight, HeatConfirmed, LadderStage, advance
from buzzstock.decide.matrix import Route, TrendSignal, route_decision
from buzzstock.decide.policy import DemandForecast, Playbook, UnitEconomics, first_order
from buzzstock.decide.proposal import ProposalAction, ProposalStatus
from buzzstock.decide.registry import supplier_offers
from buzzstock.decide.settings import DecideSettings
from buzzstock.decide.split import SplitPlan
from buzzstock.decide.store import decisions, processed_events
from buzzstock.stock.view import stock_view

EventHandler = Callable[[Context, Event], None]


def sku_of(payload: dict[str, Any]) -> str | None:
    for key in ("sku", "product_id", "product"):
        value = payload.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _catalogue_entry(ctx: Context, sku: str | None) -> dict[str, Any] | None:
    if sku is None:
        return None
    try:
        return get_entry(ctx, Sku, sku)
    except NotFound:
        return None


def _claim(connection: Connection, event: Event, handler: str, now: datetime) -> bool:
    """Record that ``handler`` processed ``event``; False when it already had."""
    done = connection.execute(
        select(processed_events.c.event_id).where(
            processed_events.c.event_id == event.event_id, processed_events.c.handler == handler
        )
    ).first()
    if done is not None:
        return False
    connection.execute(
        insert(processed_events).values(event_id=event.event_id, handler=handler, at=now)
    )
    return True


def _number(payload: dict[str, Any], key: str, default: float | None = None) -> float | None:
    value = payload.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidInput(f"event field {key!r} must be a number, got {value!r}")
    return float(value)


def _watch(
    connection: Connection,
    sku: str,
    route: Route,
    reasons: tuple[Reason, ...],
    inputs: dict[str, Any],
    now: datetime,
    event: Event,
) -> None:
    service.insert_decision(
        connection,
        kind=service.WATCH,
        sku=sku,
        route=route,
        status=ProposalStatus.RECORDED,
        reasons=reasons,
        inputs=inputs,
        now=now,
        source_event_id=event.event_id,
    )


# --- TrendConfirmed ---------------------------------------------------------------------------


def on_trend_confirmed(ctx: Context, event: Event) -> None:
    """D-6/D-3: route a confirmed trend through the decision matrix.

    Auto-execute: a stage-1 order split across the SKU's suppliers (D-2), within the cash
    limits (D-5) and the authority limit, approved and sent at once. Human review: the same
    order waits in the queue. Emergency stop: everything related is paused.
    """
    payload = event.payload
    sku = sku_of(payload)
    entry = _catalogue_entry(ctx, sku)
    now = ctx.clock.now()
    if sku is None or entry is None:
        with ctx.engine.begin() as connection:
            if _claim(connection, event, "trend_confirmed", now) and sku is not None:
                _watch(
                    connection,
                    sku,
                    Route.NO_ACTION,
                    (Reason("D-6", f"{sku!r} is not a catalogue SKU: nothing to order"),),
                    dict(payload),
                    now,
                    event,
                )
        return
    settings = ctx.settings_for(category=str(entry["category"])).decide
    warehouse = str(payload.get("warehouse") or service.default_warehouse(ctx, sku))
    heat = _number(payload, "heat", 0.0) or 0.0
    with ctx.engine.begin() as connection:
        if not _claim(connection, event, "trend_confirmed", now):
            return
        portal.record_heat(
            connection,
            sku,
            event.occurred_at,
            heat,
            "TrendConfirmed",
            positive_share=_number(payload, "positive_share"),
            platforms=payload.get("platforms") or payload.get("platforms_rising"),
        )
        portal.send_prepare_notices(connection, settings, sku, heat, now)
        signal, inputs = _signal(connection, sku, heat, payload)
        sizing = _stage_one_sizing(ctx, connection, settings, entry, payload, now)
        _route_trend(connection, ctx, settings, event, sku, signal, inputs, warehouse, now, sizing)
    if heat > settings.hot_heat_index:
        service.propose_price_change(
            ctx,
            sku=sku,
            heat=heat,
            growth_percent=_number(payload, "growth_percent", 0.0) or 0.0,
            source_event_id=event.event_id,
        )


def _signal(
    connection: Connection, sku: str, heat: float, payload: dict[str, Any]
) -> tuple[TrendSignal, dict[str, Any]]:
    known = portal.latest_signal(connection, sku)
    positive = _number(payload, "positive_share")
    if positive is None:
        positive = float(known.get("positive_share", 0.0))
    platforms = list(
        payload.get("platforms") or payload.get("platforms_rising") or known.get("platforms", [])
    )
    verified = payload.get("cross_platform_verified")
    if not isinstance(verified, bool):
        verified = len(set(platforms)) >= 2
    negative = payload.get("negative_event")
    signal = TrendSignal(
        heat_index=heat,
        positive_share=positive,
        cross_platform_verified=verified,
        new_category=bool(payload.get("category_is_new", False)),
        negative_event=str(negative) if negative else None,
    )
    inputs = {
        "heat": heat,
        "positive_share": positive,
        "platforms": platforms,
        "cross_platform_verified": verified,
        "category_is_new": signal.new_category,
        "negative_event": signal.negative_event,
        "validation_demand": payload.get("validation_demand"),
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
    if signal.negative_event:
        service.pause_related(
            connection,
            [sku],
            signal.negative_event,
            {"heat": signal.heat_index},
            now,
            event.event_id,
        )
        return
    stage, made_to_order = service.sku_mode(connection, sku)
    if made_to_order or stage != LadderStage.WATCHING.value:
        why = "made to order since the decline" if made_to_order else f"ladder at {stage}"
        _watch(
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
        _watch(connection, sku, low.route, low.reasons, inputs, now, event)
        return
    suggested, sizing_reasons, sizing_inputs = sizing
    inputs = {**inputs, **sizing_inputs}
    reasons = list(sizing_reasons)
    step = advance(LadderStage.WATCHING, HeatConfirmed(suggested), settings)
    if step.order is None:
        _watch(connection, sku, Route.NO_ACTION, step.reasons, inputs, now, event)
        return
    reasons.extend(step.reasons)
    quantity = step.order.quantity
    try:
        plan = _stage_one_split(connection, settings, sku, quantity, now)
    except (InvalidInput, Conflict) as error:
        reasons.append(Reason("D-2", error.detail))
        _watch(connection, sku, Route.HUMAN_REVIEW, tuple(reasons), inputs, now, event)
        return
    plan, cash_reasons, cash_ok = _fit_cash(connection, settings, sku, plan, now)
    reasons.extend(cash_reasons)
    routed = route_decision(signal, plan.cost, settings)
    route = routed.route if cash_ok else Route.HUMAN_REVIEW
    auto = route is Route.AUTO_EXECUTE
    decision_id = service.create_purchase_decision(
        connection,
        sku=sku,
        route=route,
        status=ProposalStatus.APPROVED if auto else ProposalStatus.PROPOSED,
        reasons=(*routed.reasons, *reasons),
        plan=plan,
        inputs={
            **inputs,
            "stage": 1,
            "quantity": sum(line.quantity for line in plan.lines),
            "due_days": settings.fast_tier_max_days,
            "need_by": [list(pair) for pair in _need_by(settings, quantity)],
        },
        warehouse=warehouse,
        freight=Freight.AIR,
        now=now,
        source_event_id=event.event_id,
        trend_settings=settings,
    )
    service.set_mode(connection, sku, now, stage=LadderStage.TEST_ORDER.value)
    if auto:
        orders.approve_rows(
            connection, ctx, orders.decision_rows(connection, decision_id), now, check_cash=True
        )
        service.act_in(
            connection, ctx, decision_id, ProposalAction.SEND, actor="buzzstock (auto-execute)"
        )


def _stage_one_sizing(
    ctx: Context,
    connection: Connection,
    settings: DecideSettings,
    entry: dict[str, Any],
    payload: dict[str, Any],
    now: datetime,
) -> tuple[int | None, tuple[Reason, ...], dict[str, Any]]:
    """D-3/D-4: the stage-1 size the SKU's category's policy suggests (None: no figure to size
    on, the ladder's stage-1 minimum applies), why that policy, and the figures used."""
    category = str(entry["category"])
    playbook = Playbook(settings.policy)
    source = (
        f"set for category {category!r}"
        if settings.policy != ctx.settings.decide.policy
        else "the default (no override for category " + repr(category) + ")"
    )
    chosen = Reason(
        "D-4",
        f"{playbook.value} policy sizes the stage-1 order: decide.policy = {playbook.value!r}, "
        f"{source}",
        {"policy": playbook.value, "category": category},
    )
    validation = _number(payload, "validation_demand")
    figures: dict[str, Any] = {"policy": playbook.value}
    if playbook is Playbook.SEED:
        if validation is None or validation <= 0:
            return None, (chosen, _no_figure("no validation demand")), figures
        seed = first_order(
            playbook, DemandForecast(0.0, 0.0, validation), UnitEconomics(1, 2), settings
        )
        return seed.quantity, (chosen, *seed.reasons), figures
    return _optimised_stage_one(connection, settings, entry, payload, validation, chosen, now)


def _no_figure(missing: str) -> Reason:
    return Reason("D-4", f"{missing} to size the order on: the stage-1 minimum applies")


def _optimised_stage_one(
    connection: Connection,
    settings: DecideSettings,
    entry: dict[str, Any],
    payload: dict[str, Any],
    validation: float | None,
    chosen: Reason,
    now: datetime,
) -> tuple[int | None, tuple[Reason, ...], dict[str, Any]]:
    """D-4 optimised: newsvendor on the daily demand forecast over the fast tier's lead time
    (stage 1 goes by air from the fast tier), at the cheapest air offer's cost and the SKU's
    base price; a leftover unit loses its whole cost."""
    daily = _number(payload, "daily_demand")
    basis = "the event's daily demand forecast"
    if daily is None and validation is not None and validation > 0:
        daily = validation / settings.validation_period_days
        basis = f"validation demand {validation:g} over {settings.validation_period_days:g} days"
    figures: dict[str, Any] = {"policy": Playbook.OPTIMISED.value}
    if daily is None or daily <= 0:
        return None, (chosen, _no_figure("no demand forecast or validation demand")), figures
    daily_std = _number(payload, "daily_demand_std")
    if daily_std is None:
        daily_std = math.sqrt(daily)
        basis += ", spread as for counts (std = √mean)"
    offers = supplier_offers(connection, str(entry["code"]), Freight.AIR, now)
    price = float(entry["base_price"])
    if not offers:
        return None, (chosen, _no_figure("no air offer with a unit cost")), figures
    unit_cost = min(offer.unit_cost for offer in offers)
    lead = settings.fast_tier_max_days
    forecast = DemandForecast(daily * lead, daily_std * math.sqrt(lead), validation or 0.0)
    try:
        sized = first_order(Playbook.OPTIMISED, forecast, UnitEconomics(unit_cost, price), settings)
    except InvalidInput as error:
        return None, (chosen, Reason("D-4", error.detail)), figures
    why = Reason(
        "D-4",
        f"demand forecast {daily:g} ± {daily_std:.2f} a day ({basis}) over the fast tier's "
        f"{lead}-day lead time; unit cost {unit_cost:g} (cheapest air offer), price {price:g}",
        {"daily_demand": daily, "daily_demand_std": daily_std, "lead_time_days": lead},
    )
    figures.update(
        daily_demand=daily, daily_demand_std=daily_std, lead_time_days=lead, unit_cost=unit_cost
    )
    return sized.quantity, (chosen, why, *sized.reasons), figures


def _need_by(settings: DecideSettings, quantity: int) -> list[tuple[int, int]]:
    early = math.ceil(settings.stage_one_early_share * quantity - 1e-9)
    return [(early, settings.stage_one_early_days)] if early > 0 else []


def _stage_one_split(
    connection: Connection, settings: DecideSettings, sku: str, quantity: int, now: datetime
) -> SplitPlan:
    """D-2/D-3: stage 1 goes by air and lands within the fast tier's window, the first third
    within the early days (seed 002: 100 of 300 on day 4)."""
    return service.plan_purchase(
        connection,
        settings,
        sku,
        quantity,
        settings.fast_tier_max_days,
        _need_by(settings, quantity),
        Freight.AIR,
        now,
    )


def _fit_cash(
    connection: Connection, settings: DecideSettings, sku: str, plan: SplitPlan, now: datetime
) -> tuple[SplitPlan, list[Reason], bool]:
    """D-5: keep the order within 30 % of liquid funds and today's cap: cut it to what fits
    when that still makes a stage-1 order, else leave it to a person."""
    account = cash_store.account(connection, lock=True)
    if account is None:
        return (
            plan,
            [Reason("D-5", "liquid funds are not set: cash limits cannot be checked")],
            False,
        )
    committed = cash_store.committed_today(connection, now)

    def with_spares(each: SplitPlan) -> float:
        return each.cost + service.spare_cost(each, settings)

    check = check_order_cash(with_spares(plan), account.liquid_funds, committed, settings)
    if check.allowed:
        return plan, [], True
    quantity = sum(line.quantity for line in plan.lines)
    fits = affordable_quantity(
        quantity, with_spares(plan) / quantity, account.liquid_funds, committed, settings
    )
    if fits >= settings.stage_one_min_units:
        try:
            smaller = _stage_one_split(connection, settings, sku, fits, now)
        except (InvalidInput, Conflict):
            smaller = None
        if (
            smaller is not None
            and check_order_cash(
                with_spares(smaller), account.liquid_funds, committed, settings
            ).allowed
        ):
            cut = Reason(
                "D-5",
                f"order cut from {quantity} to {fits} units to stay within the cash limits",
                {"requested": quantity, "affordable": fits},
            )
            return smaller, [*check.reasons, cut], True
    return plan, list(check.reasons), False


# --- other events -------------------------------------------------------------------------------


def on_trend_alert(ctx: Context, event: Event) -> None:
    """L-5 alerts feed the heat curve suppliers see; heat > 150 warns suppliers (D-9)."""
    payload = event.payload
    sku = sku_of(payload)
    if _catalogue_entry(ctx, sku) is None or sku is None:
        return
    now = ctx.clock.now()
    heat = _number(payload, "heat", 0.0) or 0.0
    with ctx.engine.begin() as connection:
        if not _claim(connection, event, "trend_alert", now):
            return
        portal.record_heat(
            connection,
            sku,
            event.occurred_at,
            heat,
            "TrendAlertRaised",
            growth=_number(payload, "growth"),
            positive_share=_number(payload, "positive_share"),
            platforms=payload.get("platforms_rising") or payload.get("platforms"),
        )
        portal.send_prepare_notices(connection, ctx.settings.decide, sku, heat, now)


def on_trend_declining(ctx: Context, event: Event) -> None:
    """D-8: stop orders not yet produced, switch to make-to-order, propose a markdown ladder."""
    payload = event.payload
    sku = sku_of(payload)
    entry = _catalogue_entry(ctx, sku)
    if entry is None or sku is None:
        return
    settings = ctx.settings_for(category=str(entry["category"])).decide
    now = ctx.clock.now()
    markdown = _markdown_inputs(ctx, settings, sku, float(entry["base_price"]), payload)
    with ctx.engine.begin() as connection:
        if not _claim(connection, event, "trend_declining", now):
            return
        heat = _number(payload, "heat")
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
        service.set_mode(connection, sku, now, stage=LadderStage.EXITED.value, make_to_order=True)
        service.insert_decision(
            connection,
            kind=service.EXIT,
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
            service.insert_decision(
                connection,
                kind=service.MARKDOWN,
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
            decisions.c.kind == service.PURCHASE,
            decisions.c.status.in_(("proposed", "approved", "paused")),
        )
        .order_by(decisions.c.id)
    ).all():
        action = ProposalAction.UNDO if row.status == "approved" else ProposalAction.REJECT
        service.act_in(
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
    daily = _number(payload, "daily_units")
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
    if event.event_type == "CrisisRaised" and (_number(payload, "level", 0.0) or 0.0) < 3:
        return
    named = payload.get("skus")
    skus = [str(s) for s in named] if isinstance(named, list) else []
    single = sku_of(payload)
    if single is not None:
        skus.append(single)
    known = sorted({sku for sku in skus if _catalogue_entry(ctx, sku) is not None})
    now = ctx.clock.now()
    reason = str(payload.get("reason") or payload.get("summary") or event.event_type)
    with ctx.engine.begin() as connection:
        if not _claim(connection, event, "emergency", now) or not known:
            return
        service.pause_related(
            connection,
            known,
            reason,
            {"event": event.event_type, "level": payload.get("level", 3)},
            now,
            event.event_id,
        )


def on_attribute_requests(ctx: Context, event: Event) -> None:
    """L-10: what customers ask for (bigger size, eco material ...), shared with suppliers."""
    payload = event.payload
    sku = sku_of(payload)
    if sku is None or _catalogue_entry(ctx, sku) is None:
        return
    raw = payload.get("requests")
    requests: dict[str, int] = {}
    if isinstance(raw, dict):
        requests = {str(k): int(v) for k, v in raw.items() if isinstance(v, int | float)}
    elif isinstance(raw, list):
        for item in raw:
            if isinstance(item, dict) and "attribute" in item:
                count = item.get("count", item.get("mentions", 1))
                if isinstance(count, int | float):
                    requests[str(item["attribute"])] = int(count)
    now = ctx.clock.now()
    with ctx.engine.begin() as connection:
        if _claim(connection, event, "attribute_requests", now):
            portal.record_attribute_requests(connection, sku, requests, event.occurred_at)


def on_order_confirmed(ctx: Context, event: Event) -> None:
    """D-3: a sale may finish the first batch (stage 2) or prove lasting demand (stage 3)."""
    now = ctx.clock.now()
    candidates = replenish.ladder_candidates(ctx)
    with ctx.engine.begin() as connection:
        if _claim(connection, event, "order_confirmed", now):
            replenish.advance_ladders_in(connection, candidates, now)


HANDLERS: dict[str, tuple[tuple[str, ...], EventHandler]] = {
    "decide.trend_confirmed": (("TrendConfirmed",), on_trend_confirmed),
    "decide.trend_alert": (("TrendAlertRaised",), on_trend_alert),
    "decide.trend_declining": (("TrendDeclining",), on_trend_declining),
    "decide.emergency": (("CrisisRaised", "EmergencyStop"), on_emergency),
    "decide.attribute_requests": (("AttributeRequests",), on_attribute_requests),
    "decide.order_confirmed": (("OrderConfirmed",), on_order_confirmed),
}


def register_decide_handlers(registry: HandlerRegistry = handlers) -> None:
    """Register Decide's event handlers (every worker process must call this once)."""
    for name, (event_types, handler) in HANDLERS.items():
        registry.register(name, event_types, handler)
