"""D-6: the decision matrix routes a proposed stage-1 order: run it, ask a person, or stop."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from buzzstock.decide.explain import Reason
from buzzstock.decide.settings import DecideSettings

DEFAULT_SETTINGS = DecideSettings()


class Route(StrEnum):
    AUTO_EXECUTE = "auto_execute"
    HUMAN_REVIEW = "human_review"
    EMERGENCY_STOP = "emergency_stop"
    NO_ACTION = "no_action"


@dataclass(frozen=True)
class TrendSignal:
    heat_index: float
    positive_share: float
    cross_platform_verified: bool
    new_category: bool = False


@dataclass(frozen=True)
class RouteDecision:
    route: Route
    reasons: tuple[Reason, ...]


def route_decision(
    signal: TrendSignal, order_cash: float, settings: DecideSettings = DEFAULT_SETTINGS
) -> RouteDecision:
    """D-6: auto-execute a confirmed trend's stage-1 order only inside every limit.

    Auto-execute: heat from 150 (150–200 a healthy rise; above 200 very hot), more than 85 %
    positive, verified across platforms, a category the seller knows, and the order within the
    authority limit (seed: 5,000 CNY). Human review: heat above 200 with mixed sentiment, a new
    category, or any other miss of an auto-execute condition. Below 150: keep watching. (The
    emergency stop is raised by a person or a level-3 crisis, see ``stops``.)
    """
    heat = signal.heat_index
    figures = {
        "heat_index": heat,
        "positive_share": signal.positive_share,
        "order_cash": order_cash,
    }
    if heat < settings.auto_heat_min:
        return RouteDecision(
            Route.NO_ACTION,
            (
                Reason(
                    "D-6",
                    f"heat index {heat:g} below {settings.auto_heat_min:g}: keep watching",
                    figures,
                ),
            ),
        )
    positive = signal.positive_share > settings.auto_positive_share
    very_hot = heat > settings.review_heat
    review: list[Reason] = []
    if signal.new_category:
        review.append(Reason("D-6", "new product category: procurement review", figures))
    if very_hot and not positive:
        review.append(
            Reason(
                "D-6",
                f"heat index {heat:g} > {settings.review_heat:g} with mixed sentiment "
                f"({signal.positive_share:.0%} positive): procurement review",
                figures,
            )
        )
    if review:
        return RouteDecision(Route.HUMAN_REVIEW, tuple(review))
    misses: list[str] = []
    if not positive:
        misses.append(
            f"{signal.positive_share:.0%} positive, not above {settings.auto_positive_share:.0%}"
        )
    if not signal.cross_platform_verified:
        misses.append("not verified across platforms")
    if order_cash > settings.authority_limit:
        misses.append(
            f"order {order_cash:,.2f} above the authority limit "
            f"{settings.authority_limit:,.2f} {settings.authority_currency}"
        )
    if misses:
        return RouteDecision(
            Route.HUMAN_REVIEW,
            (Reason("D-6", "needs approval: " + "; ".join(misses), figures),),
        )
    band = (
        f"heat index {heat:g} > {settings.review_heat:g} (very hot) with clear sentiment"
        if very_hot
        else f"heat index {heat:g} in {settings.auto_heat_min:g}–{settings.review_heat:g}"
    )
    return RouteDecision(
        Route.AUTO_EXECUTE,
        (
            Reason(
                "D-6",
                f"{band}, {signal.positive_share:.0%} positive, verified across platforms, "
                f"order {order_cash:,.2f} within the authority limit "
                f"{settings.authority_limit:,.2f} {settings.authority_currency}: "
                f"stage-1 order runs automatically after a {settings.undo_window_minutes:g}-minute "
                "undo window",
                figures,
            ),
        ),
    )
