"""D-1 tiers and grades, D-3 ladder, D-9 notice, and the HomeCharm case from seed 000."""

from __future__ import annotations

import pytest

from buzzstock.core.errors import InvalidInput
from buzzstock.decide.ladder import (
    FirstBatchSoldOut,
    Freight,
    HeatConfirmed,
    HeatHeld,
    LadderStage,
    NegativeEvent,
    Resumed,
    TrendDeclining,
    advance,
)
from buzzstock.decide.policy import allocate_variants
from buzzstock.decide.settings import DecideSettings
from buzzstock.decide.suppliers import (
    Grade,
    Tier,
    cheapest_tier_arriving_within,
    grades_for_order,
    prepare_production_notice,
    supplier_pool_warnings,
    tier_for_alert,
    tier_terms,
    tier_unit_cost,
)


def test_tier_terms_follow_the_seed() -> None:
    fast = tier_terms(Tier.FAST)
    assert (fast.min_days, fast.max_days) == (7, 10)
    assert tier_unit_cost(10.0, Tier.FAST) == pytest.approx(11.5)
    assert tier_unit_cost(10.0, Tier.BALANCED) == pytest.approx(10.0)
    assert tier_unit_cost(10.0, Tier.COST_OPTIMISED) == pytest.approx(9.0)
    cheap = tier_terms(Tier.COST_OPTIMISED)
    assert (cheap.min_days, cheap.max_days) == (30, 45)


def test_alert_level_picks_the_tier() -> None:
    assert tier_for_alert("red") is Tier.FAST
    assert tier_for_alert("Orange") is Tier.BALANCED
    assert tier_for_alert("yellow") is Tier.COST_OPTIMISED
    with pytest.raises(InvalidInput, match="unknown alert level"):
        tier_for_alert("purple")


@pytest.mark.parametrize(
    ("days", "tier"),
    [(9, None), (10, Tier.FAST), (19, Tier.FAST), (20, Tier.BALANCED), (45, Tier.COST_OPTIMISED)],
)
def test_cheapest_tier_that_arrives_in_time(days: int, tier: Tier | None) -> None:
    assert cheapest_tier_arriving_within(days) is tier


@pytest.mark.parametrize(
    ("quantity", "days", "grades"),
    [
        (99, 7, [Grade.A, Grade.C]),
        (100, 7, [Grade.C]),
        (99, 6, [Grade.C]),
        (99, 10, [Grade.A, Grade.B, Grade.C]),
        (299, 10, [Grade.B, Grade.C]),
        (300, 10, [Grade.C]),
        (299, 9, [Grade.C]),
    ],
)
def test_micro_seller_grades_on_both_sides_of_their_limits(
    quantity: int, days: int, grades: list[Grade]
) -> None:
    assert grades_for_order(quantity, days) == grades


def test_supplier_pool_warnings_on_both_sides() -> None:
    enough = {Grade.A: 2, Grade.B: 5, Grade.C: 1}
    assert supplier_pool_warnings(enough) == []
    short = {Grade.A: 1, Grade.B: 4}
    texts = [str(reason) for reason in supplier_pool_warnings(short)]
    assert texts == [
        "D-1: only 1 grade A supplier(s); keep 2–3",
        "D-1: only 4 grade B supplier(s); keep 5–8",
        "D-1: only 0 grade C supplier(s); keep at least 1",
    ]


def test_prepare_production_notice_above_heat_150_only() -> None:
    assert prepare_production_notice(150) is None
    notice = prepare_production_notice(151)
    assert notice is not None
    assert notice.rule == "D-9"


