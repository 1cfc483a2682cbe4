"""Newsvendor, base-stock and (s,S) against Snyder & Shen (FoSCT) textbook values."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from buzzstock.core.errors import InvalidInput
from buzzstock.decide.quantity import (
    Demand,
    MismatchCosts,
    base_stock_level,
    expected_mismatch_cost,
    newsvendor,
    optimal_ss_policy,
    power_approximation_ss,
    ss_policy_cost,
    standard_normal_loss,
)

EXAMPLE_4_1 = MismatchCosts.from_holding_shortage(0.18, 0.70)
NORMAL_50_8 = Demand.normal(50, 8)


def test_example_4_1_expected_cost_matches_textbook_at_optimum_and_elsewhere() -> None:
    assert expected_mismatch_cost(NORMAL_50_8, EXAMPLE_4_1, 56.603955927433887) == pytest.approx(
        1.997605193176645, abs=1e-9
    )
    assert expected_mismatch_cost(NORMAL_50_8, EXAMPLE_4_1, 40) == pytest.approx(
        7.356131552870388, abs=1e-9
    )
    assert expected_mismatch_cost(NORMAL_50_8, EXAMPLE_4_1, 60) == pytest.approx(
        2.156131552870387, abs=1e-9
    )


def test_example_4_1_whole_unit_quantity_is_the_cheaper_neighbour_of_s_star() -> None:
    result = newsvendor(NORMAL_50_8, EXAMPLE_4_1)
    assert result.critical_ratio == pytest.approx(0.7 / 0.88)
    assert result.quantity == 57
    cost_56 = expected_mismatch_cost(NORMAL_50_8, EXAMPLE_4_1, 56)
    cost_57 = expected_mismatch_cost(NORMAL_50_8, EXAMPLE_4_1, 57)
    assert cost_57 < cost_56
    assert result.expected_cost == pytest.approx(cost_57)
    assert result.expected_cost >= 1.997605193176645


def test_example_4_2_prices_give_the_same_quantity_and_textbook_profit() -> None:
    costs = MismatchCosts.from_prices(unit_cost=0.3, price=1.0, salvage=0.12)
    assert costs.overage == pytest.approx(0.18)
    assert costs.underage == pytest.approx(0.70)
    result = newsvendor(NORMAL_50_8, costs)
    assert result.quantity == 57
    optimum_profit = 0.7 * 50 - expected_mismatch_cost(NORMAL_50_8, costs, 56.6039559)
    assert optimum_profit == pytest.approx(33.002394806823354, abs=1e-6)
    assert result.expected_profit is not None
    assert result.expected_profit <= 33.002394806823354


def test_readme_and_problem_4_1_instances() -> None:
    costs = MismatchCosts.from_holding_shortage(2, 18)
    demand = Demand.normal(120, 10)
    assert expected_mismatch_cost(demand, costs, 132.815515655446) == pytest.approx(
        35.09966638649737, abs=1e-9
    )
    assert newsvendor(demand, costs).quantity == 133
    costs = MismatchCosts.from_holding_shortage(43, 79)
    demand = Demand.normal(900, 60)
    assert expected_mismatch_cost(demand, costs, 922.7214038234755) == pytest.approx(
        2718.196781782411, abs=1e-6
    )
    assert newsvendor(demand, costs).quantity in (922, 923)


def test_example_4_4_base_stock_with_lead_time_covers_l_plus_one_periods() -> None:
    result = base_stock_level(NORMAL_50_8, 0.18, 0.70, lead_time=4)
    assert result.demand.mean == pytest.approx(250)
    assert result.demand.std == pytest.approx(8 * math.sqrt(5))
    assert result.quantity == 265
    assert expected_mismatch_cost(result.demand, EXAMPLE_4_1, 264.7668943741548) == pytest.approx(
        4.466781004149578, abs=1e-9
    )
    assert expected_mismatch_cost(result.demand, EXAMPLE_4_1, 180) == pytest.approx(
        49.000164748034095, abs=1e-9
    )


def test_lead_time_scales_normal_mean_by_l_and_std_by_root_l() -> None:
    result = newsvendor(NORMAL_50_8, EXAMPLE_4_1, lead_time=5)
    assert result.demand == Demand.normal(250, 8 * math.sqrt(5))
    assert result.quantity == 265


def test_example_4_7_poisson_newsvendor() -> None:
    demand = Demand.poisson(6)
    costs = MismatchCosts.from_holding_shortage(1, 4)
    result = newsvendor(demand, costs)
    assert result.quantity == 8
    assert result.expected_cost == pytest.approx(3.570106945770946, abs=1e-12)
    assert expected_mismatch_cost(demand, costs, 5) == pytest.approx(6.590296024616344, abs=1e-12)


def test_scmo_4_19_poisson_with_lead_time() -> None:
    result = base_stock_level(Demand.poisson(18), 0.08, 1.25, lead_time=4)
    assert result.quantity == 105
    assert result.expected_cost == pytest.approx(1.5450188691551778, abs=1e-12)
    same = newsvendor(
        Demand.poisson(18), MismatchCosts.from_holding_shortage(0.08, 1.25), lead_time=5
    )
    assert same.quantity == 105


def test_example_4_7_s_s_policy_and_its_cost() -> None:
    policy = optimal_ss_policy(mean=6, holding_cost=1, shortage_cost=4, fixed_cost=5)
    assert (policy.reorder_point, policy.order_up_to) == (4, 10)
    assert policy.expected_cost == pytest.approx(8.034111561471644, abs=1e-9)
    assert ss_policy_cost(6, 18, 6, 1, 4, 5) == pytest.approx(10.193798671644046, abs=1e-9)


def test_problem_4_31_s_s_policy() -> None:
    policy = optimal_ss_policy(mean=4, holding_cost=40, shortage_cost=125, fixed_cost=150)
    assert (policy.reorder_point, policy.order_up_to) == (2, 7)
    assert policy.expected_cost == pytest.approx(223.5748295669688, abs=1e-9)


@pytest.mark.parametrize(
    ("mean", "reorder_point", "order_up_to", "cost"),
    [(10, 6, 40, 35.022), (15, 10, 49, 42.698), (20, 14, 62, 49.173), (25, 19, 56, 54.262)],
)
def test_zheng_federgruen_1991_table(
    mean: float, reorder_point: int, order_up_to: int, cost: float
) -> None:
    policy = optimal_ss_policy(mean, holding_cost=1, shortage_cost=9, fixed_cost=64)
    assert (policy.reorder_point, policy.order_up_to) == (reorder_point, order_up_to)
    assert policy.expected_cost == pytest.approx(cost, abs=5e-4)


def test_example_4_8_power_approximation() -> None:
    policy = power_approximation_ss(50, 8, 0.18, 0.70, 2.5)
    assert policy.reorder_point == pytest.approx(40.194616956474071, abs=1e-9)
    assert policy.order_up_to == pytest.approx(74.290170109805786, abs=1e-9)


def test_standard_normal_loss_known_values() -> None:
    assert standard_normal_loss(0) == pytest.approx(1 / math.sqrt(2 * math.pi))
    assert standard_normal_loss(8) == pytest.approx(0, abs=1e-12)
    assert standard_normal_loss(-8) == pytest.approx(8, abs=1e-9)


@pytest.mark.parametrize(
    "build",
    [
        lambda: Demand.normal(50, 0),
        lambda: Demand.normal(-1, 3),
        lambda: Demand.poisson(float("nan")),
        lambda: MismatchCosts.from_holding_shortage(0, 1),
        lambda: MismatchCosts.from_prices(unit_cost=10, price=9),
        lambda: MismatchCosts.from_prices(unit_cost=10, price=20, salvage=10),
        lambda: NORMAL_50_8.over_periods(0),
    ],
)
def test_nonsense_inputs_are_refused(build: object) -> None:
    assert callable(build)
    with pytest.raises(InvalidInput):
        build()


@given(
    mean=st.floats(0.5, 60),
    holding=st.floats(0.05, 10),
    shortage=st.floats(0.05, 10),
)
def test_poisson_quantity_is_the_cheapest_whole_number(
    mean: float, holding: float, shortage: float
) -> None:
    demand = Demand.poisson(mean)
    costs = MismatchCosts.from_holding_shortage(holding, shortage)
    result = newsvendor(demand, costs)
    window = range(max(0, result.quantity - 4), result.quantity + 5)
    best = min(expected_mismatch_cost(demand, costs, q) for q in window)
    assert result.expected_cost == pytest.approx(best, rel=1e-12, abs=1e-12)


@given(
    mean=st.floats(0, 500),
    std=st.floats(0.5, 100),
    holding=st.floats(0.05, 10),
    shortage=st.floats(0.05, 10),
)
def test_normal_quantity_is_the_cheapest_whole_number(
    mean: float, std: float, holding: float, shortage: float
) -> None:
    demand = Demand.normal(mean, std)
    costs = MismatchCosts.from_holding_shortage(holding, shortage)
    result = newsvendor(demand, costs)
    assert result.quantity >= 0
    for other in (result.quantity - 1, result.quantity + 1):
        if other >= 0:
            assert result.expected_cost <= expected_mismatch_cost(demand, costs, other) + 1e-9


@given(shortage=st.floats(0.1, 20))
def test_dearer_shortage_never_orders_less(shortage: float) -> None:
    cheap = newsvendor(NORMAL_50_8, MismatchCosts.from_holding_shortage(1, shortage))
    dear = newsvendor(NORMAL_50_8, MismatchCosts.from_holding_shortage(1, shortage * 2))
    assert dear.quantity >= cheap.quantity
