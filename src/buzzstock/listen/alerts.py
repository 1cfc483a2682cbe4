"""L-5/L-6/L-7/L-9: alert tiers with their extra conditions, and the events the listen capability
publishes for the decide capability (the lead records them in the outbox)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from buzzstock.listen.detect import Tier
from buzzstock.listen.settings import DEFAULT_LISTEN_SETTINGS, ListenSettings


def gated_tier(
    growth_tier: Tier,
    positive_share: float,
    platforms_rising: int,
    settings: ListenSettings = DEFAULT_LISTEN_SETTINGS,
) -> Tier:
    """L-5: orange needs positive sentiment, red needs the rise on several platforms.

    A growth tier whose condition fails is shown one level lower (red without spread is orange,
    orange without positive sentiment is yellow).
    """
    tier = growth_tier
    if tier is Tier.RED and platforms_rising < settings.red_min_platforms:
        tier = Tier.ORANGE
    if tier is Tier.ORANGE and positive_share < settings.orange_min_positive_share:
        tier = Tier.YELLOW
    return tier


def _payload(event: object) -> dict[str, Any]:
    data: dict[str, Any] = asdict(event)  # type: ignore[call-overload]
    for key, value in list(data.items()):
        if isinstance(value, datetime):
            data[key] = value.isoformat()
        elif isinstance(value, tuple):
            data[key] = list(value)
    return data


@dataclass(frozen=True, slots=True)
class TrendAlertRaised:
    """L-5: a product's authentic heat reached (or escalated to) an alert tier."""

    product_id: str
    at: datetime
    tier: str
    growth: float
    heat: float
    positive_share: float
    platforms_rising: tuple[str, ...]
    fake_heat_probability: float

    event_type = "TrendAlertRaised"

    def payload(self) -> dict[str, Any]:
        return _payload(self)


@dataclass(frozen=True, slots=True)
class TrendConfirmed:
    """L-6: heat held at least ``cooling_off_days`` and passed the three-layer check (L-4)."""

    product_id: str
    at: datetime
    alert_since: datetime
    tier: str
    heat: float
    fake_heat_probability: float

    event_type = "TrendConfirmed"

    def payload(self) -> dict[str, Any]:
        return _payload(self)


@dataclass(frozen=True, slots=True)
class TrendDeclining:
    """L-9: the smoothed daily volume fell more than 15 % three days in a row."""

    product_id: str
    at: datetime
    declining_days: int
    heat: float

    event_type = "TrendDeclining"

    def payload(self) -> dict[str, Any]:
        return _payload(self)


@dataclass(frozen=True, slots=True)
class FakeHeatSuspected:
    """L-7: most of a product's surge comes from suspect mentions."""

    product_id: str
    at: datetime
    probability: float
    raw_growth: float
    evidence: dict[str, int] = field(default_factory=dict)

    event_type = "FakeHeatSuspected"

    def payload(self) -> dict[str, Any]:
        return _payload(self)


ListenEvent = TrendAlertRaised | TrendConfirmed | TrendDeclining | FakeHeatSuspected


def confirmation_due(
    alert_since: datetime,
    now: datetime,
    layers_passed: bool,
    fake_heat_probability: float,
    settings: ListenSettings = DEFAULT_LISTEN_SETTINGS,
) -> bool:
    """L-6: confirm a trend once its heat held ``cooling_off_days`` (and L-4, L-7 agree)."""
    held_days = (now - alert_since).total_seconds() / 86400
    return (
        held_days >= settings.cooling_off_days
        and (layers_passed or not settings.require_three_layers)
        and fake_heat_probability < settings.fake_heat_probability_alert
    )
