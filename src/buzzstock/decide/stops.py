"""D-6 emergency stop: a negative event (a safety complaint, a level-3 crisis) pauses all
related replenishment and stops selling the SKU everywhere, until a person lifts it.

A person raises and lifts it (CLI, API); a ``CrisisRaised`` event of level 3 raises it too.
Raising pauses every open decision and purchase order of the SKU and holds it in the stock
hub (reservations refused with the rule id, 0 shown on every channel), in one transaction;
lifting resumes what the stop paused and restores the channels.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from buzzstock.core.clock import as_utc
from buzzstock.core.context import Context
from buzzstock.core.db import reading
from buzzstock.core.errors import Conflict, InvalidInput, NotFound
from buzzstock.core.events import Event, record
from buzzstock.decide import orders, queue
from buzzstock.decide.events import EmergencyStopLifted, EmergencyStopRaised
from buzzstock.decide.explain import Reason
from buzzstock.decide.handler_support import catalogue_entry, claim_event
from buzzstock.decide.matrix import Route
from buzzstock.decide.proposal import ProposalAction, ProposalStatus, apply_action
from buzzstock.decide.store import decisions, emergency_stops
from buzzstock.respond.events import CrisisRaised
from buzzstock.stock import service as stock

STOPPED_STAGE = "stopped"
CRISIS_STOP_LEVEL = 3
MAX_REASON_CHARS = 1000


def raise_stop(ctx: Context, sku: str, reason: str, *, by: str) -> dict[str, Any]:
    """D-6: stop ``sku`` now; raising it again while it holds changes nothing."""
    reason = _clean(reason)
    if catalogue_entry(ctx, sku) is None:
        raise NotFound(f"no SKU {sku!r} in the catalogue")
    with ctx.engine.begin() as connection:
        raise_stop_in(connection, ctx, sku, reason, by=by)
    return get_stop(ctx, sku)


def raise_stop_in(
    connection: Connection,
    ctx: Context,
    sku: str,
    reason: str,
    *,
    by: str,
    source_event_id: str | None = None,
) -> bool:
    """``raise_stop`` inside the caller's transaction; False when the SKU was already stopped."""
    now = ctx.clock.now()
    current = _stop_row(connection, sku)
    if current is not None and current.active:
        return False
    stage, _ = queue.sku_mode(connection, sku)
    paused = queue.pause_related(connection, sku, reason, now)
    listings = stock.stop_selling_in(connection, ctx, sku, reason)
    values = {
        "active": True,
        "reason": reason,
        "raised_by": by,
        "raised_at": now,
        "previous_stage": stage if stage != STOPPED_STAGE else "watching",
        "source_event_id": source_event_id,
        "lifted_by": None,
        "lifted_at": None,
        "lift_reason": None,
    }
    if current is None:
        connection.execute(insert(emergency_stops).values(sku=sku, **values))
    else:
        connection.execute(
            update(emergency_stops).where(emergency_stops.c.sku == sku).values(**values)
        )
    record(connection, EmergencyStopRaised(sku=sku, reason=reason, raised_by=by), now)
    _note(
        connection,
        sku,
        f"emergency stop raised by {by}: {reason}; {paused['paused_decisions']} decision(s) "
        f"and {paused['paused_orders']} purchase order(s) paused, {listings} channel "
        "listing(s) set to 0, reservations refused",
        now,
        source_event_id,
        {**paused, "zeroed_listings": listings},
    )
    return True


def lift_stop(ctx: Context, sku: str, reason: str, *, by: str) -> dict[str, Any]:
    """D-6: lift the stop of ``sku``: what it paused resumes, the channels show stock again."""
    reason = _clean(reason)
    now = ctx.clock.now()
    with ctx.engine.begin() as connection:
        current = _stop_row(connection, sku, lock=True)
        if current is None or not current.active:
            raise Conflict(f"{sku} is not under an emergency stop", rule="D-6")
        resumed = _resume_related(connection, sku, reason, now)
        listings = stock.resume_selling_in(connection, ctx, sku)
        queue.set_mode(connection, sku, now, stage=current.previous_stage)
        connection.execute(
            update(emergency_stops)
            .where(emergency_stops.c.sku == sku)
            .values(active=False, lifted_by=by, lifted_at=now, lift_reason=reason)
        )
        record(connection, EmergencyStopLifted(sku=sku, reason=reason, lifted_by=by), now)
        _note(
            connection,
            sku,
            f"emergency stop lifted by {by}: {reason}; {resumed} decision(s) and their orders "
            f"resumed, {listings} channel listing(s) restored",
            now,
            None,
            {"resumed_decisions": resumed, "restored_listings": listings},
        )
    return get_stop(ctx, sku)


