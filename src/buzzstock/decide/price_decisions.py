"""D-7/D-8: price and markdown decisions. A price change is queued from the heat-phase rules or
a price a person typed; approving it applies it and emits ``PriceChanged``, undoing it restores
the previous price. A markdown ladder is approved or withdrawn as a whole.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from buzzstock.catalog.service import Sku, get_entry
from buzzstock.core.context import Context
from buzzstock.core.db import reading
from buzzstock.core.errors import InvalidInput
from buzzstock.core.events import record
from buzzstock.decide.events import (
    MarkdownPlanApproved,
    MarkdownPlanWithdrawn,
    MarkdownStep,
    PriceChanged,
)
from buzzstock.decide.explain import Reason
from buzzstock.decide.matrix import Route
from buzzstock.decide.pricing import propose_price
from buzzstock.decide.proposal import Proposal, ProposalAction, ProposalStatus
from buzzstock.decide.queue import PRICE, insert_decision
from buzzstock.decide.settings import DecideSettings
from buzzstock.decide.store import prices


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
    settings = ctx.section(DecideSettings, category=str(entry["category"]))
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
    record(
        connection,
        PriceChanged(
            sku=row.sku,
            price=price,
            previous_price=row.inputs.get("previous_price"),
            decision_id=row.id,
            reason=reason,
            rules=tuple(sorted({r["rule"] for r in row.reasons})),
        ),
        now,
    )
    return {"applied_price": price}


def act_on_price(
    connection: Connection, row: Any, proposal: Proposal, action: ProposalAction, now: datetime
) -> dict[str, Any]:
    if action is ProposalAction.APPROVE:
        return _set_price(connection, row, float(proposal.price or 0), now, "approved")
    if action is ProposalAction.UNDO:
        previous = float(row.inputs["previous_price"])
        return _set_price(connection, row, previous, now, "undone")
    return {}


def act_on_markdown(
    connection: Connection, row: Any, action: ProposalAction, now: datetime
) -> dict[str, Any]:
    if action is ProposalAction.APPROVE:
        steps = tuple(
            MarkdownStep(step["decline_day"], step["price"], step["expected_units"])
            for step in row.inputs.get("steps", [])
        )
        record(connection, MarkdownPlanApproved(sku=row.sku, decision_id=row.id, steps=steps), now)
    elif action is ProposalAction.UNDO:
        record(connection, MarkdownPlanWithdrawn(sku=row.sku, decision_id=row.id), now)
    return {}
