"""D-8 exit (order stop, Gallego–van Ryzin markdown ladder) and D-10 QC and spares."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from buzzstock.core.errors import InvalidInput
from buzzstock.decide.exit import (
    OpenOrder,
    OrderStage,
    PriceResponse,
    exit_orders,
    fit_price_response,
    gvr_expected_revenue,
    gvr_optimal_price,
    plan_markdown,
)
from buzzstock.decide.quality import qc_rounds_per_batch, spare_units
from buzzstock.decide.settings import DecideSettings


def test_decline_stops_orders_not_yet_produced() -> None:
    orders = [
        OpenOrder("PO-1", OrderStage.DRAFT, 100),
        OpenOrder("PO-2", OrderStage.SENT, 200),
        OpenOrder("PO-3", OrderStage.IN_PRODUCTION, 300),
        OpenOrder("PO-4", OrderStage.SHIPPED, 50),
        OpenOrder("PO-5", OrderStage.RECEIVED, 80),
    ]
    plan = exit_orders(orders)
    assert plan.stop == ("PO-1", "PO-2")
    assert plan.keep == ("PO-3", "PO-4")
    assert plan.make_to_order
    assert "300 units" in plan.reasons[0].text


@pytest.mark.parametrize(
    ("units", "time", "scale", "sensitivity", "revenue", "price"),
    [
        (1, 1, math.e, 1, 0.693147, 1.693147),
        (5, 5, math.e, 1, 4.515428, 1.335288),
        (10, 20, math.e, 1, 15.472875, 1.772111),
        (20, 10, 10, 0.1, 304.956622, 16.595851),
    ],
)
def test_gallego_van_ryzin_closed_form_matches_reference(
    units: int, time: float, scale: float, sensitivity: float, revenue: float, price: float
) -> None:
    assert gvr_expected_revenue(units, scale * time, sensitivity) == pytest.approx(
        revenue, abs=1e-6
    )
    assert gvr_optimal_price(units, scale * time, sensitivity) == pytest.approx(price, abs=1e-6)


def test_price_response_fit_recovers_known_parameters() -> None:
    truth = PriceResponse(scale=500, sensitivity=0.13, daily_retention=0.85)
    observations = [(20.0, 0), (19.0, 1), (18.0, 2), (16.0, 3)]
    fitted = fit_price_response(
        [p for p, _ in observations],
        [truth.rate(p, d) for p, d in observations],
        [d for _, d in observations],
    )
    assert fitted.scale == pytest.approx(500, rel=1e-6)
    assert fitted.sensitivity == pytest.approx(0.13, rel=1e-6)
    assert fitted.daily_retention == pytest.approx(0.85, rel=1e-6)


def test_price_response_fit_refuses_what_it_cannot_measure() -> None:
    with pytest.raises(InvalidInput, match="prices must vary"):
        fit_price_response([10, 10], [5, 6], [0, 1])
    with pytest.raises(InvalidInput, match="do not fall"):
        fit_price_response([10, 12], [5, 6], [0, 0])


# About 40 units a day at the base price 20 when the decline starts, fading 15 % a day.
FADING = PriceResponse(scale=40 * math.exp(0.13 * 20), sensitivity=0.13, daily_retention=0.85)


def test_markdown_ladder_clears_80_percent_in_7_days_from_decline_day_3() -> None:
    plan = plan_markdown(600, base_price=20, floor_price=5, response=FADING)
    assert [step.decline_day for step in plan.steps] == [3, 4, 5, 6, 7, 8, 9]
    assert plan.meets_target
    assert plan.expected_cleared_share >= 0.80
    prices = [step.price for step in plan.steps]
    assert all(later <= earlier for earlier, later in itertools.pairwise(prices))
    assert all(price % 1 == 0 for price in prices)
    assert prices[0] < 20
    assert "target 80%" in plan.reasons[0].text


def test_markdown_reports_when_the_floor_prevents_clearing() -> None:
    plan = plan_markdown(1_200, base_price=20, floor_price=5, response=FADING)
    assert not plan.meets_target
    assert plan.steps[-1].price == 5
    assert "floor price 5.00" in plan.reasons[-1].text


def test_replanning_after_weak_sales_goes_deeper() -> None:
    first = plan_markdown(600, base_price=20, floor_price=5, response=FADING)
    replanned = plan_markdown(
        600, 20, 5, FADING, today=4, stock_left=590, current_price=first.steps[0].price
    )
    assert replanned.steps[0].price < first.steps[1].price


def test_little_stock_needs_little_markdown() -> None:
    few = plan_markdown(150, base_price=20, floor_price=5, response=FADING)
    many = plan_markdown(600, base_price=20, floor_price=5, response=FADING)
    assert few.steps[0].price > many.steps[0].price


@settings(max_examples=60, deadline=None)
@given(
    stock=st.integers(1, 3_000),
    floor=st.floats(0, 20),
    retention=st.floats(0.5, 1.0),
)
def test_ladder_only_marks_down_and_respects_the_floor(
    stock: int, floor: float, retention: float
) -> None:
    response = PriceResponse(FADING.scale, FADING.sensitivity, retention)
    plan = plan_markdown(stock, 20, floor, response)
    prices = [step.price for step in plan.steps]
    assert all(floor - 0.01 <= price <= 20 for price in prices)
    assert all(later <= earlier for earlier, later in itertools.pairwise(prices))
    assert all(step.expected_stock_left >= 0 for step in plan.steps)


def test_ladder_window_and_target_are_settings() -> None:
    tuned = DecideSettings(markdown_start_day=2, markdown_days=3, markdown_clear_share=0.5)
    plan = plan_markdown(300, 20, 5, FADING, tuned)
    assert [step.decline_day for step in plan.steps] == [2, 3, 4]


@pytest.mark.parametrize(("hit", "rounds"), [(False, 1), (True, 3)])
def test_qc_sampling_triples_during_a_hit(hit: bool, rounds: int) -> None:
    assert qc_rounds_per_batch(hit) == rounds


@pytest.mark.parametrize(("quantity", "spares"), [(0, 0), (33, 1), (100, 3), (101, 4), (500, 15)])
def test_three_percent_spares_rounded_up(quantity: int, spares: int) -> None:
    assert spare_units(quantity) == spares
