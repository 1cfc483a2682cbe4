"""L-5/L-6: alert tiers with their extra conditions, and when a trend counts as confirmed."""

from __future__ import annotations

from datetime import datetime

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
