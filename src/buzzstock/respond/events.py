"""The events respond publishes (SPEC §4).

``CrisisRaised`` is the contract the other capabilities act on: at level 3 (a brand crisis, R-3)
decide raises the D-6 emergency stop for the named SKUs, which pauses their replenishment and
their sale on every channel.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from buzzstock.core.events import DomainEvent


@dataclass(frozen=True, slots=True)
class CrisisRaised(DomainEvent):
    """R-3: an incident reached a crisis level (1 local, 2 systemic, 3 brand crisis)."""

    event_type: ClassVar[str] = "CrisisRaised"

    skus: tuple[str, ...]
    level: int
    reason: str
    incident_id: str | None = None


EVENTS: tuple[type[DomainEvent], ...] = (CrisisRaised,)
