"""K-4/D-6: the decision queue. Every decision is stored with its inputs, its explanation (rule
ids and numbers), its state and its result; a person approves, edits, rejects or undoes it before
it is sent, and an emergency stop pauses it.

Kinds: ``purchase_order`` (one order split across suppliers, D-2/D-3), ``price`` (D-7),
``markdown`` (D-8), and recorded-only kinds that need no person: ``watch`` (nothing to do yet),
``emergency_stop`` (D-6) and ``exit`` (D-8).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from buzzstock.catalog.model import Sku, Warehouse
from buzzstock.catalog.service import get_entry, list_entries
from buzzstock.core.clock import as_utc
from buzzstock.core.context import Context
from buzzstock.core.db import reading
from buzzstock.core.errors import Conflict, InvalidInput, NotFound
from buzzstock.core.events import record_event
from buzzstock.core.ids import new_id
from buzzstock.decide import orders
from buzzstock.decide.exit import OrderStage
from buzzstock.decide.explain import Reason
from buzzstock.decide.ladder import Freight
from buzzstock.decide.matrix import Route
from buzzstock.decide.pricing import propose_price
from buzzstock.decide.proposal import (
    Proposal,
    ProposalAction,
    ProposalStatus,
    apply_action,
)
from buzzstock.decide.quality import qc_rounds_per_batch, spare_units
from buzzstock.decide.registry import freight_terms, supplier_offers
from buzzstock.decide.settings import DecideSettings
from buzzstock.decide.split import Milestone, SplitPlan, plan_split
from buzzstock.decide.store import decisions, prices, purchase_orders, sku_modes
from buzzstock.stock.view import stock_view

PURCHASE = "purchase_order"
PRICE = "price"
MARKDOWN = "markdown"
WATCH = "watch"
EMERGENCY = "emergency_stop"
EXIT = "exit"
OPEN_STATUSES = (ProposalStatus.PROPOSED, ProposalStatus.APPROVED)


def reasons_json(reasons: Sequence[Reason]) -> list[dict[str, Any]]:
    return [{"rule": r.rule, "text": r.text, "figures": dict(r.figures)} for r in reasons]


def reasons_from(data: Sequence[Mapping[str, Any]]) -> tuple[Reason, ...]:
    return tuple(Reason(item["rule"], item["text"], item.get("figures", {})) for item in data)


def insert_decision(
    connection: Connection,
    *,
    kind: str,
    sku: str,
    route: Route,
    status: ProposalStatus,
    reasons: Sequence[Reason],
    inputs: Mapping[str, Any],
    now: datetime,
    quantity: int | None = None,
    price: float | None = None,
    result: Mapping[str, Any] | None = None,
    source_event_id: str | None = None,
) -> str:
    """K-4: store one decision with everything needed to judge it later."""
    decision_id = new_id("dec")
    connection.execute(
        insert(decisions).values(
            id=decision_id,
            kind=kind,
            sku=sku,
            route=route.value,
            status=status.value,
            quantity=quantity,
            price=price,
            inputs=dict(inputs),
            reasons=reasons_json(reasons),
            result=dict(result or {}),
            source_event_id=source_event_id,
            created_at=now,
            updated_at=now,
        )
    )
    return decision_id


def _decision_dict(row: Any, order_list: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": row.id,
        "kind": row.kind,
        "sku": row.sku,
        "route": row.route,
        "status": row.status,
        "quantity": row.quantity,
        "price": row.price,
        "inputs": row.inputs,
        "reasons": row.reasons,
        "explanation": [f"{r['rule']}: {r['text']}" for r in row.reasons],
        "result": row.result,
        "source_event_id": row.source_event_id,
        "created_at": as_utc(row.created_at).isoformat(),
        "updated_at": as_utc(row.updated_at).isoformat(),
        "purchase_orders": order_list,
    }


def list_decisions(
    ctx: Context,
    *,
    status: str | None = None,
    sku: str | None = None,
    kind: str | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """The queue, newest first, with each decision's purchase orders."""
    query = select(decisions).order_by(decisions.c.created_at.desc(), decisions.c.id.desc())
    if status is not None:
        query = query.where(decisions.c.status == status)
    if sku is not None:
        query = query.where(decisions.c.sku == sku)
    if kind is not None:
        query = query.where(decisions.c.kind == kind)
    with reading(ctx.engine) as connection:
        rows = list(connection.execute(query.limit(limit)))
        found = []
        for row in rows:
            order_rows = list(
                connection.execute(
                    select(purchase_orders)
                    .where(purchase_orders.c.decision_id == row.id)
                    .order_by(purchase_orders.c.id)
                )
            )
            found.append(_decision_dict(row, orders.order_dicts(connection, order_rows)))
    return found


