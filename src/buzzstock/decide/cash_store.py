"""D-5 cash, stored: the liquid funds the seller sets, payments for purchase orders, planned flows
and the 7-day forecast. Every approval and every payment passes the D-5 checks here."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import Field
from sqlalchemy import Connection, func, insert, select, update

from buzzstock.core.clock import as_utc
from buzzstock.core.context import Context
from buzzstock.core.db import reading
from buzzstock.core.errors import Conflict, InvalidInput
from buzzstock.core.ids import new_id
from buzzstock.core.input import Input
from buzzstock.decide.cash import CashFlow, check_order_cash, forecast_cash
from buzzstock.decide.settings import DecideSettings
from buzzstock.decide.store import cash_accounts, cash_flows, cash_movements, purchase_orders

ACCOUNT = "main"
COMMITTED_STATES = ("approved", "sent", "in_production", "shipped", "received")


def start_of_day(moment: datetime) -> datetime:
    moment = as_utc(moment)
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def set_liquid_funds(ctx: Context, amount: float, currency: str = "CNY") -> dict[str, Any]:
    """D-5: the seller states the cash it can spend now; every cash rule is measured against it."""
    with ctx.engine.begin() as connection:
        set_liquid_funds_in(connection, ctx, amount, currency)
    return cash_overview(ctx)


def set_liquid_funds_in(
    connection: Connection, ctx: Context, amount: float, currency: str = "CNY"
) -> None:
    """``set_liquid_funds`` inside the caller's transaction."""
    if not amount >= 0 or amount > 1e12:
        raise InvalidInput("liquid funds must be a number between 0 and 10^12", rule="D-5")
    if len(currency) != 3:
        raise InvalidInput("currency must be a 3-letter code such as CNY or USD", rule="D-5")
    now = ctx.clock.now()
    row = account(connection, lock=True)
    if row is None:
        connection.execute(
            insert(cash_accounts).values(
                account=ACCOUNT,
                liquid_funds=amount,
                currency=currency.upper(),
                updated_at=now,
            )
        )
        change = amount
    else:
        connection.execute(
            update(cash_accounts)
            .where(cash_accounts.c.account == ACCOUNT)
            .values(liquid_funds=amount, currency=currency.upper(), updated_at=now)
        )
        change = amount - row.liquid_funds
    _movement(connection, now, "set", change, amount, None, "liquid funds set by the seller")


class CashEntry(Input):
    """D-5: the seller's opening liquid funds, as a shop file gives them (``[cash]``)."""

    liquid_funds: float = Field(ge=0, le=1e12)
    currency: str = Field("CNY", pattern=r"^[A-Za-z]{3}$")


def set_opening_funds(ctx: Context, cash: CashEntry) -> bool:
    """D-5: the opening funds of a new shop; False (nothing changed) once funds are set, since
    payments move them from then on (``buzzstock decisions cash`` sets them again)."""
    with ctx.engine.begin() as connection:
        return set_opening_funds_in(connection, ctx, cash)


def set_opening_funds_in(connection: Connection, ctx: Context, cash: CashEntry) -> bool:
    """``set_opening_funds`` inside the caller's transaction (the whole shop file in one)."""
    if account(connection) is not None:
        return False
    set_liquid_funds_in(connection, ctx, cash.liquid_funds, cash.currency)
    return True


def account(connection: Connection, *, lock: bool = False) -> Any:
    """The cash account row (locked on PostgreSQL so cash checks of concurrent approvals queue)."""
    query = select(cash_accounts).where(cash_accounts.c.account == ACCOUNT)
    if lock:
        query = query.with_for_update()
    return connection.execute(query).first()


def _movement(
    connection: Connection,
    now: datetime,
    kind: str,
    amount: float,
    balance_after: float,
    ref: str | None,
    label: str,
) -> None:
    connection.execute(
        insert(cash_movements).values(
            at=now, kind=kind, amount=amount, balance_after=balance_after, ref=ref, label=label
        )
    )


def committed_today(connection: Connection, now: datetime) -> float:
    """D-5: cash of purchase orders approved since the start of today (UTC), not cancelled."""
    total = connection.execute(
        select(func.coalesce(func.sum(purchase_orders.c.cost), 0.0)).where(
            purchase_orders.c.approved_at >= start_of_day(now),
            purchase_orders.c.state.in_(COMMITTED_STATES),
        )
    ).scalar_one()
    return float(total)


def require_commitment(
    connection: Connection, settings: DecideSettings, cost: float, now: datetime, what: str
) -> None:
    """D-5: refuse to commit ``cost`` unless it is <= 30 % of liquid funds and fits today's cap."""
    row = account(connection, lock=True)
    if row is None:
        raise Conflict(
            f"{what}: liquid funds are not set, so the cash limits cannot be checked; set them "
            "with 'buzzstock decisions cash --funds AMOUNT' or PUT /api/v1/cash",
            rule="D-5",
        )
    check = check_order_cash(cost, row.liquid_funds, committed_today(connection, now), settings)
    if not check.allowed:
        raise Conflict(f"{what}: " + "; ".join(r.text for r in check.reasons), rule="D-5")


