"""D-4 quantities: the seed playbook and the optimised policy, selectable per category.

The seed playbook is the seller's rule of thumb (first order = 50 % of validation demand, reorder
point = 7 days of sales). The optimised policy sizes the first order by the newsvendor critical
ratio, sets the reorder point to cover the chosen tier's actual lead time, and allows slow sea
freight only on evidence of a lasting base demand.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from scipy import stats

from buzzstock.core.errors import InvalidInput
from buzzstock.decide.explain import Reason
from buzzstock.decide.quantity import Demand, MismatchCosts, newsvendor
from buzzstock.decide.settings import DecideSettings

DEFAULT_SETTINGS = DecideSettings()


class Playbook(StrEnum):
    SEED = "seed"
    OPTIMISED = "optimised"


@dataclass(frozen=True)
class DemandForecast:
    """Demand over the period an order must cover, with its uncertainty.

    ``validation_demand`` is what the validation period showed (presale orders, add-to-carts).
    """

    mean: float
    std: float
    validation_demand: float

    def __post_init__(self) -> None:
        if self.mean < 0 or self.std < 0 or self.validation_demand < 0:
            raise InvalidInput("forecast mean, std and validation demand must be >= 0", rule="D-4")


@dataclass(frozen=True)
class UnitEconomics:
    unit_cost: float
    price: float
    salvage: float = 0.0


@dataclass(frozen=True)
class QuantityDecision:
    quantity: int
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class ReorderDecision:
    reorder_point: float
    reasons: tuple[Reason, ...]


def first_order(
    playbook: Playbook,
    forecast: DemandForecast,
    economics: UnitEconomics,
    settings: DecideSettings = DEFAULT_SETTINGS,
) -> QuantityDecision:
    """D-4: the first order for a confirmed trend."""
    if playbook is Playbook.SEED:
        share = settings.first_order_share
        quantity = math.ceil(share * forecast.validation_demand - 1e-9)
        return QuantityDecision(
            quantity,
            (
                Reason(
                    "D-4",
                    f"seed playbook: first order = {share:.0%} of validation demand "
                    f"{forecast.validation_demand:g} = {quantity} units",
                    {"share": share, "validation_demand": forecast.validation_demand},
                ),
            ),
        )
    costs = MismatchCosts.from_prices(economics.unit_cost, economics.price, economics.salvage)
    if forecast.std == 0:
        quantity = math.ceil(forecast.mean - 1e-9)
        ratio = costs.critical_ratio
    else:
        result = newsvendor(Demand.normal(forecast.mean, forecast.std), costs)
        quantity, ratio = result.quantity, result.critical_ratio
    return QuantityDecision(
        quantity,
        (
            Reason(
                "D-4",
                f"optimised policy: newsvendor at critical ratio {ratio:.2f} "
                f"(margin {costs.underage:g} vs loss {costs.overage:g} per leftover unit) on "
                f"forecast demand {forecast.mean:g} ± {forecast.std:g} -> {quantity} units",
                {"critical_ratio": ratio, "mean": forecast.mean, "std": forecast.std},
            ),
        ),
    )


def reorder_point(
    playbook: Playbook,
    daily_mean: float,
    daily_std: float,
    lead_time_days: float,
    settings: DecideSettings = DEFAULT_SETTINGS,
) -> ReorderDecision:
    """D-4: inventory position (on hand + in transit) at which to reorder."""
    if daily_mean < 0 or daily_std < 0 or lead_time_days < 0:
        raise InvalidInput("daily demand, its std and the lead time must be >= 0", rule="D-4")
    if playbook is Playbook.SEED:
        days = settings.reorder_point_days
        point = days * daily_mean
        return ReorderDecision(
            point,
            (
                Reason(
                    "D-4",
                    f"seed playbook: reorder point = {days:g} days of sales = {point:g} units",
                    {"days": days, "daily_mean": daily_mean},
                ),
            ),
        )
    level = settings.reorder_service_level
    z = float(stats.norm.ppf(level))
    safety = z * daily_std * math.sqrt(lead_time_days)
    point = daily_mean * lead_time_days + safety
    return ReorderDecision(
        point,
        (
            Reason(
                "D-4",
                f"optimised policy: reorder point covers the {lead_time_days:g}-day lead time: "
                f"{daily_mean * lead_time_days:g} expected + {safety:.1f} safety stock "
                f"({level:.0%} service) = {point:.1f} units",
                {"lead_time_days": lead_time_days, "service_level": level, "safety": safety},
            ),
        ),
    )


def cycle_service_level(
    reorder_point_units: float, daily_mean: float, daily_std: float, lead_time_days: float
) -> float:
    """Chance that demand over the lead time stays within the reorder point (normal demand)."""
    mean = daily_mean * lead_time_days
    std = daily_std * math.sqrt(lead_time_days)
    if std == 0:
        return 1.0 if reorder_point_units >= mean else 0.0
    return float(stats.norm.cdf(reorder_point_units, mean, std))


def needs_reorder(inventory_position: float, reorder_point_units: float) -> bool:
    """D-4: replenishment triggers automatically once the position falls to the reorder point."""
    return inventory_position <= reorder_point_units


@dataclass(frozen=True)
class PurchasingBudget:
    trend: float
    regular: float


def split_purchasing_budget(
    budget: float, settings: DecideSettings = DEFAULT_SETTINGS
) -> PurchasingBudget:
    """D-4: keep 30 % of purchasing for regular, non-trend replenishment."""
    if budget < 0:
        raise InvalidInput("purchasing budget must be >= 0", rule="D-4")
    regular = budget * settings.regular_replenishment_share
    return PurchasingBudget(trend=budget - regular, regular=regular)


@dataclass(frozen=True)
class BaseDemandEvidence:
    """How long demand has held at least ``floor_daily_demand`` units a day."""

    days_held: int
    floor_daily_demand: float


@dataclass(frozen=True)
class DualSourcingPlan:
    fast_units: int
    slow_units: int
    reasons: tuple[Reason, ...]


def dual_sourcing_plan(
    forecast: DemandForecast,
    fast: UnitEconomics,
    slow_unit_cost: float,
    evidence: BaseDemandEvidence,
    settings: DecideSettings = DEFAULT_SETTINGS,
) -> DualSourcingPlan:
    """D-4: fast tier for the trend's uncertain demand; slow sea freight for proven base only.

    A tailored base-surge split: the slow, cheap source gets a steady base order only when
    demand has held a floor for long enough to outlive its 30–45 day lead time; the fast source
    covers the rest by newsvendor. Without that evidence nothing goes by sea (seed 002: never
    commit to long, large purchases for a hit).
    """
    fast_decision = first_order(Playbook.OPTIMISED, forecast, fast, settings)
    needed = settings.slow_freight_evidence_days
    proven = evidence.days_held >= needed and evidence.floor_daily_demand > 0
    if not proven:
        return DualSourcingPlan(
            fast_decision.quantity,
            0,
            (
                *fast_decision.reasons,
                Reason(
                    "D-4",
                    f"no slow sea freight: base demand held {evidence.days_held} days, "
                    f"{needed} needed as evidence of lasting demand",
                    {"days_held": evidence.days_held, "needed_days": needed},
                ),
            ),
        )
    cover = settings.slow_freight_cover_days
    slow_units = math.floor(evidence.floor_daily_demand * cover)
    saving = (fast.unit_cost - slow_unit_cost) * slow_units
    return DualSourcingPlan(
        fast_decision.quantity,
        slow_units,
        (
            *fast_decision.reasons,
            Reason(
                "D-4",
                f"base demand of {evidence.floor_daily_demand:g}/day held {evidence.days_held} "
                f"days >= {needed}: {slow_units} units ({cover} days of base) by slow sea "
                f"freight, saving {saving:,.2f} against the fast tier",
                {"slow_units": slow_units, "cover_days": cover, "saving": saving},
            ),
        ),
    )


def allocate_variants(total: int, requests: Mapping[str, float]) -> dict[str, int]:
    """L-10/D-4: split an order across product variants in proportion to what people ask for.

    Largest-remainder rounding, so the parts always add up to ``total``.
    """
    if total < 0:
        raise InvalidInput("total must be >= 0", rule="D-4")
    weight = sum(requests.values())
    if not requests or weight <= 0 or any(value < 0 for value in requests.values()):
        raise InvalidInput("variant requests must be >= 0 and not all zero", rule="D-4")
    exact = {name: total * value / weight for name, value in requests.items()}
    shares = {name: math.floor(value) for name, value in exact.items()}
    leftover = total - sum(shares.values())
    by_remainder = sorted(exact, key=lambda name: (shares[name] - exact[name], name))
    for name in by_remainder[:leftover]:
        shares[name] += 1
    return shares
