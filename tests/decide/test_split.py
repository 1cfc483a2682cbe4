"""D-2 order split: the seed's case, hand-checkable instances, and brute force."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from buzzstock.core.errors import InvalidInput
from buzzstock.decide.settings import DecideSettings
from buzzstock.decide.split import (
    Milestone,
    NoSplitPossible,
    SupplierOffer,
    parse_suppliers_csv,
    plan_split,
)

# Seed 002, chapter 3: on day 1 supplier A (grade A) can make 300 but its material needs 3 more
# days; supplier B has material in stock for 100. 100 units must ship on day 4.
SEED_A = SupplierOffer(
    "A", unit_cost=10.0, capacity=300, moq=50, lead_time_days=3, material_ready_day=4
)
SEED_B = SupplierOffer(
    "B", unit_cost=10.5, capacity=100, moq=0, lead_time_days=3, material_ready_day=1
)


def test_seed_case_splits_200_a_and_100_b_with_100_shipping_on_day_4() -> None:
    plan = plan_split([SEED_A, SEED_B], demand=300, due_day=7, milestones=[Milestone(4, 100)])
    assert [(ln.supplier, ln.quantity, ln.arrival_day) for ln in plan.lines] == [
        ("B", 100, 4),
        ("A", 200, 7),
    ]
    assert plan.cost == pytest.approx(200 * 10.0 + 100 * 10.5)
    text = "\n".join(plan.explanation)
    assert "material ready day 4 + 3 days production -> arrives day 7" in text
    assert "By day 4: 100 units arrive, 100 needed." in text


def test_without_an_early_deadline_one_supplier_is_enough() -> None:
    plan = plan_split([SEED_A, SEED_B], demand=300, due_day=7)
    assert [(ln.supplier, ln.quantity) for ln in plan.lines] == [("A", 300)]


def test_fragmentation_penalty_decides_between_near_equal_splits() -> None:
    cheap_small = SupplierOffer(
        "small", 9.9, capacity=10, moq=0, lead_time_days=1, material_ready_day=0
    )
    big = SupplierOffer("big", 10.0, capacity=100, moq=0, lead_time_days=1, material_ready_day=0)
    with_penalty = plan_split([cheap_small, big], demand=100, due_day=5)
    assert [ln.supplier for ln in with_penalty.lines] == ["big"]
    no_penalty = plan_split(
        [cheap_small, big],
        demand=100,
        due_day=5,
        settings=DecideSettings(split_fragmentation_penalty=0),
    )
    assert {ln.supplier: ln.quantity for ln in no_penalty.lines} == {"small": 10, "big": 90}


FAST = SupplierOffer("fast", 11.5, capacity=300, moq=100, lead_time_days=8, material_ready_day=0)
BALANCED = SupplierOffer(
    "balanced", 10.0, capacity=250, moq=200, lead_time_days=18, material_ready_day=0
)
CHEAP = SupplierOffer("cheap", 9.0, capacity=1000, moq=500, lead_time_days=35, material_ready_day=0)


@pytest.mark.parametrize(
    ("demand", "due", "expected", "cost"),
    [
        (500, 20, {"fast": 250, "balanced": 250}, 5375),
        (500, 40, {"cheap": 500}, 4500),
        (350, 40, {"fast": 100, "balanced": 250}, 3650),
        (150, 20, {"fast": 150}, 1725),
    ],
)
def test_reference_capacity_moq_instances(
    demand: int, due: int, expected: dict[str, int], cost: float
) -> None:
    plan = plan_split([FAST, BALANCED, CHEAP], demand=demand, due_day=due)
    assert {ln.supplier: ln.quantity for ln in plan.lines} == expected
    assert plan.cost == pytest.approx(cost)


def test_too_little_capacity_in_time_is_a_clear_refusal() -> None:
    with pytest.raises(NoSplitPossible, match="300 units are needed by day 4"):
        plan_split([SEED_A, SEED_B], demand=300, due_day=4)


def test_moq_that_cannot_add_up_is_a_clear_refusal() -> None:
    with pytest.raises(NoSplitPossible, match="minimum order quantity"):
        plan_split([CHEAP], demand=300, due_day=40)


def test_unused_suppliers_are_explained() -> None:
    plan = plan_split([FAST, BALANCED, CHEAP], demand=150, due_day=20)
    text = "\n".join(plan.explanation)
    assert "cheap not used: its batch would arrive on day 35, after day 20." in text
    assert "balanced not used: the chosen suppliers cover the demand more cheaply." in text


@pytest.mark.parametrize(
    "call",
    [
        lambda: plan_split([SEED_A], demand=0, due_day=7),
        lambda: plan_split([SEED_A], demand=10, due_day=-1),
        lambda: plan_split([], demand=10, due_day=7),
        lambda: plan_split([SEED_A, SEED_A], demand=10, due_day=7),
        lambda: plan_split([SEED_A], demand=10, due_day=7, milestones=[Milestone(9, 5)]),
        lambda: plan_split([SEED_A], demand=10, due_day=7, milestones=[Milestone(3, 11)]),
    ],
)
def test_bad_requests_are_refused(call: object) -> None:
    assert callable(call)
    with pytest.raises(InvalidInput):
        call()


def test_csv_parsing_reports_missing_columns_and_bad_lines() -> None:
    header = "supplier,unit_cost,capacity,moq,lead_time_days,material_ready_day\n"
    offers = parse_suppliers_csv(header + "A,10,300,50,3,4\nB,10.5,100,,3,\n")
    assert offers[1] == SupplierOffer("B", 10.5, 100, 0, 3, 0)
    with pytest.raises(InvalidInput, match="lacks column"):
        parse_suppliers_csv("supplier,unit_cost\nA,1\n")
    with pytest.raises(InvalidInput, match="line 3"):
        parse_suppliers_csv(header + "A,10,300,50,3,4\nB,ten,100,0,3,0\n")
    with pytest.raises(InvalidInput, match="line 2"):
        parse_suppliers_csv(header + "A,10,30.5,50,3,4\n")
    with pytest.raises(InvalidInput, match="listed twice"):
        parse_suppliers_csv(header + "A,10,300,50,3,4\nA,10,300,50,3,4\n")


def _brute_force(
    offers: list[SupplierOffer], demand: int, due: int, milestones: list[Milestone], penalty: float
) -> float | None:
    choices = [
        [0, *range(max(o.moq, 1), o.capacity + 1)] if o.arrival_day <= due else [0] for o in offers
    ]
    best: float | None = None
    for quantities in itertools.product(*choices):
        if sum(quantities) != demand:
            continue
        if any(
            sum(q for o, q in zip(offers, quantities, strict=True) if o.arrival_day <= m.day)
            < m.quantity
            for m in milestones
        ):
            continue
        value = sum(
            q * o.unit_cost + (penalty if q else 0) for o, q in zip(offers, quantities, strict=True)
        )
        best = value if best is None else min(best, value)
    return best


offer_strategy = st.builds(
    SupplierOffer,
    supplier=st.just("x"),
    unit_cost=st.integers(1, 9).map(float),
    capacity=st.integers(0, 8),
    moq=st.integers(0, 4),
    lead_time_days=st.integers(0, 3),
    material_ready_day=st.integers(0, 3),
)


@settings(max_examples=300, deadline=None)
@given(
    offers=st.lists(offer_strategy, min_size=1, max_size=3),
    demand=st.integers(1, 10),
    due=st.integers(0, 6),
    early=st.one_of(st.none(), st.tuples(st.integers(0, 6), st.integers(1, 12))),
    penalty=st.sampled_from([0.0, 2.5]),
)
def test_milp_matches_brute_force(
    offers: list[SupplierOffer],
    demand: int,
    due: int,
    early: tuple[int, int] | None,
    penalty: float,
) -> None:
    named = [
        SupplierOffer(
            f"S{i}", o.unit_cost, o.capacity, o.moq, o.lead_time_days, o.material_ready_day
        )
        for i, o in enumerate(offers)
    ]
    milestones = [Milestone(min(early[0], due), min(early[1], demand))] if early else []
    expected = _brute_force(named, demand, due, [*milestones, Milestone(due, demand)], penalty)
    config = DecideSettings(split_fragmentation_penalty=penalty)
    if expected is None:
        with pytest.raises(NoSplitPossible):
            plan_split(named, demand, due, milestones, settings=config)
        return
    plan = plan_split(named, demand, due, milestones, settings=config)
    assert plan.objective == pytest.approx(expected)
    assert sum(ln.quantity for ln in plan.lines) == demand
    by_name = {o.supplier: o for o in named}
    for line in plan.lines:
        offer = by_name[line.supplier]
        assert max(offer.moq, 1) <= line.quantity <= offer.capacity
        assert line.arrival_day == offer.material_ready_day + offer.lead_time_days <= due
