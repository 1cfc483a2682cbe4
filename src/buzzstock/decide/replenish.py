"""D-3 ladder stages 2 and 3, driven by what the stock hub and the heat series record.

Stage 2: the first batch (the stage-1 order, once every one of its purchase orders is received)
sold out in under 72 hours: units sold since it was received (``OrderConfirmed`` events) reached
its size, so 300–500 more units are proposed by air + fast sea. Stage 3: heat has held for
14 days or more and sales show a lasting base demand (D-4, ``dual_sourcing_plan``): safety stock
by sea. Proposals wait in the queue for a person (human review), each with its explanation, and
the SKU's ladder stage is stored with it. ``advance_ladders`` is safe to run any number of
times: a stage only moves forward, and a verdict that ends in no order is recorded once.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select

from buzzstock.catalog.service import Sku, get_entry
from buzzstock.core.clock import as_utc
from buzzstock.core.context import Context
from buzzstock.core.db import reading
from buzzstock.core.errors import Conflict, InvalidInput, NotFound
from buzzstock.decide import orders, purchase_decisions, queue
from buzzstock.decide.exit import OrderStage
from buzzstock.decide.explain import Reason
from buzzstock.decide.ladder import (
    FirstBatchSoldOut,
    Freight,
    HeatHeld,
    LadderStage,
    advance,
)
from buzzstock.decide.matrix import Route
from buzzstock.decide.policy import (
    BaseDemandEvidence,
    DemandForecast,
    UnitEconomics,
    dual_sourcing_plan,
)
from buzzstock.decide.proposal import ProposalStatus
from buzzstock.decide.registry import supplier_offers
from buzzstock.decide.settings import DecideSettings
from buzzstock.decide.split import SplitPlan
from buzzstock.decide.store import decisions, heat_points, purchase_orders, sku_modes
from buzzstock.stock import service as stock

CLIMBING = (LadderStage.TEST_ORDER.value, LadderStage.SCALE_UP.value)
SECONDS_PER_DAY = 86_400.0


@dataclass(frozen=True)
class LadderCandidate:
    """A SKU whose ladder can still climb, with its category's settings."""

    sku: str
    settings: DecideSettings
    base_price: float
    warehouse: str


@dataclass(frozen=True)
class FirstBatch:
    decision_id: str
    created_at: datetime
    units: int
    received_at: datetime | None


def ladder_candidates(ctx: Context) -> list[LadderCandidate]:
    """SKUs at ladder stage 1 or 2 that are not made to order."""
    with reading(ctx.engine) as connection:
        skus = list(
            connection.execute(
                select(sku_modes.c.sku)
                .where(sku_modes.c.ladder_stage.in_(CLIMBING), sku_modes.c.make_to_order.is_(False))
                .order_by(sku_modes.c.sku)
            ).scalars()
        )
    found = []
    for sku in skus:
        try:
            entry = get_entry(ctx, Sku, sku)
        except NotFound:
            continue
        try:
            warehouse = purchase_decisions.default_warehouse(ctx, sku)
        except Conflict:
            continue
        settings = ctx.section(DecideSettings, category=str(entry["category"]))
        found.append(LadderCandidate(sku, settings, float(entry["base_price"]), warehouse))
    return found


def advance_ladders(ctx: Context) -> list[str]:
    """D-3: check every climbing ladder for stage 2 and stage 3; the new decisions' ids."""
    candidates = ladder_candidates(ctx)
    with ctx.engine.begin() as connection:
        return advance_ladders_in(connection, candidates, ctx.clock.now())


def advance_ladders_in(
    connection: Connection,
    candidates: Sequence[LadderCandidate],
    now: datetime,
) -> list[str]:
    """``advance_ladders`` inside the caller's transaction."""
    made: list[str] = []
    for candidate in candidates:
        stage = _locked_stage(connection, candidate.sku)
        if stage == LadderStage.TEST_ORDER.value:
            made.extend(_check_stage_two(connection, candidate, now))
            stage = _locked_stage(connection, candidate.sku)
        if stage in CLIMBING:
            made.extend(_check_stage_three(connection, candidate, LadderStage(stage), now))
    return made


