"""Sync-latency summary against the S-6 targets (pure: samples in, figures out)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from buzzstock.channels.settings import ChannelSettings


@dataclass(frozen=True)
class SyncLatencySummary:
    count: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    within_goal_share: float
    """Share of pushes acknowledged within the 0.5 s goal."""
    within_standard_share: float
    """Share of pushes acknowledged within the 1.5 s industry standard."""


def percentile(sorted_values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(share * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def summarize_sync_latency(
    seconds: Sequence[float], settings: ChannelSettings = ChannelSettings()
) -> SyncLatencySummary:
    """S-6: p50 / p99 of commit-to-acknowledgement delays and the shares within target."""
    ordered = sorted(seconds)
    count = len(ordered)
    if count == 0:
        return SyncLatencySummary(0, 0.0, 0.0, 0.0, 1.0, 1.0)
    goal = sum(1 for value in ordered if value <= settings.sync_target_goal_seconds)
    standard = sum(1 for value in ordered if value <= settings.sync_target_standard_seconds)
    return SyncLatencySummary(
        count=count,
        p50_ms=percentile(ordered, 0.50) * 1000.0,
        p99_ms=percentile(ordered, 0.99) * 1000.0,
        max_ms=ordered[-1] * 1000.0,
        within_goal_share=goal / count,
        within_standard_share=standard / count,
    )