def test_stage_one_on_confirmation_by_air_within_100_to_200() -> None:
    step = advance(LadderStage.WATCHING, HeatConfirmed())
    assert step.stage is LadderStage.TEST_ORDER
    assert step.order is not None
    assert (step.order.stage, step.order.quantity, step.order.freight) == (1, 100, (Freight.AIR,))
    small = advance(LadderStage.WATCHING, HeatConfirmed(suggested_units=40))
    assert small.order is not None and small.order.quantity == 100
    mid = advance(LadderStage.WATCHING, HeatConfirmed(suggested_units=150))
    assert mid.order is not None and mid.order.quantity == 150


def test_homecharm_500_units_as_300_large_and_200_eco_first_200_by_air() -> None:
    # Seed 000: comments asked for "bigger size" and "eco material"; HomeCharm ordered 500
    # improved units (300 large, 200 eco); the first 200 arrived by air on day 12.
    assert allocate_variants(500, {"large": 3, "eco": 2}) == {"large": 300, "eco": 200}
    step = advance(LadderStage.WATCHING, HeatConfirmed(suggested_units=500))
    assert step.order is not None
    assert step.order.quantity == 200
    assert step.order.freight == (Freight.AIR,)
    assert "the policy suggested 500" in step.reasons[0].text


def test_allocate_variants_always_adds_up() -> None:
    parts = allocate_variants(100, {"red": 1, "green": 1, "blue": 1})
    assert sum(parts.values()) == 100
    assert sorted(parts.values()) == [33, 33, 34]
    with pytest.raises(InvalidInput):
        allocate_variants(10, {"red": 0})


@pytest.mark.parametrize(("hours", "scales_up"), [(71.9, True), (72.0, False)])
def test_stage_two_only_when_first_batch_sells_out_under_72_hours(
    hours: float, scales_up: bool
) -> None:
    step = advance(LadderStage.TEST_ORDER, FirstBatchSoldOut(hours=hours, suggested_units=800))
    if scales_up:
        assert step.stage is LadderStage.SCALE_UP
        assert step.order is not None
        assert step.order.quantity == 500
        assert step.order.freight == (Freight.AIR, Freight.FAST_SEA)
    else:
        assert step.stage is LadderStage.TEST_ORDER
        assert step.order is None


@pytest.mark.parametrize(("days", "builds"), [(13.9, False), (14, True)])
def test_stage_three_safety_stock_by_sea_after_14_days(days: float, builds: bool) -> None:
    step = advance(LadderStage.SCALE_UP, HeatHeld(days=days, safety_stock_units=600))
    if builds:
        assert step.stage is LadderStage.SAFETY_STOCK
        assert step.order is not None
        assert (step.order.quantity, step.order.freight) == (600, (Freight.SEA,))
    else:
        assert step.stage is LadderStage.SCALE_UP
        assert step.order is None


def test_decline_exits_and_negative_event_stops_until_resumed() -> None:
    assert advance(LadderStage.SCALE_UP, TrendDeclining()).stage is LadderStage.EXITED
    stopped = advance(LadderStage.SCALE_UP, NegativeEvent("material safety complaint"))
    assert stopped.stage is LadderStage.STOPPED
    assert "material safety complaint" in stopped.reasons[0].text
    still = advance(LadderStage.STOPPED, HeatConfirmed(suggested_units=150))
    assert (still.stage, still.order) == (LadderStage.STOPPED, None)
    assert advance(LadderStage.STOPPED, Resumed()).stage is LadderStage.WATCHING


def test_events_out_of_order_change_nothing() -> None:
    step = advance(LadderStage.WATCHING, FirstBatchSoldOut(hours=10))
    assert (step.stage, step.order) == (LadderStage.WATCHING, None)
    again = advance(LadderStage.TEST_ORDER, HeatConfirmed())
    assert (again.stage, again.order) == (LadderStage.TEST_ORDER, None)


def test_ladder_ranges_follow_settings() -> None:
    tuned = DecideSettings(stage_one_min_units=50, stage_one_max_units=80)
    step = advance(LadderStage.WATCHING, HeatConfirmed(suggested_units=500), tuned)
    assert step.order is not None and step.order.quantity == 80
