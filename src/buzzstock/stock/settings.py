"""Every threshold of SPEC §3 (Stock) as one typed setting with the seed's value as default."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from buzzstock.core.settings import Group


class StockSettings(Group):
    """SPEC §3: one pool, every channel, zero oversell."""

    section: ClassVar[str] = "stock"

    elastic_share: float = Field(
        0.20,
        ge=0,
        le=1,
        description="S-3: share of a SKU's units kept in the elastic pool for cross-region moves.",
    )
    reservation_ttl_seconds: int = Field(
        900,
        gt=0,
        description="S-4: a held reservation that is not confirmed within this time expires.",
    )
    max_reservation_quantity: int = Field(
        1000,
        gt=0,
        le=1_000_000,
        description="S-4: largest quantity one reservation may ask for (guards against typos).",
    )
    refill_trigger_share: float = Field(
        0.85,
        gt=0,
        le=1,
        description="S-5: when a region has sold this share of its quota, move units to it "
        "from the elastic pool.",
    )
    refill_units: int = Field(
        200, ge=0, description="S-5: units moved from the elastic pool per refill (seed: 200)."
    )
    spike_buyer_limit: int = Field(
        2,
        ge=1,
        description="S-5: per-buyer purchase limit switched on when a SKU spikes (seed: 2).",
    )
    spike_velocity_ratio: float = Field(
        3.0,
        gt=1,
        description="S-5: a SKU spikes when its last-window sales exceed this multiple of its "
        "average window over the past hour.",
    )
    spike_window_seconds: int = Field(
        300, gt=0, description="S-5: the window used to measure a SKU's sales velocity."
    )
    low_stock_alert_share: float = Field(
        0.30,
        gt=0,
        le=1,
        description="S-5: available stock below this share of the SKU's reference stock raises "
        "a replenishment alert to purchasing.",
    )
    slow_region_share: float = Field(
        0.5,
        gt=0,
        le=1,
        description="S-5: a region that sold less than this share of the SKU's average regional "
        "sell-through gets a push suggestion and a coupon.",
    )
    slow_region_min_average_share: float = Field(
        0.2,
        ge=0,
        le=1,
        description="S-5: regions are compared for slowness only once the average region has "
        "sold this share of its quota.",
    )
    slow_region_coupon_percent: int = Field(
        10, ge=0, le=90, description="S-5: coupon suggested for a slow region, in percent."
    )
    fulfilment_horizon_days: int = Field(
        7,
        ge=1,
        description="S-7: how many days ahead fulfilment may book warehouse shipping capacity.",
    )
    default_daily_capacity: int = Field(
        1000, ge=0, description="S-7: daily shipping capacity of a warehouse that names none."
    )
    default_low_stock_threshold: int = Field(
        50, ge=0, description="S-2: units below which a warehouse's stock counts as low."
    )
    host_line_threshold_units: int = Field(
        50,
        ge=1,
        description="S-8: remaining units in a region below which a host line is suggested "
        "(seed: 'only 50 left in EU!').",
    )
    velocity_window_minutes: int = Field(
        30, gt=0, description="S-8: recent window whose sales velocity gives the sell-out ETA."
    )
    subpool_max_share: float = Field(
        0.5,
        gt=0,
        le=1,
        description="S-9: largest share of a region's free units that a guest creator's "
        "sub-pool may take.",
    )
    stress_channels: int = Field(6, ge=1, description="S-11: default channels in a stress test.")
    stress_processes: int = Field(
        8, ge=1, description="S-11: default buyer processes in a stress test."
    )