def get_decision(ctx: Context, decision_id: str) -> dict[str, Any]:
    with reading(ctx.engine) as connection:
        row = connection.execute(select(decisions).where(decisions.c.id == decision_id)).first()
        if row is None:
            raise NotFound(f"no decision {decision_id!r}")
        order_rows = list(
            connection.execute(
                select(purchase_orders)
                .where(purchase_orders.c.decision_id == decision_id)
                .order_by(purchase_orders.c.id)
            )
        )
        return _decision_dict(row, orders.order_dicts(connection, order_rows))


def _load(connection: Connection, decision_id: str) -> Any:
    row = connection.execute(
        select(decisions).where(decisions.c.id == decision_id).with_for_update()
    ).first()
    if row is None:
        raise NotFound(f"no decision {decision_id!r}")
    return row


def _proposal(row: Any) -> Proposal:
    return Proposal(
        row.id,
        Route(row.route),
        ProposalStatus(row.status),
        row.quantity,
        row.price,
        reasons_from(row.reasons),
    )


def _save(
    connection: Connection,
    row: Any,
    proposal: Proposal,
    now: datetime,
    result: Mapping[str, Any] | None = None,
) -> None:
    changed = connection.execute(
        update(decisions)
        .where(decisions.c.id == row.id, decisions.c.status == row.status)
        .values(
            status=proposal.status.value,
            quantity=proposal.quantity,
            price=proposal.price,
            reasons=reasons_json(proposal.reasons),
            result={**row.result, **(result or {})},
            updated_at=now,
        )
    ).rowcount
    if not changed:
        raise Conflict(f"decision {row.id} changed meanwhile; try again")


# --- purchase decisions -----------------------------------------------------------------------


def plan_purchase(
    connection: Connection,
    settings: DecideSettings,
    sku: str,
    quantity: int,
    due_days: int,
    need_by: Sequence[tuple[int, int]],
    freight: Freight,
    now: datetime,
) -> SplitPlan:
    """D-2: split ``quantity`` across the SKU's suppliers; ``need_by`` is (units, day) pairs."""
    offers = supplier_offers(connection, sku, freight, now)
    if not offers:
        raise Conflict(
            f"no active supplier of {sku} ships by {freight.value}: register one first "
            "(POST /api/v1/suppliers)",
            rule="D-1",
        )
    milestones = [Milestone(day, min(units, quantity)) for units, day in need_by if units > 0]
    return plan_split(offers, quantity, due_days, milestones, settings)