def _locked_stage(connection: Connection, sku: str) -> str | None:
    row = connection.execute(
        select(sku_modes.c.ladder_stage, sku_modes.c.make_to_order)
        .where(sku_modes.c.sku == sku)
        .with_for_update()
    ).first()
    if row is None or row.make_to_order:
        return None
    return str(row.ladder_stage)


# --- what happened ------------------------------------------------------------------------------


def first_batch(connection: Connection, sku: str) -> FirstBatch | None:
    """The latest sent stage-1 decision of ``sku``: its units and when its last order arrived
    (None until every one of its orders is received)."""
    rows = connection.execute(
        select(decisions.c.id, decisions.c.inputs, decisions.c.created_at)
        .where(
            decisions.c.sku == sku,
            decisions.c.kind == queue.PURCHASE,
            decisions.c.status == ProposalStatus.SENT.value,
        )
        .order_by(decisions.c.created_at.desc(), decisions.c.id.desc())
    ).all()
    stage_one = next((row for row in rows if row.inputs.get("stage") == 1), None)
    if stage_one is None:
        return None
    order_rows = connection.execute(
        select(purchase_orders.c.id, purchase_orders.c.received_at)
        .where(
            purchase_orders.c.decision_id == stage_one.id,
            purchase_orders.c.state != OrderStage.CANCELLED.value,
        )
        .order_by(purchase_orders.c.id)
    ).all()
    if not order_rows:
        return None
    units = sum(orders.units_by_order(connection, [row.id for row in order_rows]).values())
    arrivals = [row.received_at for row in order_rows]
    received = None if None in arrivals else max(as_utc(at) for at in arrivals)
    return FirstBatch(stage_one.id, as_utc(stage_one.created_at), units, received)


def sales(connection: Connection, sku: str, since: datetime) -> list[tuple[datetime, int]]:
    """(time, units) of every sale of ``sku`` at or after ``since`` (the stock hub's orders)."""
    return stock.units_sold(connection, sku, since)


def heat_days_held(connection: Connection, sku: str, floor: float) -> float:
    """D-3: days from the first to the latest reading of the current run of heat readings at
    or above ``floor`` (0 when the latest reading is below it)."""
    readings = connection.execute(
        select(heat_points.c.at, heat_points.c.heat)
        .where(heat_points.c.sku == sku)
        .order_by(heat_points.c.at.desc(), heat_points.c.id.desc())
    ).all()
    run = []
    for reading_row in readings:
        if reading_row.heat < floor:
            break
        run.append(as_utc(reading_row.at))
    if not run:
        return 0.0
    return (run[0] - run[-1]).total_seconds() / SECONDS_PER_DAY


