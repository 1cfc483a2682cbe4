"""D-2/D-3/D-10: purchase decisions. An order is split across the SKU's suppliers, queued with
one draft purchase order per supplier (with a trend order's spare units and QC sampling), and
re-split when a person edits its quantity.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from buzzstock.catalog.service import Sku, Warehouse, get_entry, list_entries
from buzzstock.core.context import Context
from buzzstock.core.errors import Conflict, InvalidInput, NotFound
from buzzstock.decide import orders
from buzzstock.decide.exit import OrderStage
from buzzstock.decide.explain import Reason
from buzzstock.decide.ladder import Freight
from buzzstock.decide.matrix import Route
from buzzstock.decide.proposal import Proposal, ProposalAction, ProposalStatus
from buzzstock.decide.quality import qc_rounds_per_batch, spare_units
from buzzstock.decide.queue import PURCHASE, get_decision, insert_decision
from buzzstock.decide.registry import freight_terms, supplier_offers
from buzzstock.decide.settings import DecideSettings
from buzzstock.decide.split import Milestone, SplitPlan, plan_split
from buzzstock.stock.service import stock_view


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
    scheduled_for: datetime | None = None,
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
        scheduled_for=scheduled_for,
    )
    for each, mode in plans:
        insert_split_orders(
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


def insert_split_orders(
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
    settings = ctx.section(DecideSettings)
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


def act_on_purchase(
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
            ctx.section(DecideSettings),
            row.sku,
            quantity,
            int(inputs["due_days"]),
            [(int(units), int(day)) for units, day in inputs.get("need_by", [])],
            freight,
            now,
        )
        trend = ctx.section(DecideSettings) if inputs.get("from_trend") else None
        insert_split_orders(
            connection, row.id, row.sku, plan, inputs["warehouse"], freight, now, trend
        )
        return {"split_cost": round(plan.cost, 2)}
    return {}