def pay(
    connection: Connection, settings: DecideSettings, order_id: str, cost: float, now: datetime
) -> None:
    """D-5: pay a purchase order from liquid funds; refused above 30 % of what is left."""
    row = account(connection, lock=True)
    if row is None:
        raise Conflict("liquid funds are not set", rule="D-5")
    check = check_order_cash(cost, row.liquid_funds, 0.0, settings)
    if cost > check.order_limit:
        raise Conflict(
            f"order {order_id} needs {cost:,.2f}, above "
            f"{settings.max_order_share_of_funds:.0%} of the liquid funds left "
            f"({row.liquid_funds:,.2f})",
            rule="D-5",
        )
    balance = row.liquid_funds - cost
    connection.execute(
        update(cash_accounts)
        .where(cash_accounts.c.account == ACCOUNT)
        .values(liquid_funds=balance, updated_at=now)
    )
    _movement(connection, now, "payment", -cost, balance, order_id, f"purchase order {order_id}")


def refund(connection: Connection, order_id: str, cost: float, now: datetime) -> None:
    """A cancelled order that was paid but not produced gives its cash back."""
    row = account(connection, lock=True)
    if row is None:
        return
    balance = row.liquid_funds + cost
    connection.execute(
        update(cash_accounts)
        .where(cash_accounts.c.account == ACCOUNT)
        .values(liquid_funds=balance, updated_at=now)
    )
    _movement(connection, now, "refund", cost, balance, order_id, f"cancelled order {order_id}")


def add_cash_flow(ctx: Context, due_at: datetime, amount: float, label: str) -> dict[str, Any]:
    """D-5: a payment (negative) or payout (positive) expected on a day, for the forecast."""
    if due_at.tzinfo is None:
        raise InvalidInput("due_at needs a time zone", rule="D-5")
    if not label.strip():
        raise InvalidInput("name the cash flow (e.g. 'TikTok payout')", rule="D-5")
    flow_id = new_id("cfl")
    with ctx.engine.begin() as connection:
        connection.execute(
            insert(cash_flows).values(
                id=flow_id,
                due_at=due_at,
                amount=amount,
                label=label.strip(),
                created_at=ctx.clock.now(),
            )
        )
    return {"id": flow_id, "due_at": as_utc(due_at).isoformat(), "amount": amount, "label": label}


def cash_overview(ctx: Context) -> dict[str, Any]:
    """D-5: liquid funds, today's room under both caps and the 7-day forecast with warnings.

    Approved orders not yet paid count as payments today; planned flows land on their day.
    """
    settings = ctx.section(DecideSettings)
    now = ctx.clock.now()
    today = start_of_day(now)
    horizon = today + timedelta(days=settings.cash_forecast_days)
    with reading(ctx.engine) as connection:
        row = account(connection)
        committed = committed_today(connection, now)
        unpaid = list(
            connection.execute(
                select(purchase_orders.c.id, purchase_orders.c.cost).where(
                    purchase_orders.c.state == "approved"
                )
            )
        )
        planned = list(
            connection.execute(
                select(cash_flows)
                .where(cash_flows.c.due_at >= today, cash_flows.c.due_at < horizon)
                .order_by(cash_flows.c.due_at)
            )
        )
        recent = list(
            connection.execute(
                select(cash_movements).order_by(cash_movements.c.id.desc()).limit(20)
            )
        )
    if row is None:
        return {"liquid_funds": None, "currency": None, "forecast": None, "warnings": []}
    flows = [CashFlow(0, -order.cost, f"purchase order {order.id}") for order in unpaid]
    flows += [
        CashFlow((as_utc(flow.due_at) - today).days, flow.amount, flow.label) for flow in planned
    ]
    forecast = forecast_cash(row.liquid_funds, flows, settings)
    check = check_order_cash(0.0, row.liquid_funds, committed, settings)
    return {
        "liquid_funds": round(row.liquid_funds, 2),
        "currency": row.currency,
        "order_limit": round(check.order_limit, 2),
        "committed_today": round(committed, 2),
        "daily_room": round(check.daily_room, 2),
        "forecast": [
            {"day": (today + timedelta(days=day)).date().isoformat(), "balance": round(value, 2)}
            for day, value in enumerate(forecast.closing_balances)
        ],
        "warnings": [reason.text for reason in forecast.warnings],
        "movements": [
            {
                "at": as_utc(movement.at).isoformat(),
                "kind": movement.kind,
                "amount": round(movement.amount, 2),
                "balance_after": round(movement.balance_after, 2),
                "ref": movement.ref,
                "label": movement.label,
            }
            for movement in recent
        ],
    }