def create_purchase_decision(
    connection: Connection,
    *,
    sku: str,
    route: Route,
    status: ProposalStatus,
    reasons: Sequence[Reason],
    plan: SplitPlan,
    inputs: Mapping[str, Any],
    warehouse: str,
    freight: Freight,
    now: datetime,
    source_event_id: str | None = None,
    more_plans: Sequence[tuple[SplitPlan, Freight]] = (),
    trend_settings: DecideSettings | None = None,
) -> str:
    """A purchase decision and its draft orders, one per supplier of each split.

    ``more_plans`` are further splits of the same decision by other freight modes (stage 2:
    air + fast sea). With ``trend_settings`` the orders come from a trend: each carries its
    D-10 spare units and QC sampling plan, and the explanation says so.
    """
    plans = [(plan, freight), *more_plans]
    quantity = sum(line.quantity for each, _ in plans for line in each.lines)
    explained = [
        *reasons,
        *(
            Reason("D-2", f"{mode.value}: " + text.removeprefix("D-2: "))
            if more_plans
            else Reason("D-2", text.removeprefix("D-2: "))
            for each, mode in plans
            for text in each.explanation
        ),
    ]
    if trend_settings is not None:
        explained.append(quality_reason(plans, trend_settings))
    decision_id = insert_decision(
        connection,
        kind=PURCHASE,
        sku=sku,
        route=route,
        status=status,
        reasons=explained,
        inputs={
            **inputs,
            "warehouse": warehouse,
            "freight": freight.value,
            "from_trend": trend_settings is not None,
        },
        quantity=quantity,
        now=now,
        result={"split_cost": round(sum(each.cost for each, _ in plans), 2)},
        source_event_id=source_event_id,
    )
    for each, mode in plans:
        _insert_split_orders(
            connection, decision_id, sku, each, warehouse, mode, now, trend_settings
        )
    return decision_id


def qc_plan(settings: DecideSettings) -> dict[str, Any]:
    """D-10: the QC sampling a trend order is checked with (a trend order is made during a
    hit: the normal rounds times the hit multiplier)."""
    return {
        "rule": "D-10",
        "during_hit": True,
        "rounds_per_batch": qc_rounds_per_batch(True, settings),
        "normal_rounds_per_batch": settings.qc_rounds_normal,
        "hit_multiplier": settings.qc_hit_multiplier,
    }


def quality_reason(plans: Sequence[tuple[SplitPlan, Freight]], settings: DecideSettings) -> Reason:
    """D-10: the explanation line for a trend order's spares and QC sampling."""
    spares = {
        f"{line.supplier} ({mode.value})": spare_units(line.quantity, settings)
        for plan, mode in plans
        for line in plan.lines
    }
    total = sum(spares.values())
    rounds = qc_rounds_per_batch(True, settings)
    per_order = ", ".join(f"{name}: {units}" for name, units in spares.items())
    return Reason(
        "D-10",
        f"{settings.spare_share:.0%} spare units for exchanges, rounded up per order, made on "
        f"top of the order: {total} units ({per_order}); QC sampling {rounds} rounds per batch "
        f"({settings.qc_rounds_normal} normally × {settings.qc_hit_multiplier} during a hit)",
        {
            "spare_share": settings.spare_share,
            "spare_units": total,
            "qc_rounds_per_batch": rounds,
        },
    )


def spare_cost(plan: SplitPlan, settings: DecideSettings) -> float:
    """D-10: what a trend order's spare units add to its cost."""
    return sum(spare_units(line.quantity, settings) * line.unit_cost for line in plan.lines)


def _insert_split_orders(
    connection: Connection,
    decision_id: str,
    sku: str,
    plan: SplitPlan,
    warehouse: str,
    freight: Freight,
    now: datetime,
    trend_settings: DecideSettings | None = None,
) -> None:
    for line in plan.lines:
        terms = freight_terms(connection, line.supplier, freight)
        orders.insert_order(
            connection,
            supplier=line.supplier,
            warehouse=warehouse,
            lines=[(sku, line.quantity, round(line.unit_cost - terms.cost_per_unit, 6))],
            freight=freight,
            now=now,
            decision_id=decision_id,
            arrival_days=line.arrival_day,
            spare_units=0 if trend_settings is None else spare_units(line.quantity, trend_settings),
            qc_plan=None if trend_settings is None else qc_plan(trend_settings),
        )


