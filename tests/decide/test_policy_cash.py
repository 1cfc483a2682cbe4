"""D-4 quantities (seed playbook vs optimised policy) and D-5 cash rules."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from buzzstock.decide.cash import (
    CashFlow,
    affordable_quantity,
    check_order_cash,
    forecast_cash,
    presale_inflows,
)
from buzzstock.decide.policy import (
    BaseDemandEvidence,
    DemandForecast,
    Playbook,
    UnitEconomics,
    cycle_service_level,
    dual_sourcing_plan,
    first_order,
    needs_reorder,
    reorder_point,
    split_purchasing_budget,
)

FORECAST = DemandForecast(mean=300, std=90, validation_demand=300)
# Reference §6.2: price 30, fast-tier cost 13.8, markdown salvage 12 -> critical ratio 0.90.
FAST_ECONOMICS = UnitEconomics(unit_cost=13.8, price=30, salvage=12)


@pytest.mark.parametrize(("validation", "expected"), [(300, 150), (301, 151), (0, 0)])
def test_seed_first_order_is_half_the_validation_demand(validation: float, expected: int) -> None:
    forecast = DemandForecast(mean=0, std=0, validation_demand=validation)
    decision = first_order(Playbook.SEED, forecast, FAST_ECONOMICS)
    assert decision.quantity == expected
    assert decision.reasons[0].rule == "D-4"


def test_optimised_first_order_uses_the_critical_ratio() -> None:
    decision = first_order(Playbook.OPTIMISED, FORECAST, FAST_ECONOMICS)
    # 300 + z(0.9) * 90 = 415.3; far above the seed's 150 at air-freight margins.
    assert decision.quantity == 415
    assert "critical ratio 0.90" in decision.reasons[0].text
    thin_margin = first_order(Playbook.OPTIMISED, FORECAST, UnitEconomics(25, 30, 5))
    assert thin_margin.quantity < 300


def test_seed_reorder_point_is_seven_days_of_sales() -> None:
    assert reorder_point(Playbook.SEED, 20, 8, lead_time_days=10).reorder_point == 140


def test_seven_days_of_sales_is_unsafe_beyond_a_seven_day_lead_time() -> None:
    # Reference §6.1: daily N(20, 8), reorder point 140.
    assert cycle_service_level(140, 20, 8, 7) == pytest.approx(0.5)
    assert cycle_service_level(140, 20, 8, 10) == pytest.approx(0.0089, abs=5e-4)


@pytest.mark.parametrize("lead_time", [7, 10, 18])
def test_optimised_reorder_point_covers_the_tier_lead_time(lead_time: int) -> None:
    decision = reorder_point(Playbook.OPTIMISED, 20, 8, lead_time_days=lead_time)
    assert cycle_service_level(decision.reorder_point, 20, 8, lead_time) == pytest.approx(0.95)
    assert decision.reorder_point > 20 * lead_time


@pytest.mark.parametrize(("position", "reorder"), [(140, True), (139, True), (141, False)])
def test_reorder_triggers_at_the_point(position: float, reorder: bool) -> None:
    assert needs_reorder(position, 140) is reorder


def test_thirty_percent_of_purchasing_stays_regular() -> None:
    budget = split_purchasing_budget(10_000)
    assert budget.trend == pytest.approx(7_000)
    assert budget.regular == pytest.approx(3_000)


@pytest.mark.parametrize(("days", "slow_units"), [(13, 0), (14, 600)])
def test_slow_sea_freight_only_with_evidence_of_lasting_base_demand(
    days: int, slow_units: int
) -> None:
    plan = dual_sourcing_plan(
        FORECAST,
        FAST_ECONOMICS,
        slow_unit_cost=10.8,
        evidence=BaseDemandEvidence(days_held=days, floor_daily_demand=20),
    )
    assert plan.slow_units == slow_units
    assert plan.fast_units == 415
    assert ("no slow sea freight" in plan.reasons[-1].text) is (slow_units == 0)


def test_no_sea_freight_without_a_base_level() -> None:
    plan = dual_sourcing_plan(
        FORECAST, FAST_ECONOMICS, 10.8, BaseDemandEvidence(days_held=30, floor_daily_demand=0)
    )
    assert plan.slow_units == 0


@pytest.mark.parametrize(("order", "allowed"), [(3_000.0, True), (3_000.01, False)])
def test_one_order_at_most_30_percent_of_liquid_funds(order: float, allowed: bool) -> None:
    check = check_order_cash(order, liquid_funds=10_000)
    assert check.allowed is allowed
    assert check.order_limit == pytest.approx(3_000)


@pytest.mark.parametrize(("order", "allowed"), [(2_000.0, True), (2_000.01, False)])
def test_daily_cap_counts_what_was_committed_today(order: float, allowed: bool) -> None:
    check = check_order_cash(order, liquid_funds=10_000, committed_today=3_000)
    assert check.allowed is allowed
    if not allowed:
        assert "today's cap" in check.reasons[0].text


def test_affordable_quantity_cuts_an_order_to_the_cap() -> None:
    assert affordable_quantity(500, unit_cost=10, liquid_funds=10_000) == 300
    assert affordable_quantity(200, unit_cost=10, liquid_funds=10_000) == 200
    assert affordable_quantity(500, unit_cost=10, liquid_funds=10_000, committed_today=4_500) == 50


@given(
    quantity=st.integers(0, 10_000),
    unit_cost=st.floats(0.01, 500),
    funds=st.floats(0, 1e6),
    committed=st.floats(0, 1e6),
)
def test_cash_limits_are_never_exceeded(
    quantity: int, unit_cost: float, funds: float, committed: float
) -> None:
    allowed = affordable_quantity(quantity, unit_cost, funds, committed)
    assert 0 <= allowed <= quantity
    if allowed:
        assert check_order_cash(allowed * unit_cost * (1 - 1e-12), funds, committed).allowed


def test_seven_day_forecast_warns_of_a_gap_and_presale_closes_it() -> None:
    flows = [
        CashFlow(2, -1_500, "PO-7 deposit"),
        CashFlow(5, 900, "TikTok Shop payout"),
    ]
    forecast = forecast_cash(1_000, flows)
    assert forecast.closing_balances == (1_000, 1_000, -500, -500, -500, 400, 400)
    assert [w.figures["day"] for w in forecast.warnings] == [2, 3, 4]
    assert "PO-7 deposit" in forecast.warnings[0].text
    presale = presale_inflows(order_cash=5_000)
    assert len(presale) == 7
    assert sum(flow.amount for flow in presale) == pytest.approx(1_500)
    assert not forecast_cash(1_000, [*flows, *presale]).has_gap
