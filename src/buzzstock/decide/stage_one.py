"""D-2/D-3/D-4/D-5: the stage-1 order a confirmed trend starts the ladder with: its size from
the category's policy, its split by air within the fast tier's window, and its fit within the
cash limits.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from buzzstock.core.context import Context
from buzzstock.core.errors import Conflict, InvalidInput
from buzzstock.decide import (
    cash_store,
    purchase_decisions,
)
from buzzstock.decide.cash import affordable_quantity, check_order_cash
from buzzstock.decide.explain import Reason
from buzzstock.decide.ladder import Freight
from buzzstock.decide.policy import DemandForecast, Playbook, UnitEconomics, first_order
from buzzstock.decide.registry import supplier_offers
from buzzstock.decide.settings import DecideSettings
from buzzstock.decide.split import NoSplitPossible, SplitPlan
from buzzstock.listen.events import TrendConfirmed


def stage_one_sizing(
    ctx: Context,
    connection: Connection,
    settings: DecideSettings,
    entry: dict[str, Any],
    trend: TrendConfirmed,
    now: datetime,
) -> tuple[int | None, tuple[Reason, ...], dict[str, Any]]:
    """D-3/D-4: the stage-1 size the SKU's category's policy suggests (None: no figure to size
    on, the ladder's stage-1 minimum applies), why that policy, and the figures used."""
    category = str(entry["category"])
    playbook = Playbook(settings.policy)
    source = (
        f"set for category {category!r}"
        if settings.policy != ctx.section(DecideSettings).policy
        else "the default (no override for category " + repr(category) + ")"
    )
    chosen = Reason(
        "D-4",
        f"{playbook.value} policy sizes the stage-1 order: decide.policy = {playbook.value!r}, "
        f"{source}",
        {"policy": playbook.value, "category": category},
    )
    validation = None if trend.validation_demand is None else float(trend.validation_demand)
    figures: dict[str, Any] = {"policy": playbook.value}
    if playbook is Playbook.SEED:
        if validation is None or validation <= 0:
            return None, (chosen, _no_figure("no validation demand")), figures
        seed = first_order(
            playbook, DemandForecast(0.0, 0.0, validation), UnitEconomics(1, 2), settings
        )
        return seed.quantity, (chosen, *seed.reasons), figures
    return _optimised_stage_one(connection, settings, entry, validation, chosen, now)


def _no_figure(missing: str) -> Reason:
    return Reason("D-4", f"{missing} to size the order on: the stage-1 minimum applies")


def _optimised_stage_one(
    connection: Connection,
    settings: DecideSettings,
    entry: dict[str, Any],
    validation: float | None,
    chosen: Reason,
    now: datetime,
) -> tuple[int | None, tuple[Reason, ...], dict[str, Any]]:
    """D-4 optimised: newsvendor on the daily demand the validation period showed, over the
    fast tier's lead time (stage 1 goes by air from the fast tier), at the cheapest air offer's
    cost and the SKU's base price; a leftover unit loses its whole cost."""
    figures: dict[str, Any] = {"policy": Playbook.OPTIMISED.value}
    if validation is None or validation <= 0:
        return None, (chosen, _no_figure("no validation demand")), figures
    daily = validation / settings.validation_period_days
    daily_std = math.sqrt(daily)
    basis = (
        f"validation demand {validation:g} over {settings.validation_period_days:g} days, "
        "spread as for counts (std = √mean)"
    )
    offers = supplier_offers(connection, str(entry["code"]), Freight.AIR, now)
    price = float(entry["base_price"])
    if not offers:
        return None, (chosen, _no_figure("no air offer with a unit cost")), figures
    unit_cost = min(offer.unit_cost for offer in offers)
    lead = settings.fast_tier_max_days
    forecast = DemandForecast(daily * lead, daily_std * math.sqrt(lead), validation or 0.0)
    try:
        sized = first_order(Playbook.OPTIMISED, forecast, UnitEconomics(unit_cost, price), settings)
    except InvalidInput as error:
        return None, (chosen, Reason("D-4", error.detail)), figures
    why = Reason(
        "D-4",
        f"demand forecast {daily:g} ± {daily_std:.2f} a day ({basis}) over the fast tier's "
        f"{lead}-day lead time; unit cost {unit_cost:g} (cheapest air offer), price {price:g}",
        {"daily_demand": daily, "daily_demand_std": daily_std, "lead_time_days": lead},
    )
    figures.update(
        daily_demand=daily, daily_demand_std=daily_std, lead_time_days=lead, unit_cost=unit_cost
    )
    return sized.quantity, (chosen, why, *sized.reasons), figures


def stage_one_need_by(settings: DecideSettings, quantity: int) -> list[tuple[int, int]]:
    early = math.ceil(settings.stage_one_early_share * quantity - 1e-9)
    return [(early, settings.stage_one_early_days)] if early > 0 else []


def stage_one_split(
    connection: Connection, settings: DecideSettings, sku: str, quantity: int, now: datetime
) -> tuple[SplitPlan, tuple[Reason, ...]]:
    """D-2/D-3: stage 1 goes by air and lands within the fast tier's window, the first third
    within the early days (seed 002: 100 of 300 on day 4).

    When no split of the SKU's suppliers meets those days, the test batch is still ordered: it
    lands as early as they can make it, and the explanation says by when (a person who wants
    it sooner needs faster suppliers).
    """
    try:
        plan = purchase_decisions.plan_purchase(
            connection,
            settings,
            sku,
            quantity,
            settings.fast_tier_max_days,
            stage_one_need_by(settings, quantity),
            Freight.AIR,
            now,
        )
    except NoSplitPossible as missed:
        return _as_early_as_possible(connection, settings, sku, quantity, now, missed)
    return plan, ()


def _as_early_as_possible(
    connection: Connection,
    settings: DecideSettings,
    sku: str,
    quantity: int,
    now: datetime,
    missed: NoSplitPossible,
) -> tuple[SplitPlan, tuple[Reason, ...]]:
    offers = supplier_offers(connection, sku, Freight.AIR, now)
    latest = max(offer.arrival_day for offer in offers)
    plan = purchase_decisions.plan_purchase(
        connection, settings, sku, quantity, latest, (), Freight.AIR, now
    )
    landed = max(line.arrival_day for line in plan.lines)
    why = Reason(
        "D-3",
        f"{missed.detail.removeprefix('D-2: ')}: the test batch lands as early as the "
        f"suppliers can make it, by day {landed}",
        {"wanted_by_day": settings.fast_tier_max_days, "lands_by_day": landed},
    )
    return plan, (why,)


def fit_cash(
    connection: Connection, settings: DecideSettings, sku: str, plan: SplitPlan, now: datetime
) -> tuple[SplitPlan, list[Reason], bool]:
    """D-5: keep the order within 30 % of liquid funds and today's cap: cut it to what fits
    when that still makes a stage-1 order, else leave it to a person."""
    account = cash_store.account(connection, lock=True)
    if account is None:
        return (
            plan,
            [Reason("D-5", "liquid funds are not set: cash limits cannot be checked")],
            False,
        )
    committed = cash_store.committed_today(connection, now)

    def with_spares(each: SplitPlan) -> float:
        return each.cost + purchase_decisions.spare_cost(each, settings)

    check = check_order_cash(with_spares(plan), account.liquid_funds, committed, settings)
    if check.allowed:
        return plan, [], True
    quantity = sum(line.quantity for line in plan.lines)
    fits = affordable_quantity(
        quantity, with_spares(plan) / quantity, account.liquid_funds, committed, settings
    )
    if fits >= settings.stage_one_min_units:
        try:
            smaller, _ = stage_one_split(connection, settings, sku, fits, now)
        except (InvalidInput, Conflict):
            smaller = None
        if (
            smaller is not None
            and check_order_cash(
                with_spares(smaller), account.liquid_funds, committed, settings
            ).allowed
        ):
            cut = Reason(
                "D-5",
                f"order cut from {quantity} to {fits} units to stay within the cash limits",
                {"requested": quantity, "affordable": fits},
            )
            return smaller, [*check.reasons, cut], True
    return plan, list(check.reasons), False