def propose_purchase(
    ctx: Context,
    *,
    sku: str,
    quantity: int,
    due_days: int,
    need_by: Sequence[tuple[int, int]] = (),
    warehouse: str | None = None,
    freight: Freight = Freight.AIR,
    note: str = "",
) -> dict[str, Any]:
    """A person asks for an order: buzzstock splits it (D-2) and queues it for approval."""
    if quantity <= 0:
        raise InvalidInput("quantity must be at least 1 unit", rule="D-2")
    get_entry(ctx, Sku, sku)
    settings = ctx.settings.decide
    now = ctx.clock.now()
    destination = warehouse or default_warehouse(ctx, sku)
    with ctx.engine.begin() as connection:
        plan = plan_purchase(connection, settings, sku, quantity, due_days, need_by, freight, now)
        text = f"order of {quantity} units asked for by a person, due in {due_days} days"
        decision_id = create_purchase_decision(
            connection,
            sku=sku,
            route=Route.HUMAN_REVIEW,
            status=ProposalStatus.PROPOSED,
            reasons=(Reason("D-6", text + (f": {note}" if note else "")),),
            plan=plan,
            inputs={
                "quantity": quantity,
                "due_days": due_days,
                "need_by": [list(pair) for pair in need_by],
            },
            warehouse=destination,
            freight=freight,
            now=now,
        )
    return get_decision(ctx, decision_id)


def default_warehouse(ctx: Context, sku: str) -> str:
    """Where trend orders go: the SKU's warehouse with the most stock, else the first one."""
    try:
        levels = stock_view(ctx, sku)["warehouses"]
    except NotFound:
        levels = []
    if levels:
        return str(
            max(levels, key=lambda level: (level["on_hand"], level["warehouse"]))["warehouse"]
        )
    known = list_entries(ctx, Warehouse)
    if not known:
        raise Conflict("no warehouse in the catalogue to receive purchase orders")
    return str(known[0]["code"])


def _act_on_purchase(
    connection: Connection,
    ctx: Context,
    row: Any,
    proposal: Proposal,
    action: ProposalAction,
    now: datetime,
) -> dict[str, Any]:
    order_rows = orders.decision_rows(connection, row.id)
    live = [r for r in order_rows if r.state != OrderStage.CANCELLED.value]
    if action is ProposalAction.APPROVE:
        orders.approve_rows(connection, ctx, live, now, check_cash=True)
    elif action is ProposalAction.SEND:
        orders.send_rows(connection, ctx, live, now)
    elif action in (ProposalAction.UNDO, ProposalAction.REJECT):
        undone = [r for r in live if r.state in (OrderStage.DRAFT.value, OrderStage.APPROVED.value)]
        orders.cancel_rows(connection, undone, now, f"decision {action.value}")
    elif action is ProposalAction.PAUSE:
        orders.set_paused_rows(connection, live, True, "decision paused", now)
    elif action is ProposalAction.RESUME:
        orders.set_paused_rows(connection, live, False, None, now)
    elif action is ProposalAction.EDIT and proposal.quantity != row.quantity:
        orders.cancel_rows(connection, live, now, "decision edited")
        inputs = row.inputs
        freight = Freight(inputs["freight"])
        quantity = proposal.quantity or 0
        plan = plan_purchase(
            connection,
            ctx.settings.decide,
            row.sku,
            quantity,
            int(inputs["due_days"]),
            [(int(units), int(day)) for units, day in inputs.get("need_by", [])],
            freight,
            now,
        )
        trend = ctx.settings.decide if inputs.get("from_trend") else None
        _insert_split_orders(
            connection, row.id, row.sku, plan, inputs["warehouse"], freight, now, trend
        )
        return {"split_cost": round(plan.cost, 2)}
    return {}


# --- price and markdown decisions ---------------------------------------------------------------


def current_price(ctx: Context, sku: str) -> float:
    """D-7: the price buzzstock last applied, else the catalogue's base price."""
    with reading(ctx.engine) as connection:
        row = connection.execute(select(prices.c.price).where(prices.c.sku == sku)).first()
    if row is not None:
        return float(row.price)
    return float(get_entry(ctx, Sku, sku)["base_price"])


