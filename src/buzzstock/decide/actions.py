"""D-6: a person (or buzzstock, within its authority) acts on a queued decision: approve, edit,
reject, undo, send, pause or resume, with the effects of the decision's kind.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from buzzstock.core.context import Context
from buzzstock.decide.price_decisions import act_on_markdown, act_on_price
from buzzstock.decide.proposal import ProposalAction, ProposalStatus, apply_action
from buzzstock.decide.purchase_decisions import act_on_purchase
from buzzstock.decide.queue import (
    PRICE,
    PURCHASE,
    get_decision,
    load_decision,
    proposal_of,
    save_decision,
)


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
    row = load_decision(connection, decision_id)
    proposal = apply_action(
        proposal_of(row), action, quantity=quantity, price=price, note=note, actor=actor
    )
    if row.kind == PURCHASE:
        result = act_on_purchase(connection, ctx, row, proposal, action, now)
    elif row.kind == PRICE:
        result = act_on_price(connection, row, proposal, action, now)
    else:
        result = act_on_markdown(connection, row, action, now)
    save_decision(connection, row, proposal, now, result)
    return proposal.status
