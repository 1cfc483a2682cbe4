"""The events listen publishes (SPEC §1): the trend's alerts, its confirmation and decline, fake
heat, what customers ask for, and complaint waves.

Every event names the catalogue SKU in ``sku`` and the moment the pipeline decided in ``at``
(the end of an hour). ``heat`` is always the one heat index of docs/listen.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar

from buzzstock.core.events import DomainEvent


@dataclass(frozen=True, slots=True)
class Layers:
    """L-4: which of the three layers show the rise."""

    content: bool
    discussion: bool
    transaction: bool


@dataclass(frozen=True, slots=True)
class TrendAlertRaised(DomainEvent):
    """L-5: a product's authentic, non-negative heat reached (or escalated to) an alert tier."""

    event_type: ClassVar[str] = "TrendAlertRaised"

    sku: str
    at: datetime
    tier: str
    growth: float
    """24 h growth over the product's expected volume, a fraction (1.5 = +150 %)."""
    heat: float
    positive_share: float
    platforms: tuple[str, ...]
    """Platforms where the rise is real (L-3 cross-platform spread)."""
    fake_heat_probability: float


@dataclass(frozen=True, slots=True)
class TrendConfirmed(DomainEvent):
    """L-6: heat held ``cooling_off_days``, passed the three-layer check (L-4) and is not fake."""

    event_type: ClassVar[str] = "TrendConfirmed"

    sku: str
    at: datetime
    alert_since: datetime
    """The onset: the first hour of the uninterrupted rise that led to the alert."""
    tier: str
    heat: float
    positive_share: float
    platforms: tuple[str, ...]
    cross_platform_verified: bool
    """The rise is real on at least ``red_min_platforms`` platforms."""
    growth: float
    phase: str
    layers: Layers
    fake_heat_probability: float
    validation_demand: int | None = None
    """Pre-orders counted on the product's mentions since the onset (None when there were
    none): D-4 sizes the first order on it."""


@dataclass(frozen=True, slots=True)
class TrendDeclining(DomainEvent):
    """L-9: the smoothed daily volume fell more than 15 % three days in a row."""

    event_type: ClassVar[str] = "TrendDeclining"

    sku: str
    at: datetime
    declining_days: int
    heat: float
    positive_share: float
    platforms: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FakeHeatSuspected(DomainEvent):
    """L-7: most of a product's surge comes from suspect mentions."""

    event_type: ClassVar[str] = "FakeHeatSuspected"

    sku: str
    at: datetime
    probability: float
    raw_growth: float
    evidence: dict[str, int] = field(default_factory=dict)
    """Suspect mentions per signal (account_cluster, template_text, ...)."""


@dataclass(frozen=True, slots=True)
class ComplaintWave(DomainEvent):
    """A significant rise of a product's authentic negative mentions: a complaint signal for
    the respond capability, never read as demand (it does not raise the heat index)."""

    event_type: ClassVar[str] = "ComplaintWave"

    sku: str
    at: datetime
    since: datetime
    """When the negative mentions started to rise."""
    negative_mentions: int
    """Authentic negative mentions in the last 24 h."""
    expected: float
    """The negative mentions the product's own history expects in 24 h."""
    negative_share: float
    """Share of the last 24 h's authentic mentions that are negative."""
    platforms: tuple[str, ...]
    """Platforms with negative mentions in the last 24 h."""


@dataclass(frozen=True, slots=True)
class AttributeRequests(DomainEvent):
    """L-10: attributes customers ask for; ``requests`` holds only the increase since the last
    report, so a consumer that adds the counts up never counts one twice."""

    event_type: ClassVar[str] = "AttributeRequests"

    sku: str
    at: datetime
    requests: dict[str, int]
    totals: dict[str, int]


ListenEvent = TrendAlertRaised | TrendConfirmed | TrendDeclining | FakeHeatSuspected | ComplaintWave

EVENTS: tuple[type[DomainEvent], ...] = (
    TrendAlertRaised,
    TrendConfirmed,
    TrendDeclining,
    FakeHeatSuspected,
    ComplaintWave,
    AttributeRequests,
)