def propose_price_change(
    ctx: Context,
    *,
    sku: str,
    heat: float = 0.0,
    growth_percent: float = 0.0,
    declining: bool = False,
    stock_days: float | None = None,
    channel_velocity_ratio: float | None = None,
    price: float | None = None,
    note: str = "",
    source_event_id: str | None = None,
    connection: Connection | None = None,
) -> str:
    """D-7: queue a price change, from the heat-phase rules or a price a person typed."""
    entry = get_entry(ctx, Sku, sku)
    base = float(entry["base_price"])
    previous = current_price(ctx, sku)
    settings = ctx.settings_for(category=str(entry["category"])).decide
    inputs: dict[str, Any] = {
        "base_price": base,
        "previous_price": previous,
        "heat": heat,
        "growth_percent": growth_percent,
        "declining": declining,
        "stock_days": stock_days,
        "channel_velocity_ratio": channel_velocity_ratio,
    }
    if price is not None:
        if not price > 0:
            raise InvalidInput("price must be > 0", rule="D-7")
        reasons: tuple[Reason, ...] = (
            Reason("D-7", f"price {price:,.2f} set by a person" + (f": {note}" if note else "")),
        )
        new_price = round(price, 2)
    else:
        proposal = propose_price(
            base, growth_percent, heat, declining, stock_days, channel_velocity_ratio, settings
        )
        new_price = round(proposal.price, 2)
        reasons = proposal.reasons
        inputs.update(
            phase=proposal.phase.value,
            offer_discount=proposal.offer_discount,
            allocation_share=proposal.allocation_share,
            hot_product=proposal.hot_product,
        )
    now = ctx.clock.now()

    def insert(target: Connection) -> str:
        return insert_decision(
            target,
            kind=PRICE,
            sku=sku,
            route=Route.HUMAN_REVIEW,
            status=ProposalStatus.PROPOSED,
            reasons=reasons,
            inputs=inputs,
            price=new_price,
            now=now,
            source_event_id=source_event_id,
        )

    if connection is not None:
        return insert(connection)
    with ctx.engine.begin() as own:
        return insert(own)


def _set_price(
    connection: Connection, row: Any, price: float, now: datetime, reason: str
) -> dict[str, Any]:
    existing = connection.execute(select(prices.c.sku).where(prices.c.sku == row.sku)).first()
    values = {"price": price, "decision_id": row.id, "updated_at": now}
    if existing is None:
        connection.execute(insert(prices).values(sku=row.sku, **values))
    else:
        connection.execute(update(prices).where(prices.c.sku == row.sku).values(**values))
    record_event(
        connection,
        "PriceChanged",
        {
            "sku": row.sku,
            "price": price,
            "previous_price": row.inputs.get("previous_price"),
            "decision_id": row.id,
            "reason": reason,
            "rules": sorted({r["rule"] for r in row.reasons}),
        },
        now,
    )
    return {"applied_price": price}


def _act_on_price(
    connection: Connection, row: Any, proposal: Proposal, action: ProposalAction, now: datetime
) -> dict[str, Any]:
    if action is ProposalAction.APPROVE:
        return _set_price(connection, row, float(proposal.price or 0), now, "approved")
    if action is ProposalAction.UNDO:
        previous = float(row.inputs["previous_price"])
        return _set_price(connection, row, previous, now, "undone")
    return {}


def _act_on_markdown(
    connection: Connection, row: Any, action: ProposalAction, now: datetime
) -> dict[str, Any]:
    if action is ProposalAction.APPROVE:
        record_event(
            connection,
            "MarkdownPlanApproved",
            {"sku": row.sku, "decision_id": row.id, "steps": row.inputs.get("steps", [])},
            now,
        )
    elif action is ProposalAction.UNDO:
        record_event(
            connection, "MarkdownPlanWithdrawn", {"sku": row.sku, "decision_id": row.id}, now
        )
    return {}


# --- acting on any decision ----------------------------------------------------------------------


