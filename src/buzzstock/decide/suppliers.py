"""D-1 supplier tiers and micro-seller grades; D-9 the 'prepare production' notice."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from buzzstock.core.errors import InvalidInput
from buzzstock.decide.explain import Reason
from buzzstock.decide.settings import DecideSettings

DEFAULT_SETTINGS = DecideSettings()


class Tier(StrEnum):
    FAST = "fast"
    BALANCED = "balanced"
    COST_OPTIMISED = "cost_optimised"


class Grade(StrEnum):
    A = "A"
    B = "B"
    C = "C"


@dataclass(frozen=True)
class TierTerms:
    tier: Tier
    min_days: int
    max_days: int
    cost_factor: float


def tier_terms(tier: Tier, settings: DecideSettings = DEFAULT_SETTINGS) -> TierTerms:
    """D-1: delivery window and cost factor of a tier (fast 7–10 d +15 %, ... )."""
    prefix = tier.value
    return TierTerms(
        tier=tier,
        min_days=getattr(settings, f"{prefix}_tier_min_days"),
        max_days=getattr(settings, f"{prefix}_tier_max_days"),
        cost_factor=getattr(settings, f"{prefix}_tier_cost_factor"),
    )


def tier_unit_cost(
    base_unit_cost: float, tier: Tier, settings: DecideSettings = DEFAULT_SETTINGS
) -> float:
    """D-1: the unit cost a tier charges, from the balanced (normal) unit cost."""
    return base_unit_cost * tier_terms(tier, settings).cost_factor


def tier_for_alert(alert_level: str, settings: DecideSettings = DEFAULT_SETTINGS) -> Tier:
    """D-1: the alert level (L-5 yellow / orange / red) picks the supplier tier."""
    try:
        return Tier(settings.tier_for_alert[alert_level.lower()])
    except KeyError as error:
        known = ", ".join(sorted(settings.tier_for_alert))
        raise InvalidInput(
            f"unknown alert level {alert_level!r}; known: {known}", rule="D-1"
        ) from error


def cheapest_tier_arriving_within(
    days_available: float, settings: DecideSettings = DEFAULT_SETTINGS
) -> Tier | None:
    """D-1/D-4: the cheapest tier whose slowest delivery still lands within ``days_available``.

    None when even the fast tier may arrive too late (the trend may be over by then).
    """
    in_time = [
        terms
        for terms in (tier_terms(tier, settings) for tier in Tier)
        if terms.max_days <= days_available
    ]
    if not in_time:
        return None
    return min(in_time, key=lambda terms: terms.cost_factor).tier


def grades_for_order(
    quantity: int, days_needed: int, settings: DecideSettings = DEFAULT_SETTINGS
) -> list[Grade]:
    """D-1: grades that take this order: A below 100 units in 7 days, B below 300 in 10 days.

    Grade C (regular backup) is always listed last: it takes any order, on normal terms.
    """
    grades: list[Grade] = []
    if quantity < settings.grade_a_max_units and days_needed >= settings.grade_a_delivery_days:
        grades.append(Grade.A)
    if quantity < settings.grade_b_max_units and days_needed >= settings.grade_b_delivery_days:
        grades.append(Grade.B)
    grades.append(Grade.C)
    return grades


def supplier_pool_warnings(
    counts: Mapping[Grade, int], settings: DecideSettings = DEFAULT_SETTINGS
) -> list[Reason]:
    """D-1: warn when a seller keeps fewer suppliers of a grade than the seed recommends."""
    wanted = {
        Grade.A: (settings.grade_a_keep_min, settings.grade_a_keep_max),
        Grade.B: (settings.grade_b_keep_min, settings.grade_b_keep_max),
        Grade.C: (settings.grade_c_keep_min, None),
    }
    warnings: list[Reason] = []
    for grade, (low, high) in wanted.items():
        have = counts.get(grade, 0)
        if have < low:
            span = f"{low}–{high}" if high is not None else f"at least {low}"
            warnings.append(
                Reason(
                    "D-1",
                    f"only {have} grade {grade} supplier(s); keep {span}",
                    {"grade": grade.value, "have": have, "keep_min": low},
                )
            )
    return warnings


def prepare_production_notice(
    heat_index: float, settings: DecideSettings = DEFAULT_SETTINGS
) -> Reason | None:
    """D-9: above heat 150 a supplier is told to prepare production (get material ready)."""
    if heat_index <= settings.prepare_production_heat:
        return None
    return Reason(
        "D-9",
        f"heat index {heat_index:g} > {settings.prepare_production_heat:g}: prepare production "
        "(have raw material ready)",
        {"heat_index": heat_index, "threshold": settings.prepare_production_heat},
    )
