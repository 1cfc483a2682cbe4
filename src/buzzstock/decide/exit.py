"""D-8: leaving a hit: stop what is not yet produced, then a markdown ladder from a price model.

Demand during the decline follows ``rate(p, d) = scale * retention**d * exp(-sensitivity * p)``
(units per day at price p on decline day d): the exponential price response of Gallego & van
Ryzin (1994) with a fading trend. The ladder never raises a price, starts on day 3 of the decline
and aims to clear 80 % of stock in 7 days; each day's price is the lower of the price that still
clears the target in expectation and the Gallego–van Ryzin revenue-optimal price for the stock
left, rounded down to the price grid and kept above the floor.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from scipy.special import gammaln, logsumexp

from buzzstock.core.errors import InvalidInput
from buzzstock.decide.explain import Reason
from buzzstock.decide.settings import DecideSettings

DEFAULT_SETTINGS = DecideSettings()


class OrderStage(StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"
    SENT = "sent"
    IN_PRODUCTION = "in_production"
    SHIPPED = "shipped"
    RECEIVED = "received"
    CANCELLED = "cancelled"


_NOT_YET_PRODUCED = (OrderStage.DRAFT, OrderStage.APPROVED, OrderStage.SENT)


@dataclass(frozen=True)
class OpenOrder:
    order_id: str
    stage: OrderStage
    quantity: int


@dataclass(frozen=True)
class ExitOrders:
    stop: tuple[str, ...]
    keep: tuple[str, ...]
    make_to_order: bool
    reasons: tuple[Reason, ...]


def exit_orders(orders: Iterable[OpenOrder]) -> ExitOrders:
    """D-8: on the decline signal stop every order not yet in production; make to order after."""
    stop = [o for o in orders if o.stage in _NOT_YET_PRODUCED]
    keep = [o for o in orders if o.stage in (OrderStage.IN_PRODUCTION, OrderStage.SHIPPED)]
    reasons = [
        Reason(
            "D-8",
            f"trend declining: stop {len(stop)} order(s) not yet produced "
            f"({sum(o.quantity for o in stop)} units); further sales are made to order",
            {"stopped_orders": len(stop), "stopped_units": sum(o.quantity for o in stop)},
        )
    ]
    if keep:
        reasons.append(
            Reason(
                "D-8",
                f"{len(keep)} order(s) already in production or shipped continue "
                f"({sum(o.quantity for o in keep)} units)",
            )
        )
    return ExitOrders(
        tuple(o.order_id for o in stop), tuple(o.order_id for o in keep), True, tuple(reasons)
    )


@dataclass(frozen=True)
class PriceResponse:
    scale: float
    sensitivity: float
    daily_retention: float = 1.0

    def __post_init__(self) -> None:
        if self.scale <= 0 or self.sensitivity <= 0 or not 0 < self.daily_retention <= 1:
            raise InvalidInput(
                "price response needs scale > 0, sensitivity > 0, retention in (0, 1]",
                rule="D-8",
            )

    def rate(self, price: float, day: int) -> float:
        return self.scale * self.daily_retention**day * math.exp(-self.sensitivity * price)

    def mass(self, days: Iterable[int]) -> float:
        """Sum of the price-free demand scale over ``days``."""
        return sum(self.scale * self.daily_retention**day for day in days)


def fit_price_response(
    prices: Sequence[float], units_sold: Sequence[float], days: Sequence[int]
) -> PriceResponse:
    """D-8: least-squares fit of log(units) = log(scale) - sensitivity * price + day * log(r)."""
    if not len(prices) == len(units_sold) == len(days) or len(prices) < 2:
        raise InvalidInput("need at least two (price, units, day) observations", rule="D-8")
    if min(units_sold) <= 0:
        raise InvalidInput("every observation needs units sold > 0 to fit", rule="D-8")
    if len(set(prices)) < 2:
        raise InvalidInput("prices must vary to measure how demand reacts to price", rule="D-8")
    columns = [np.ones(len(prices)), -np.asarray(prices, dtype=float)]
    with_decay = len(set(days)) > 1
    if with_decay:
        columns.append(np.asarray(days, dtype=float))
    design = np.column_stack(columns)
    solution = np.linalg.lstsq(design, np.log(np.asarray(units_sold, dtype=float)), rcond=None)[0]
    if solution[1] <= 0:
        raise InvalidInput(
            "sales do not fall as the price rises; cannot plan markdowns", rule="D-8"
        )
    retention = min(1.0, math.exp(solution[2])) if with_decay else 1.0
    return PriceResponse(math.exp(solution[0]), float(solution[1]), retention)


def _log_partial_exp_sum(units: int, x: float) -> float:
    """ln S_n(x) with S_n(x) = sum of x**i / i! for i = 0..n, stable for any n and x."""
    if x <= 0:
        return 0.0
    terms = np.arange(units + 1)
    return float(logsumexp(terms * math.log(x) - gammaln(terms + 1)))


def gvr_expected_revenue(units: int, demand_mass: float, sensitivity: float) -> float:
    """Gallego & van Ryzin optimal expected revenue J*(n, t) = ln S_n(mass / e) / sensitivity.

    ``demand_mass`` is scale x time (the price-free demand over the horizon).
    """
    return _log_partial_exp_sum(units, demand_mass / math.e) / sensitivity


def gvr_optimal_price(units: int, demand_mass: float, sensitivity: float) -> float:
    """Gallego & van Ryzin optimal price p*(n, t) = (1 + ln(S_n / S_(n-1))) / sensitivity."""
    if units < 1:
        raise InvalidInput("the optimal price needs at least one unit left", rule="D-8")
    x = demand_mass / math.e
    ratio = _log_partial_exp_sum(units, x) - _log_partial_exp_sum(units - 1, x)
    return (1 + ratio) / sensitivity


@dataclass(frozen=True)
class MarkdownStep:
    decline_day: int
    price: float
    expected_units: float
    expected_stock_left: float


@dataclass(frozen=True)
class MarkdownPlan:
    steps: tuple[MarkdownStep, ...]
    expected_cleared_share: float
    meets_target: bool
    reasons: tuple[Reason, ...]


def plan_markdown(
    stock: int,
    base_price: float,
    floor_price: float,
    response: PriceResponse,
    settings: DecideSettings = DEFAULT_SETTINGS,
    *,
    today: int | None = None,
    stock_left: float | None = None,
    current_price: float | None = None,
) -> MarkdownPlan:
    """D-8: day-by-day markdown prices from decline day 3 that clear 80 % of stock in 7 days.

    ``stock`` is the stock when the ladder started. Re-plan every day with ``today`` (decline
    day), the actual ``stock_left`` and the ``current_price``: when sales fall short of the
    model the next steps go deeper, which is what turns the plan into a ladder.
    """
    first = settings.markdown_start_day
    last = first + settings.markdown_days - 1
    today = first if today is None else today
    left = float(stock) if stock_left is None else stock_left
    previous = base_price if current_price is None else current_price
    if stock <= 0 or base_price <= 0 or not 0 <= floor_price <= base_price:
        raise InvalidInput("need stock > 0 and 0 <= floor price <= base price", rule="D-8")
    if not first <= today <= last or not 0 <= left <= stock or previous < floor_price:
        raise InvalidInput(
            f"re-planning needs a decline day in {first}–{last}, 0 <= stock left <= stock and "
            "a current price at or above the floor",
            rule="D-8",
        )
    target = settings.markdown_clear_share * stock
    grid = settings.markdown_price_step * base_price
    sold = stock - left
    steps: list[MarkdownStep] = []
    for day in range(today, last + 1):
        mass = response.mass(range(day, last + 1))
        still_needed = target - sold
        clearing = (
            math.log(mass / still_needed) / response.sensitivity if still_needed > 0 else math.inf
        )
        units_left = math.floor(left)
        best_revenue = (
            gvr_optimal_price(units_left, mass, response.sensitivity)
            if units_left >= 1
            else math.inf
        )
        wanted = min(clearing, best_revenue, previous)
        price = max(floor_price, math.floor(wanted / grid + 1e-9) * grid)
        price = round(min(price, previous), 2)
        expected = min(left, response.rate(price, day))
        sold += expected
        left -= expected
        previous = price
        steps.append(MarkdownStep(day, price, expected, left))
    cleared = sold / stock
    meets = sold >= target - 1e-6
    ladder = ", ".join(f"day {s.decline_day}: {s.price:,.2f}" for s in steps)
    reasons = [
        Reason(
            "D-8",
            f"markdown ladder from decline day {today} to {last}: {ladder}; expected to clear "
            f"{cleared:.0%} of {stock} units (target {settings.markdown_clear_share:.0%})",
            {"cleared_share": cleared, "target_share": settings.markdown_clear_share},
        )
    ]
    if not meets:
        reasons.append(
            Reason(
                "D-8",
                f"even at the floor price {floor_price:,.2f} the model expects only "
                f"{cleared:.0%} cleared: add bundles or another clearance channel",
                {"floor_price": floor_price},
            )
        )
    return MarkdownPlan(tuple(steps), cleared, meets, tuple(reasons))
