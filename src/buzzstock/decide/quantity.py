"""Order quantities from a demand distribution: newsvendor, base stock and (s,S) policies.

D-4: the optimised policy sizes orders by the newsvendor critical ratio instead of a fixed share
of the validation demand. Notation and test values follow Snyder & Shen, *Fundamentals of Supply
Chain Theory* (h = overage / holding cost, p = underage / shortage cost per unit).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from scipy import stats

from buzzstock.core.errors import InvalidInput

MAX_DEMAND_UNITS = 1_000_000
"""D-4: the largest mean demand a calculation covers (per period, and over the lead time)."""
MAX_PERIODS = 365.0
MAX_COST = 1_000_000_000.0


class DemandKind(StrEnum):
    NORMAL = "normal"
    POISSON = "poisson"


@dataclass(frozen=True)
class Demand:
    """Demand over one period: normal (mean, std) or Poisson (mean)."""

    kind: DemandKind
    mean: float
    std: float = 0.0

    def __post_init__(self) -> None:
        if not math.isfinite(self.mean) or self.mean < 0:
            raise InvalidInput(f"demand mean must be a number >= 0, got {self.mean}", rule="D-4")
        if self.mean > MAX_DEMAND_UNITS:
            raise InvalidInput(
                f"demand mean must be at most {MAX_DEMAND_UNITS:,} units, got {self.mean:,.0f} "
                "(over the lead time: mean x periods)",
                rule="D-4",
            )
        if self.std > MAX_DEMAND_UNITS:
            raise InvalidInput(
                f"demand std must be at most {MAX_DEMAND_UNITS:,} units, got {self.std:,.0f}",
                rule="D-4",
            )
        if self.kind is DemandKind.NORMAL and (not math.isfinite(self.std) or self.std <= 0):
            raise InvalidInput(
                f"normal demand needs a standard deviation > 0, got {self.std}", rule="D-4"
            )

    @classmethod
    def normal(cls, mean: float, std: float) -> Demand:
        return cls(DemandKind.NORMAL, mean, std)

    @classmethod
    def poisson(cls, mean: float) -> Demand:
        return cls(DemandKind.POISSON, mean)

    def over_periods(self, periods: float) -> Demand:
        """Demand summed over independent periods: mean x L, and std x sqrt(L) for normal."""
        if not math.isfinite(periods) or not 0 < periods <= MAX_PERIODS:
            raise InvalidInput(
                f"lead time must be > 0 and at most {MAX_PERIODS:g} periods, got {periods}",
                rule="D-4",
            )
        if self.kind is DemandKind.NORMAL:
            return Demand.normal(self.mean * periods, self.std * math.sqrt(periods))
        return Demand.poisson(self.mean * periods)


@dataclass(frozen=True)
class MismatchCosts:
    """Cost per unit left over (overage, h) and per unit of demand missed (underage, p)."""

    overage: float
    underage: float
    unit_margin: float | None = None

    def __post_init__(self) -> None:
        for name, value in (("overage", self.overage), ("underage", self.underage)):
            if not math.isfinite(value) or value <= 0:
                raise InvalidInput(f"{name} cost must be > 0, got {value}", rule="D-4")

    @classmethod
    def from_holding_shortage(cls, holding_cost: float, shortage_cost: float) -> MismatchCosts:
        if holding_cost <= 0 or shortage_cost <= 0:
            raise InvalidInput(
                "holding cost and shortage cost must both be > 0, got "
                f"{holding_cost} and {shortage_cost}",
                rule="D-4",
            )
        return cls(overage=holding_cost, underage=shortage_cost)

    @classmethod
    def from_prices(cls, unit_cost: float, price: float, salvage: float = 0.0) -> MismatchCosts:
        """Underage = price - unit cost (lost margin), overage = unit cost - salvage value."""
        if not salvage < unit_cost < price:
            raise InvalidInput(
                "prices must satisfy salvage < unit cost < price, got salvage "
                f"{salvage}, unit cost {unit_cost}, price {price}",
                rule="D-4",
            )
        return cls(
            overage=unit_cost - salvage, underage=price - unit_cost, unit_margin=price - unit_cost
        )

    @property
    def critical_ratio(self) -> float:
        return self.underage / (self.underage + self.overage)


@dataclass(frozen=True)
class NewsvendorResult:
    quantity: int
    expected_cost: float
    critical_ratio: float
    expected_leftover: float
    expected_shortage: float
    expected_profit: float | None
    demand: Demand


def standard_normal_loss(z: float) -> float:
    """E[(Z - z)+] for a standard normal Z."""
    return float(stats.norm.pdf(z) - z * stats.norm.sf(z))


def expected_leftover_and_shortage(demand: Demand, quantity: float) -> tuple[float, float]:
    """(E[(Q - D)+], E[(D - Q)+]) exactly: loss function for normal, finite sums for Poisson."""
    if demand.kind is DemandKind.NORMAL:
        shortage = demand.std * standard_normal_loss((quantity - demand.mean) / demand.std)
        return quantity - demand.mean + shortage, shortage
    if quantity < 0:
        return 0.0, demand.mean - quantity
    levels = np.arange(0, math.floor(quantity) + 1)
    leftover = float(np.sum((quantity - levels) * stats.poisson.pmf(levels, demand.mean)))
    return leftover, leftover - (quantity - demand.mean)


def expected_mismatch_cost(demand: Demand, costs: MismatchCosts, quantity: float) -> float:
    """D-4: expected overage + underage cost of stocking ``quantity`` against ``demand``."""
    leftover, shortage = expected_leftover_and_shortage(demand, quantity)
    return costs.overage * leftover + costs.underage * shortage


def _candidate_quantities(demand: Demand, critical_ratio: float) -> list[int]:
    if demand.kind is DemandKind.NORMAL:
        optimum = float(stats.norm.ppf(critical_ratio, demand.mean, demand.std))
        return sorted({max(0, math.floor(optimum)), max(0, math.ceil(optimum))})
    if demand.mean == 0:
        return [0]
    quantile = int(stats.poisson.ppf(critical_ratio, demand.mean))
    return [q for q in (quantile - 1, quantile, quantile + 1) if q >= 0]


def newsvendor(demand: Demand, costs: MismatchCosts, lead_time: float = 1.0) -> NewsvendorResult:
    """D-4: whole-unit quantity minimising expected mismatch cost over ``lead_time`` periods.

    The cost is convex in the quantity, so the best whole number sits next to the continuous
    critical-ratio quantile; both neighbours are priced exactly and the cheaper one wins.
    """
    covered = demand if lead_time == 1.0 else demand.over_periods(lead_time)
    ratio = costs.critical_ratio
    priced = [
        (expected_mismatch_cost(covered, costs, q), q)
        for q in _candidate_quantities(covered, ratio)
    ]
    cost, quantity = min(priced)
    leftover, shortage = expected_leftover_and_shortage(covered, quantity)
    profit = None if costs.unit_margin is None else costs.unit_margin * covered.mean - cost
    return NewsvendorResult(
        quantity=quantity,
        expected_cost=cost,
        critical_ratio=ratio,
        expected_leftover=leftover,
        expected_shortage=shortage,
        expected_profit=profit,
        demand=covered,
    )


def base_stock_level(
    demand_per_period: Demand, holding_cost: float, shortage_cost: float, lead_time: int
) -> NewsvendorResult:
    """D-4: order-up-to level under periodic review with lead time L: covers L + 1 periods."""
    if lead_time < 0:
        raise InvalidInput(f"lead time must be >= 0 periods, got {lead_time}", rule="D-4")
    costs = MismatchCosts.from_holding_shortage(holding_cost, shortage_cost)
    return newsvendor(demand_per_period, costs, lead_time=float(lead_time + 1))


@dataclass(frozen=True)
class SsPolicy:
    """Order up to ``order_up_to`` whenever the inventory position is <= ``reorder_point``."""

    reorder_point: float
    order_up_to: float
    expected_cost: float | None


class _PoissonSsCost:
    """Zheng & Federgruen (1991) exact long-run cost of an (s,S) policy under Poisson demand."""

    def __init__(self, mean: float, holding_cost: float, shortage_cost: float, fixed_cost: float):
        if mean <= 0:
            raise InvalidInput(f"(s,S) needs a demand mean > 0, got {mean}", rule="D-4")
        if fixed_cost <= 0:
            raise InvalidInput(f"fixed order cost must be > 0, got {fixed_cost}", rule="D-4")
        self.demand = Demand.poisson(mean)
        self.costs = MismatchCosts.from_holding_shortage(holding_cost, shortage_cost)
        self.fixed_cost = fixed_cost
        self._period_cost: dict[int, float] = {}
        self._renewal: list[float] = []

    def period_cost(self, level: int) -> float:
        if level not in self._period_cost:
            self._period_cost[level] = expected_mismatch_cost(self.demand, self.costs, level)
        return self._period_cost[level]

    def _renewal_density(self, upto: int) -> list[float]:
        """m(j): expected periods spent j units below the order-up-to level before reordering."""
        if len(self._renewal) < upto:
            pmf = stats.poisson.pmf(np.arange(upto + 1), self.demand.mean)
            first = 1.0 / (1.0 - pmf[0])
            renewal = self._renewal or [first]
            for j in range(len(renewal), upto):
                renewal.append(first * sum(pmf[k] * renewal[j - k] for k in range(1, j + 1)))
            self._renewal = renewal
        return self._renewal[:upto]

    def cost(self, reorder_point: int, order_up_to: int) -> float:
        gap = order_up_to - reorder_point
        if gap <= 0:
            raise InvalidInput("order-up-to level must exceed the reorder point", rule="D-4")
        density = self._renewal_density(gap)
        total = self.fixed_cost + sum(
            density[d] * self.period_cost(order_up_to - d) for d in range(gap)
        )
        return float(total / sum(density))


def ss_policy_cost(
    reorder_point: int,
    order_up_to: int,
    mean: float,
    holding_cost: float,
    shortage_cost: float,
    fixed_cost: float,
) -> float:
    """Exact expected cost per period of an (s,S) policy, Poisson demand, no lead time."""
    return _PoissonSsCost(mean, holding_cost, shortage_cost, fixed_cost).cost(
        reorder_point, order_up_to
    )


def optimal_ss_policy(
    mean: float, holding_cost: float, shortage_cost: float, fixed_cost: float
) -> SsPolicy:
    """Optimal (s,S) for Poisson demand by the Zheng & Federgruen (1991) search."""
    model = _PoissonSsCost(mean, holding_cost, shortage_cost, fixed_cost)
    best_level = newsvendor(model.demand, model.costs).quantity
    reorder_point = best_level - 1
    while model.cost(reorder_point, best_level) > model.period_cost(reorder_point):
        reorder_point -= 1
    order_up_to = best_level
    best_cost = model.cost(reorder_point, order_up_to)
    candidate = order_up_to + 1
    while model.period_cost(candidate) <= best_cost:
        if model.cost(reorder_point, candidate) < best_cost:
            order_up_to = candidate
            while model.cost(reorder_point, order_up_to) <= model.period_cost(reorder_point + 1):
                reorder_point += 1
            best_cost = model.cost(reorder_point, order_up_to)
        candidate += 1
    return SsPolicy(float(reorder_point), float(order_up_to), best_cost)


def power_approximation_ss(
    mean: float, std: float, holding_cost: float, shortage_cost: float, fixed_cost: float
) -> SsPolicy:
    """(s,S) for normal demand by the Ehrhardt & Mosier (1984) power approximation."""
    if mean <= 0 or std <= 0 or holding_cost <= 0 or shortage_cost <= 0 or fixed_cost <= 0:
        raise InvalidInput("power approximation needs mean, std and all costs > 0", rule="D-4")
    batch = (
        1.30 * mean**0.494 * (fixed_cost / holding_cost) ** 0.506 * (1 + (std / mean) ** 2) ** 0.116
    )
    z = math.sqrt(batch / std * holding_cost / shortage_cost)
    reorder_point = 0.973 * mean + std * (0.183 / z + 1.063 - 2.192 * z)
    return SsPolicy(reorder_point, reorder_point + batch, None)