def base_demand(
    connection: Connection, sku: str, now: datetime, window_days: int
) -> tuple[BaseDemandEvidence, float]:
    """D-4: how many days running (back from today) the SKU sold, the least it sold on any of
    those days, and its average daily sales over them."""
    per_day: dict[int, int] = defaultdict(int)
    for at, units in sales(connection, sku, now - timedelta(days=window_days)):
        per_day[int((now - at).total_seconds() // SECONDS_PER_DAY)] += units
    held = 0
    while per_day.get(held, 0) > 0:
        held += 1
    if held == 0:
        return BaseDemandEvidence(0, 0.0), 0.0
    days = [per_day[day] for day in range(held)]
    return BaseDemandEvidence(held, float(min(days))), sum(days) / held


def _already_noted(connection: Connection, sku: str, stage: int, since: datetime) -> bool:
    """A verdict that ended in no order is recorded once per trend."""
    for row in connection.execute(
        select(decisions.c.inputs, decisions.c.created_at).where(
            decisions.c.sku == sku, decisions.c.kind == queue.WATCH
        )
    ):
        if row.inputs.get("ladder_stage_checked") == stage and as_utc(row.created_at) >= since:
            return True
    return False


def _note(
    connection: Connection,
    sku: str,
    route: Route,
    reasons: Sequence[Reason],
    inputs: dict[str, Any],
    now: datetime,
) -> None:
    queue.insert_decision(
        connection,
        kind=queue.WATCH,
        sku=sku,
        route=route,
        status=ProposalStatus.RECORDED,
        reasons=reasons,
        inputs=inputs,
        now=now,
    )


# --- stage 2 ------------------------------------------------------------------------------------


def _check_stage_two(
    connection: Connection, candidate: LadderCandidate, now: datetime
) -> list[str]:
    """D-3 stage 2: the first batch sold out in under 72 h -> 300–500 by air + fast sea."""
    settings, sku = candidate.settings, candidate.sku
    batch = first_batch(connection, sku)
    if batch is None or batch.received_at is None:
        return []
    if _already_noted(connection, sku, 2, batch.created_at):
        return []
    sold, sold_out_at = 0, None
    for at, units in sales(connection, sku, batch.received_at):
        sold += units
        if sold >= batch.units:
            sold_out_at = at
            break
    limit = settings.stage_two_sellout_hours
    inputs: dict[str, Any] = {
        "ladder_stage_checked": 2,
        "first_batch_decision": batch.decision_id,
        "first_batch_units": batch.units,
        "received_at": batch.received_at.isoformat(),
        "units_sold": sold,
    }
    if sold_out_at is None:
        waited = (now - batch.received_at).total_seconds() / 3600
        if waited < limit:
            return []
        text = (
            f"first batch of {batch.units} units: {sold} sold in {waited:.1f} h since it was "
            f"received, not sold out within {limit:g} h: no stage 2"
        )
        _note(connection, sku, Route.NO_ACTION, (Reason("D-3", text),), inputs, now)
        return []
    hours = (sold_out_at - batch.received_at).total_seconds() / 3600
    daily_rate = batch.units / max(hours / 24, 1 / 24)
    suggested = math.ceil(daily_rate * settings.fast_tier_max_days - 1e-9)
    step = advance(LadderStage.TEST_ORDER, FirstBatchSoldOut(hours, suggested), settings)
    inputs.update(sellout_hours=round(hours, 2), daily_rate=round(daily_rate, 2))
    if step.order is None:
        _note(connection, sku, Route.NO_ACTION, step.reasons, inputs, now)
        return []
    rate = Reason(
        "D-3",
        f"sold {batch.units} units in {hours:g} h = {daily_rate:.1f} a day; "
        f"{settings.fast_tier_max_days} days of that until a fast-tier batch can land = "
        f"{suggested} units, kept within the stage-2 range",
        {"daily_rate": daily_rate, "suggested": suggested},
    )
    reasons = (*step.reasons, rate)
    return _propose_stage_two(connection, candidate, step.order.quantity, reasons, inputs, now)


def _propose_stage_two(
    connection: Connection,
    candidate: LadderCandidate,
    quantity: int,
    explained: tuple[Reason, ...],
    inputs: dict[str, Any],
    now: datetime,
) -> list[str]:
    """D-3/D-2: the stage-2 order, split by air and fast sea across the suppliers."""
    settings, sku = candidate.settings, candidate.sku
    air_units = math.ceil(quantity * settings.stage_two_air_share - 1e-9)
    reasons = list(explained)
    plans: list[tuple[SplitPlan, Freight]] = []
    try:
        if quantity - air_units > 0:
            try:
                sea = purchase_decisions.plan_purchase(
                    connection,
                    settings,
                    sku,
                    quantity - air_units,
                    settings.balanced_tier_max_days,
                    (),
                    Freight.FAST_SEA,
                    now,
                )
                plans.append((sea, Freight.FAST_SEA))
            except (InvalidInput, Conflict) as error:
                reasons.append(
                    Reason("D-3", f"nothing by fast sea ({error.detail}): all {quantity} by air")
                )
                air_units = quantity
        air = purchase_decisions.plan_purchase(
            connection, settings, sku, air_units, settings.fast_tier_max_days, (), Freight.AIR, now
        )
    except (InvalidInput, Conflict) as error:
        reasons.append(Reason("D-2", error.detail))
        _note(connection, sku, Route.HUMAN_REVIEW, reasons, inputs, now)
        return []
    decision_id = purchase_decisions.create_purchase_decision(
        connection,
        sku=sku,
        route=Route.HUMAN_REVIEW,
        status=ProposalStatus.PROPOSED,
        reasons=reasons,
        plan=air,
        more_plans=plans,
        inputs={
            **inputs,
            "stage": 2,
            "quantity": quantity,
            "air_units": air_units,
            "due_days": settings.fast_tier_max_days,
            "need_by": [],
        },
        warehouse=candidate.warehouse,
        freight=Freight.AIR,
        now=now,
        trend_settings=settings,
    )
    queue.set_mode(connection, sku, now, stage=LadderStage.SCALE_UP.value)
    return [decision_id]


# --- stage 3 ------------------------------------------------------------------------------------


def _check_stage_three(
    connection: Connection,
    candidate: LadderCandidate,
    stage: LadderStage,
    now: datetime,
) -> list[str]:
    """D-3 stage 3: heat held >= 14 days and a lasting base demand -> safety stock by sea."""
    settings, sku = candidate.settings, candidate.sku
    days = heat_days_held(connection, sku, settings.stage_three_heat_floor)
    if days < settings.stage_three_heat_days:
        return []
    window = 2 * max(settings.slow_freight_evidence_days, settings.stage_three_heat_days)
    evidence, daily_mean = base_demand(connection, sku, now, window)
    air = supplier_offers(connection, sku, Freight.AIR, now)
    sea = supplier_offers(connection, sku, Freight.SEA, now)
    if evidence.days_held < settings.slow_freight_evidence_days or not air or not sea:
        return []
    lead = settings.fast_tier_max_days
    forecast = DemandForecast(daily_mean * lead, math.sqrt(daily_mean * lead), 0.0)
    fast = UnitEconomics(min(offer.unit_cost for offer in air), candidate.base_price)
    try:
        dual = dual_sourcing_plan(
            forecast, fast, min(offer.unit_cost for offer in sea), evidence, settings
        )
    except InvalidInput:
        return []
    step = advance(stage, HeatHeld(days, dual.slow_units), settings)
    if step.order is None:
        return []
    held = Reason(
        "D-3",
        f"heat stayed at or above {settings.stage_three_heat_floor:g} for {days:.1f} days",
        {"days": days, "floor": settings.stage_three_heat_floor},
    )
    reasons = [*step.reasons, held, dual.reasons[-1]]
    inputs: dict[str, Any] = {
        "ladder_stage_checked": 3,
        "heat_days_held": round(days, 2),
        "base_demand_days": evidence.days_held,
        "base_daily_demand": evidence.floor_daily_demand,
        "stage": 3,
        "quantity": step.order.quantity,
        "due_days": settings.cost_optimised_tier_max_days,
        "need_by": [],
    }
    try:
        plan = purchase_decisions.plan_purchase(
            connection,
            settings,
            sku,
            step.order.quantity,
            settings.cost_optimised_tier_max_days,
            (),
            Freight.SEA,
            now,
        )
    except (InvalidInput, Conflict) as error:
        batch = first_batch(connection, sku)
        started = batch.created_at if batch is not None else now
        if not _already_noted(connection, sku, 3, started):
            reasons.append(Reason("D-2", error.detail))
            _note(connection, sku, Route.HUMAN_REVIEW, reasons, inputs, now)
        return []
    decision_id = purchase_decisions.create_purchase_decision(
        connection,
        sku=sku,
        route=Route.HUMAN_REVIEW,
        status=ProposalStatus.PROPOSED,
        reasons=reasons,
        plan=plan,
        inputs=inputs,
        warehouse=candidate.warehouse,
        freight=Freight.SEA,
        now=now,
        trend_settings=settings,
    )
    queue.set_mode(connection, sku, now, stage=LadderStage.SAFETY_STOCK.value)
    return [decision_id]
