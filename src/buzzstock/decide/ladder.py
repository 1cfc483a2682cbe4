"""D-3: the replenishment ladder, one small state machine per trend.

stage 1  heat confirmed                      -> 100–200 units by air (test the market)
stage 2  first batch sold out in < 72 h      -> 300–500 more by air + fast sea
stage 3  heat holds >= 14 days               -> safety stock by sea + local warehouse
A decline (L-9) ends the ladder (D-8); a negative event stops it until a person resumes (D-6).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from buzzstock.decide.explain import Reason
from buzzstock.decide.settings import DecideSettings

DEFAULT_SETTINGS = DecideSettings()


class LadderStage(StrEnum):
    WATCHING = "watching"
    TEST_ORDER = "test_order"
    SCALE_UP = "scale_up"
    SAFETY_STOCK = "safety_stock"
    EXITED = "exited"
    STOPPED = "stopped"


class Freight(StrEnum):
    AIR = "air"
    FAST_SEA = "fast_sea"
    SEA = "sea"


@dataclass(frozen=True)
class HeatConfirmed:
    """The trend passed validation; ``suggested_units`` comes from the D-4 policy."""

    suggested_units: int | None = None


@dataclass(frozen=True)
class FirstBatchSoldOut:
    hours: float
    suggested_units: int | None = None


@dataclass(frozen=True)
class HeatHeld:
    """Heat has held for ``days``; ``safety_stock_units`` comes from the D-4 policy."""

    days: float
    safety_stock_units: int


@dataclass(frozen=True)
class TrendDeclining:
    pass


@dataclass(frozen=True)
class NegativeEvent:
    description: str


@dataclass(frozen=True)
class Resumed:
    """A person lifted an emergency stop."""


LadderEvent = (
    HeatConfirmed | FirstBatchSoldOut | HeatHeld | TrendDeclining | NegativeEvent | Resumed
)


@dataclass(frozen=True)
class LadderOrder:
    stage: int
    quantity: int
    freight: tuple[Freight, ...]


@dataclass(frozen=True)
class LadderStep:
    stage: LadderStage
    order: LadderOrder | None
    reasons: tuple[Reason, ...]


def _clamped(suggested: int | None, low: int, high: int) -> int:
    return low if suggested is None else max(low, min(high, suggested))


def advance(
    stage: LadderStage, event: LadderEvent, settings: DecideSettings = DEFAULT_SETTINGS
) -> LadderStep:
    """D-3: the next ladder stage for ``event`` and the order it triggers, if any."""
    if isinstance(event, NegativeEvent):
        return LadderStep(
            LadderStage.STOPPED,
            None,
            (Reason("D-6", f"emergency stop: {event.description}; all replenishment paused"),),
        )
    if stage is LadderStage.STOPPED:
        if isinstance(event, Resumed):
            return LadderStep(
                LadderStage.WATCHING, None, (Reason("D-6", "emergency stop lifted by a person"),)
            )
        return LadderStep(stage, None, (Reason("D-6", "stopped: waiting for a person to resume"),))
    if isinstance(event, TrendDeclining):
        return LadderStep(
            LadderStage.EXITED,
            None,
            (Reason("D-8", "trend declining: no further ladder orders, exit plan applies"),),
        )
    if isinstance(event, HeatConfirmed) and stage is LadderStage.WATCHING:
        return _stage_one(event, settings)
    if isinstance(event, FirstBatchSoldOut) and stage is LadderStage.TEST_ORDER:
        return _stage_two(event, settings)
    if isinstance(event, HeatHeld) and stage in (LadderStage.TEST_ORDER, LadderStage.SCALE_UP):
        return _stage_three(stage, event, settings)
    return LadderStep(
        stage,
        None,
        (Reason("D-3", f"{type(event).__name__} changes nothing in stage {stage.value}"),),
    )


def _stage_one(event: HeatConfirmed, settings: DecideSettings) -> LadderStep:
    low, high = settings.stage_one_min_units, settings.stage_one_max_units
    quantity = _clamped(event.suggested_units, low, high)
    text = f"heat confirmed: stage 1 test order of {quantity} units by air ({low}–{high})"
    if event.suggested_units is not None and event.suggested_units != quantity:
        text += f"; the policy suggested {event.suggested_units}, kept within the stage-1 range"
    return LadderStep(
        LadderStage.TEST_ORDER,
        LadderOrder(1, quantity, (Freight.AIR,)),
        (Reason("D-3", text, {"quantity": quantity, "min": low, "max": high}),),
    )


def _stage_two(event: FirstBatchSoldOut, settings: DecideSettings) -> LadderStep:
    limit = settings.stage_two_sellout_hours
    if event.hours >= limit:
        return LadderStep(
            LadderStage.TEST_ORDER,
            None,
            (
                Reason(
                    "D-3",
                    f"first batch sold out in {event.hours:g} h, not under {limit:g} h: "
                    "no stage 2 yet",
                    {"hours": event.hours, "limit_hours": limit},
                ),
            ),
        )
    low, high = settings.stage_two_min_units, settings.stage_two_max_units
    quantity = _clamped(event.suggested_units, low, high)
    return LadderStep(
        LadderStage.SCALE_UP,
        LadderOrder(2, quantity, (Freight.AIR, Freight.FAST_SEA)),
        (
            Reason(
                "D-3",
                f"first batch sold out in {event.hours:g} h < {limit:g} h: stage 2 adds "
                f"{quantity} units by air + fast sea ({low}–{high})",
                {"hours": event.hours, "limit_hours": limit, "quantity": quantity},
            ),
        ),
    )


def _stage_three(stage: LadderStage, event: HeatHeld, settings: DecideSettings) -> LadderStep:
    needed = settings.stage_three_heat_days
    if event.days < needed:
        return LadderStep(
            stage,
            None,
            (
                Reason(
                    "D-3",
                    f"heat held {event.days:g} days, stage 3 needs {needed}",
                    {"days": event.days, "needed_days": needed},
                ),
            ),
        )
    order = (
        LadderOrder(3, event.safety_stock_units, (Freight.SEA,))
        if event.safety_stock_units > 0
        else None
    )
    return LadderStep(
        LadderStage.SAFETY_STOCK,
        order,
        (
            Reason(
                "D-3",
                f"heat held {event.days:g} days >= {needed}: stage 3 safety stock of "
                f"{event.safety_stock_units} units by sea + local warehouse",
                {"days": event.days, "needed_days": needed, "quantity": event.safety_stock_units},
            ),
        ),
    )
