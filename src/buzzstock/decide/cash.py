"""D-5 cash rules: per-order and daily caps, a 7-day cash-flow forecast, presale as a lever."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from buzzstock.core.errors import InvalidInput
from buzzstock.decide.explain import Reason
from buzzstock.decide.settings import DecideSettings

DEFAULT_SETTINGS = DecideSettings()


@dataclass(frozen=True)
class CashCheck:
    allowed: bool
    order_limit: float
    daily_room: float
    reasons: tuple[Reason, ...]


def check_order_cash(
    order_cash: float,
    liquid_funds: float,
    committed_today: float = 0.0,
    settings: DecideSettings = DEFAULT_SETTINGS,
) -> CashCheck:
    """D-5: one order <= 30 % of liquid funds, and today's orders within the daily cap."""
    if order_cash < 0 or liquid_funds < 0 or committed_today < 0:
        raise InvalidInput("cash amounts must be >= 0", rule="D-5")
    order_limit = settings.max_order_share_of_funds * liquid_funds
    daily_room = max(0.0, settings.daily_order_share_of_funds * liquid_funds - committed_today)
    reasons: list[Reason] = []
    figures = {"order_cash": order_cash, "liquid_funds": liquid_funds}
    if order_cash > order_limit:
        reasons.append(
            Reason(
                "D-5",
                f"order needs {order_cash:,.2f}, above {settings.max_order_share_of_funds:.0%} "
                f"of liquid funds {liquid_funds:,.2f} = {order_limit:,.2f}",
                {**figures, "order_limit": order_limit},
            )
        )
    if order_cash > daily_room:
        reasons.append(
            Reason(
                "D-5",
                f"order needs {order_cash:,.2f}, but only {daily_room:,.2f} is left under "
                f"today's cap of {settings.daily_order_share_of_funds:.0%} of liquid funds",
                {**figures, "daily_room": daily_room, "committed_today": committed_today},
            )
        )
    return CashCheck(not reasons, order_limit, daily_room, tuple(reasons))


def affordable_quantity(
    quantity: int,
    unit_cost: float,
    liquid_funds: float,
    committed_today: float = 0.0,
    settings: DecideSettings = DEFAULT_SETTINGS,
) -> int:
    """D-5: the largest part of ``quantity`` that passes both cash caps."""
    if unit_cost <= 0:
        raise InvalidInput("unit cost must be > 0", rule="D-5")
    check = check_order_cash(0.0, liquid_funds, committed_today, settings)
    room = min(check.order_limit, check.daily_room)
    return max(0, min(quantity, math.floor(room / unit_cost + 1e-9)))


@dataclass(frozen=True)
class CashFlow:
    """Money in (positive) or out (negative) on ``day`` (0 = today)."""

    day: int
    amount: float
    label: str


@dataclass(frozen=True)
class CashForecast:
    closing_balances: tuple[float, ...]
    warnings: tuple[Reason, ...]

    @property
    def has_gap(self) -> bool:
        return bool(self.warnings)


def forecast_cash(
    opening_balance: float,
    flows: Sequence[CashFlow],
    settings: DecideSettings = DEFAULT_SETTINGS,
) -> CashForecast:
    """D-5: closing balance for each of the next 7 days, warning where it falls below the floor."""
    days = settings.cash_forecast_days
    balance = opening_balance
    closing: list[float] = []
    warnings: list[Reason] = []
    for day in range(days):
        todays = [flow for flow in flows if flow.day == day]
        balance += sum(flow.amount for flow in todays)
        closing.append(balance)
        if balance < settings.cash_floor:
            payments = ", ".join(flow.label for flow in todays if flow.amount < 0) or "earlier days"
            warnings.append(
                Reason(
                    "D-5",
                    f"day {day}: balance {balance:,.2f} falls below {settings.cash_floor:,.2f} "
                    f"(payments: {payments})",
                    {"day": day, "balance": balance, "floor": settings.cash_floor},
                )
            )
    return CashForecast(tuple(closing), tuple(warnings))


def presale_inflows(
    order_cash: float, start_day: int = 0, settings: DecideSettings = DEFAULT_SETTINGS
) -> list[CashFlow]:
    """D-5: a 7-day presale at 10 % off brings back about 30 % of the order's cash early.

    The recovered cash is spread evenly over the presale days, ready for ``forecast_cash``.
    """
    if order_cash < 0:
        raise InvalidInput("order cash must be >= 0", rule="D-5")
    days = settings.presale_days
    per_day = order_cash * settings.presale_cash_share / days
    label = f"presale ({settings.presale_discount:.0%} off)"
    return [CashFlow(start_day + offset, per_day, label) for offset in range(days)]