def act(
    ctx: Context,
    decision_id: str,
    action: ProposalAction,
    *,
    quantity: int | None = None,
    price: float | None = None,
    note: str = "",
) -> dict[str, Any]:
    """D-6: approve, edit, reject, undo, send, pause or resume one decision, with its effects.

    Approving a purchase commits its cash (D-5), sending pays the suppliers, undo or reject
    cancels its orders; approving a price applies it and emits ``PriceChanged``; undoing it
    restores the previous price. Everything happens in one transaction or not at all.
    """
    with ctx.engine.begin() as connection:
        act_in(connection, ctx, decision_id, action, quantity=quantity, price=price, note=note)
    return get_decision(ctx, decision_id)


def act_in(
    connection: Connection,
    ctx: Context,
    decision_id: str,
    action: ProposalAction,
    *,
    quantity: int | None = None,
    price: float | None = None,
    note: str = "",
    actor: str = "a person",
) -> ProposalStatus:
    """``act`` inside the caller's transaction; returns the decision's new status."""
    now = ctx.clock.now()
    row = _load(connection, decision_id)
    proposal = apply_action(
        _proposal(row), action, quantity=quantity, price=price, note=note, actor=actor
    )
    if row.kind == PURCHASE:
        result = _act_on_purchase(connection, ctx, row, proposal, action, now)
    elif row.kind == PRICE:
        result = _act_on_price(connection, row, proposal, action, now)
    else:
        result = _act_on_markdown(connection, row, action, now)
    _save(connection, row, proposal, now, result)
    return proposal.status


def pause_related(
    connection: Connection,
    skus: Sequence[str],
    reason: str,
    figures: Mapping[str, Any],
    now: datetime,
    source_event_id: str | None,
) -> dict[str, int]:
    """D-6 emergency stop: pause every open order and proposal of the products; record why."""
    stop = Reason("D-6", f"emergency stop: {reason}; related replenishment paused", figures)
    paused_decisions = 0
    for row in connection.execute(
        select(decisions)
        .where(
            decisions.c.sku.in_(list(skus)),
            decisions.c.status.in_([status.value for status in OPEN_STATUSES]),
        )
        .order_by(decisions.c.id)
        .with_for_update()
    ).all():
        paused = apply_action(
            _proposal(row), ProposalAction.PAUSE, note=reason, actor="the emergency stop"
        )
        _save(connection, row, paused, now)
        paused_decisions += 1
    order_rows = orders.open_rows(connection, skus, orders.PAUSABLE)
    paused_orders = orders.set_paused_rows(connection, order_rows, True, reason, now)
    for sku in skus:
        set_mode(connection, sku, now, stage="stopped")
        insert_decision(
            connection,
            kind=EMERGENCY,
            sku=sku,
            route=Route.EMERGENCY_STOP,
            status=ProposalStatus.RECORDED,
            reasons=(stop,),
            inputs={"reason": reason, **figures},
            now=now,
            result={"paused_decisions": paused_decisions, "paused_orders": paused_orders},
            source_event_id=source_event_id,
        )
    return {"paused_decisions": paused_decisions, "paused_orders": paused_orders}


def sku_mode(connection: Connection, sku: str) -> tuple[str, bool]:
    """D-3/D-8: the SKU's ladder stage and whether it is made to order."""
    row = connection.execute(select(sku_modes).where(sku_modes.c.sku == sku)).first()
    return ("watching", False) if row is None else (row.ladder_stage, row.make_to_order)


def set_mode(
    connection: Connection,
    sku: str,
    now: datetime,
    *,
    stage: str | None = None,
    make_to_order: bool | None = None,
) -> None:
    current_stage, current_mto = sku_mode(connection, sku)
    values = {
        "ladder_stage": stage or current_stage,
        "make_to_order": current_mto if make_to_order is None else make_to_order,
        "updated_at": now,
    }
    if connection.execute(select(sku_modes.c.sku).where(sku_modes.c.sku == sku)).first() is None:
        connection.execute(insert(sku_modes).values(sku=sku, **values))
    else:
        connection.execute(update(sku_modes).where(sku_modes.c.sku == sku).values(**values))


def whole_units(value: float) -> int:
    return max(0, math.ceil(value - 1e-9))
