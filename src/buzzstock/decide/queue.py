"""K-4/D-6: the decision queue. Every decision is stored with its inputs, its explanation (rule
ids and numbers), its state and its result; a person approves, edits, rejects or undoes it before
it is sent (``actions``), and an emergency stop pauses it.

Kinds: ``purchase_order`` (one order split across suppliers, D-2/D-3, ``purchase_decisions``),
``price`` (D-7) and ``markdown`` (D-8, both ``price_decisions``), and recorded-only kinds that
need no person: ``watch`` (nothing to do yet), ``emergency_stop`` (D-6), ``exit`` (D-8) and
``supplier_notice`` (D-9: the suppliers told to prepare production).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from buzzstock.core.clock import as_utc
from buzzstock.core.context import Context
from buzzstock.core.db import reading
from buzzstock.core.errors import Conflict, NotFound
from buzzstock.core.ids import new_id
from buzzstock.decide import orders
from buzzstock.decide.explain import Reason
from buzzstock.decide.matrix import Route
from buzzstock.decide.proposal import Proposal, ProposalAction, ProposalStatus, apply_action
from buzzstock.decide.store import decisions, purchase_orders, sku_modes

PURCHASE = "purchase_order"
PRICE = "price"
MARKDOWN = "markdown"
WATCH = "watch"
EMERGENCY = "emergency_stop"
EXIT = "exit"
SUPPLIER_NOTICE = "supplier_notice"
OPEN_STATUSES = (ProposalStatus.PROPOSED, ProposalStatus.APPROVED, ProposalStatus.SCHEDULED)


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
    scheduled_for: datetime | None = None,
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
            scheduled_for=scheduled_for,
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
        "scheduled_for": None
        if row.scheduled_for is None
        else as_utc(row.scheduled_for).isoformat(),
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


def load_decision(connection: Connection, decision_id: str) -> Any:
    row = connection.execute(
        select(decisions).where(decisions.c.id == decision_id).with_for_update()
    ).first()
    if row is None:
        raise NotFound(f"no decision {decision_id!r}")
    return row


def proposal_of(row: Any) -> Proposal:
    return Proposal(
        row.id,
        Route(row.route),
        ProposalStatus(row.status),
        row.quantity,
        row.price,
        reasons_from(row.reasons),
    )


def save_decision(
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


def pause_related(connection: Connection, sku: str, reason: str, now: datetime) -> dict[str, int]:
    """D-6 emergency stop: pause every open decision and purchase order of ``sku``."""
    paused_decisions = 0
    for row in connection.execute(
        select(decisions)
        .where(
            decisions.c.sku == sku,
            decisions.c.status.in_([status.value for status in OPEN_STATUSES]),
        )
        .order_by(decisions.c.id)
        .with_for_update()
    ).all():
        paused = apply_action(
            proposal_of(row), ProposalAction.PAUSE, note=reason, actor="the emergency stop"
        )
        save_decision(connection, row, paused, now)
        paused_decisions += 1
    order_rows = orders.open_rows(connection, [sku], orders.PAUSABLE)
    paused_orders = orders.set_paused_rows(connection, order_rows, True, reason, now)
    set_mode(connection, sku, now, stage="stopped")
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
