"""Settings of channel publication and sync: every threshold is a typed default (S-5, S-6)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from buzzstock.core.settings import Group


class SyncSettings(Group):
    """S-5/S-6: how the hub publishes stock to channels and keeps it in sync."""

    section: ClassVar[str] = "sync"

    push_lease_seconds: float = Field(
        30.0, gt=0, description="S-6: how long a worker owns a push before another may retry it."
    )
    push_backoff_base_seconds: float = Field(
        0.2, gt=0, description="S-6: first retry delay after a channel was unavailable."
    )
    push_backoff_cap_seconds: float = Field(
        30.0, gt=0, description="S-6: longest retry delay after repeated unavailability."
    )
    worker_poll_seconds: float = Field(
        0.05, gt=0, description="S-6: how often an idle push worker looks for new changes."
    )
    inbox_batch: int = Field(
        50, ge=1, description="S-6: webhook deliveries processed (and thin orders fetched) at once."
    )
    inbox_retention_hours: int = Field(
        168,
        ge=1,
        le=24 * 365,
        description="S-6: processed webhook deliveries are deleted from the inbox after this "
        "long (keep it above the platforms' retry windows, TikTok's 12 h the longest; a later "
        "duplicate books nothing twice either way).",
    )
    velocity_window_seconds: float = Field(
        3.0, gt=0, description="S-5: window over which a channel's sales velocity is measured."
    )
    forecast_weight_seconds: float = Field(
        2.0,
        gt=0,
        description="S-5: the seller's forecast of a channel's sales rate counts as this many "
        "seconds of observed sales.",
    )
    topup_lead_seconds: float = Field(
        3.0,
        gt=0,
        description="S-5/S-6: top a channel up when its display would last less than this "
        "(push and acknowledgement time).",
    )
    topup_cover_seconds: float = Field(
        12.0, gt=0, description="S-5: a top-up gives the channel this many seconds of sales."
    )
    topup_min_units: int = Field(
        5, ge=1, description="S-5: smallest display a selling channel is topped up to."
    )
    initial_channel_share: float = Field(
        1.0,
        gt=0,
        le=1,
        description="S-3/S-5: share of the free units published to the channels at the start, "
        "by forecast; the rest is held back for velocity top-ups.",
    )
    reconcile_interval_seconds: float = Field(
        1.5, gt=0, description="S-6: time between two reconciliation passes of a channel."
    )
    rebalance_interval_seconds: float = Field(
        0.2, gt=0, description="S-5: time between two velocity re-weightings during a live sale."
    )
    confirm_interval_seconds: float = Field(
        1.0, gt=0, description="S-4/S-7: how often held channel orders are confirmed."
    )
    reconcile_margin_seconds: float = Field(
        5.0,
        ge=0,
        description="S-6: reconciliation polls orders from this long before the last one.",
    )
    sellout_host_line_units: int = Field(
        100, ge=1, description="S-8: below this many units a host line says 'only N left'."
    )
