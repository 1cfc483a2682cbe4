"""D-6: the life of a proposed action: approve, edit, reject or undo it before it is sent.

A decision that needs no person (no action, an emergency stop carried out, an exit) is only
``recorded``: it is kept with its inputs and explanation (K-4) and accepts no action.
Auto-executed proposals start scheduled: approved within buzzstock's authority, they wait the undo
window and can be undone until the worker sends them; an emergency stop pauses every open
proposal of the product until the stop is lifted.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import StrEnum

from buzzstock.core.errors import Conflict, InvalidInput
from buzzstock.decide.explain import Reason
from buzzstock.decide.matrix import Route


class ProposalStatus(StrEnum):
    PROPOSED = "proposed"
    APPROVED = "approved"
    SCHEDULED = "scheduled"
    """Auto-executed: approved by buzzstock within its authority, sent once the undo window
    has passed."""
    PAUSED = "paused"
    SENT = "sent"
    REJECTED = "rejected"
    UNDONE = "undone"
    RECORDED = "recorded"


class ProposalAction(StrEnum):
    APPROVE = "approve"
    EDIT = "edit"
    REJECT = "reject"
    UNDO = "undo"
    SEND = "send"
    PAUSE = "pause"
    RESUME = "resume"


_ALLOWED: dict[ProposalStatus, dict[ProposalAction, ProposalStatus]] = {
    ProposalStatus.PROPOSED: {
        ProposalAction.APPROVE: ProposalStatus.APPROVED,
        ProposalAction.EDIT: ProposalStatus.PROPOSED,
        ProposalAction.REJECT: ProposalStatus.REJECTED,
        ProposalAction.PAUSE: ProposalStatus.PAUSED,
    },
    ProposalStatus.SCHEDULED: {
        ProposalAction.SEND: ProposalStatus.SENT,
        ProposalAction.UNDO: ProposalStatus.UNDONE,
        ProposalAction.EDIT: ProposalStatus.PROPOSED,
        ProposalAction.PAUSE: ProposalStatus.PAUSED,
    },
    ProposalStatus.APPROVED: {
        ProposalAction.SEND: ProposalStatus.SENT,
        ProposalAction.UNDO: ProposalStatus.UNDONE,
        ProposalAction.EDIT: ProposalStatus.PROPOSED,
        ProposalAction.PAUSE: ProposalStatus.PAUSED,
    },
    ProposalStatus.PAUSED: {
        ProposalAction.RESUME: ProposalStatus.PROPOSED,
        ProposalAction.REJECT: ProposalStatus.REJECTED,
    },
}


@dataclass(frozen=True)
class Proposal:
    """One proposed order or price change with its explanation."""

    proposal_id: str
    route: Route
    status: ProposalStatus
    quantity: int | None
    price: float | None
    reasons: tuple[Reason, ...]


def new_proposal(
    proposal_id: str,
    route: Route,
    reasons: tuple[Reason, ...],
    quantity: int | None = None,
    price: float | None = None,
) -> Proposal:
    """D-6: auto-executed proposals start scheduled; the others wait for a person."""
    if route in (Route.EMERGENCY_STOP, Route.NO_ACTION):
        raise InvalidInput(f"route {route.value} proposes nothing", rule="D-6")
    if not reasons:
        raise InvalidInput("every proposal carries its explanation", rule="D-6")
    status = ProposalStatus.SCHEDULED if route is Route.AUTO_EXECUTE else ProposalStatus.PROPOSED
    return Proposal(proposal_id, route, status, quantity, price, reasons)


def apply_action(
    proposal: Proposal,
    action: ProposalAction,
    *,
    quantity: int | None = None,
    price: float | None = None,
    note: str = "",
    actor: str = "a person",
) -> Proposal:
    """D-6: the proposal after a person's (or the stop rule's) action; refuses invalid moves."""
    target = _ALLOWED.get(proposal.status, {}).get(action)
    if target is None:
        raise Conflict(
            f"cannot {action.value} proposal {proposal.proposal_id}: it is {proposal.status.value}",
            rule="D-6",
        )
    text = f"{action.value} by {actor}" + (f": {note}" if note else "")
    new_quantity, new_price = proposal.quantity, proposal.price
    if action is ProposalAction.EDIT:
        if quantity is None and price is None:
            raise InvalidInput("an edit changes the quantity or the price", rule="D-6")
        if quantity is not None:
            if quantity <= 0:
                raise InvalidInput("an edited quantity must be > 0", rule="D-6")
            new_quantity = quantity
            text += f"; quantity {proposal.quantity} -> {quantity}"
        if price is not None:
            if price <= 0:
                raise InvalidInput("an edited price must be > 0", rule="D-6")
            new_price = price
            text += f"; price {proposal.price} -> {price}"
    return dataclasses.replace(
        proposal,
        status=target,
        quantity=new_quantity,
        price=new_price,
        reasons=(*proposal.reasons, Reason("D-6", text)),
    )
