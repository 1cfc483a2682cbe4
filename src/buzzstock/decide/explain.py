"""The explanation every decision carries: which rule fired, in words, and the numbers behind it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

Figure = float | int | str | bool


@dataclass(frozen=True)
class Reason:
    """D-6: one line of a decision's explanation, tied to a SPEC rule id."""

    rule: str
    text: str
    figures: Mapping[str, Figure] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.rule}: {self.text}"