def on_crisis(ctx: Context, event: Event) -> None:
    """R-3 → D-6: a level-3 crisis raises the emergency stop of each SKU it names."""
    crisis = CrisisRaised.from_payload(event.payload)
    if crisis.level < CRISIS_STOP_LEVEL:
        return
    known = sorted({sku for sku in crisis.skus if catalogue_entry(ctx, sku) is not None})
    with ctx.engine.begin() as connection:
        if not claim_event(connection, event, "crisis_stop", ctx.clock.now()):
            return
        for sku in known:
            raise_stop_in(
                connection,
                ctx,
                sku,
                _clean(f"level-{crisis.level} crisis: {crisis.reason}"),
                by="the respond capability (CrisisRaised)",
                source_event_id=event.event_id,
            )


def get_stop(ctx: Context, sku: str) -> dict[str, Any]:
    with reading(ctx.engine) as connection:
        row = _stop_row(connection, sku)
    if row is None:
        raise NotFound(f"{sku} was never under an emergency stop")
    return _stop_json(row)


def list_stops(ctx: Context, *, active_only: bool = True) -> list[dict[str, Any]]:
    query = select(emergency_stops).order_by(emergency_stops.c.raised_at.desc())
    if active_only:
        query = query.where(emergency_stops.c.active.is_(True))
    with reading(ctx.engine) as connection:
        return [_stop_json(row) for row in connection.execute(query)]


def _clean(reason: str) -> str:
    text = reason.strip()
    if not text:
        raise InvalidInput("an emergency stop needs a reason, for the log", rule="D-6")
    return text[:MAX_REASON_CHARS]


def _stop_row(connection: Connection, sku: str, *, lock: bool = False) -> Any:
    query = select(emergency_stops).where(emergency_stops.c.sku == sku)
    return connection.execute(query.with_for_update() if lock else query).first()


def _stop_json(row: Any) -> dict[str, Any]:
    return {
        "sku": row.sku,
        "active": row.active,
        "reason": row.reason,
        "raised_by": row.raised_by,
        "raised_at": as_utc(row.raised_at).isoformat(),
        "lifted_by": row.lifted_by,
        "lifted_at": None if row.lifted_at is None else as_utc(row.lifted_at).isoformat(),
        "lift_reason": row.lift_reason,
        "rule": "D-6",
    }


def _resume_related(connection: Connection, sku: str, reason: str, now: datetime) -> int:
    """Resume the decisions and purchase orders of ``sku`` that are paused."""
    rows = connection.execute(
        select(decisions)
        .where(decisions.c.sku == sku, decisions.c.status == ProposalStatus.PAUSED.value)
        .order_by(decisions.c.id)
        .with_for_update()
    ).all()
    for row in rows:
        resumed = apply_action(
            queue.proposal_of(row), ProposalAction.RESUME, note=reason, actor="the stop's lift"
        )
        queue.save_decision(connection, row, resumed, now)
    paused_orders = [
        row for row in orders.open_rows(connection, [sku], orders.PAUSABLE) if row.paused
    ]
    orders.set_paused_rows(connection, paused_orders, False, None, now)
    return len(rows)


def _note(
    connection: Connection,
    sku: str,
    text: str,
    now: datetime,
    source_event_id: str | None,
    result: dict[str, int],
) -> None:
    """K-4: the stop and its lift are decisions of their own, explained and kept."""
    queue.insert_decision(
        connection,
        kind=queue.EMERGENCY,
        sku=sku,
        route=Route.EMERGENCY_STOP,
        status=ProposalStatus.RECORDED,
        reasons=(Reason("D-6", text),),
        inputs={},
        now=now,
        result=result,
        source_event_id=source_event_id,
    )
