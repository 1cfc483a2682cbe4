"""D-6: auto-executed orders are sent once their undo window has passed.

The worker runs ``send_due_decisions`` on every pass. An order that cannot be sent when its
window ends (the funds left no longer cover it, D-5) is undone with the reason, for a person
to order again.
"""

from __future__ import annotations

from sqlalchemy import select

from buzzstock.core.context import Context
from buzzstock.core.db import reading
from buzzstock.core.errors import DomainError
from buzzstock.decide.actions import act_in
from buzzstock.decide.proposal import ProposalAction, ProposalStatus
from buzzstock.decide.store import decisions

AUTO_SENDER = "buzzstock (the undo window passed)"


def send_due_decisions(ctx: Context) -> list[str]:
    """Send every scheduled decision whose undo window is over; returns their ids."""
    now = ctx.clock.now()
    with reading(ctx.engine) as connection:
        due = list(
            connection.execute(
                select(decisions.c.id)
                .where(
                    decisions.c.status == ProposalStatus.SCHEDULED.value,
                    decisions.c.scheduled_for <= now,
                )
                .order_by(decisions.c.scheduled_for, decisions.c.id)
            ).scalars()
        )
    sent = []
    for decision_id in due:
        try:
            with ctx.engine.begin() as connection:
                act_in(connection, ctx, decision_id, ProposalAction.SEND, actor=AUTO_SENDER)
            sent.append(decision_id)
        except DomainError as error:
            _undo_unsendable(ctx, decision_id, error)
    return sent


def _undo_unsendable(ctx: Context, decision_id: str, error: DomainError) -> None:
    with ctx.engine.begin() as connection:
        status = connection.execute(
            select(decisions.c.status).where(decisions.c.id == decision_id).with_for_update()
        ).scalar()
        if status != ProposalStatus.SCHEDULED.value:
            return
        act_in(
            connection,
            ctx,
            decision_id,
            ProposalAction.UNDO,
            note=f"could not be sent when its undo window ended: {error.detail}",
            actor="buzzstock",
        )
