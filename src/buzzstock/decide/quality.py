"""D-10: quality control sampling and spare stock during a hit."""

from __future__ import annotations

import math

from buzzstock.core.errors import InvalidInput
from buzzstock.decide.settings import DecideSettings

DEFAULT_SETTINGS = DecideSettings()


def qc_rounds_per_batch(during_hit: bool, settings: DecideSettings = DEFAULT_SETTINGS) -> int:
    """D-10: random QC checks per production batch: once normally, three times during a hit."""
    rounds = settings.qc_rounds_normal
    return rounds * settings.qc_hit_multiplier if during_hit else rounds


def spare_units(quantity: int, settings: DecideSettings = DEFAULT_SETTINGS) -> int:
    """D-10: units to add to an order as spares for exchanges (3 %, rounded up)."""
    if quantity < 0:
        raise InvalidInput("quantity must be >= 0", rule="D-10")
    return math.ceil(quantity * settings.spare_share - 1e-9)
