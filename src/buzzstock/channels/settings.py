"""Settings of the channel platform layer: every SPEC threshold here is a typed default."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, model_validator

from buzzstock.core.settings import Group


class ChannelSettings(Group):
    """S-6: push limits, sync-latency targets and retry policy shared by every channel adapter."""

    section: ClassVar[str] = "channels"

    rate_limit_calls: int = Field(
        120,
        gt=1,
        description="S-6: most API calls sent to one channel within one rate-limit window "
        "(platforms limit API calls, e.g. 120/min).",
    )
    rate_limit_window_seconds: float = Field(
        60.0, gt=0, description="S-6: length of the rate-limit window the call budget applies to."
    )
    rate_limit_burst: int = Field(
        10,
        ge=1,
        description="S-6: calls that may go out back to back before the steady rate applies; "
        "the refill rate is lowered so burst plus refill never exceed the window budget.",
    )
    throttle_slowdown_factor: float = Field(
        0.5,
        gt=0,
        lt=1,
        description="S-6: after an HTTP 429 the sending rate is multiplied by this factor.",
    )
    throttle_min_rate_share: float = Field(
        0.1,
        gt=0,
        le=1,
        description="S-6: the adaptive rate never drops below this share of the configured rate.",
    )
    throttle_recovery_step: float = Field(
        0.05,
        gt=0,
        le=1,
        description="S-6: share of the configured rate won back after each successful call.",
    )
    default_retry_after_seconds: float = Field(
        1.0,
        gt=0,
        description="S-6: pause after an HTTP 429 that carries no Retry-After header.",
    )
    sync_target_standard_seconds: float = Field(
        1.5,
        gt=0,
        description="S-6: industry-standard sync delay (commit to channel acknowledgement).",
    )
    sync_target_goal_seconds: float = Field(
        0.5, gt=0, description="S-6: buzzstock's goal for the sync delay."
    )
    request_timeout_seconds: float = Field(
        10.0, gt=0, description="S-6: timeout of one HTTP call to a platform."
    )
    max_attempts: int = Field(
        4,
        ge=1,
        description="S-6: attempts per call on timeouts, 5xx and (for reads) 429 before giving up; "
        "the outbox retries later, so nothing is lost.",
    )
    backoff_base_seconds: float = Field(
        0.2, gt=0, description="S-6: first backoff step (exponential, full jitter)."
    )
    backoff_cap_seconds: float = Field(30.0, gt=0, description="S-6: longest single backoff pause.")
    webhook_timestamp_tolerance_seconds: float = Field(
        300.0,
        gt=0,
        description="S-6: signed webhooks whose signed timestamp is further than this from now "
        "are refused (replay protection: Standard Webhooks, TikTok Shop, Shopee).",
    )
    secret_grace_seconds: float = Field(
        3600.0,
        ge=0,
        le=30 * 24 * 3600,
        description="S-6: after a channel's secret is replaced, deliveries signed with the "
        "previous one are still accepted for this long (the platform may still sign with it), "
        "then refused.",
    )
    google_max_updates_per_day: int = Field(
        2,
        ge=1,
        description="S-6: Google Merchant / YouTube products may be updated at most this many "
        "times per rolling 24 hours; further flips are coalesced and deferred.",
    )
    google_restock_min_units: int = Field(
        3,
        ge=1,
        description="S-6: an out-of-stock Google / YouTube offer flips back to in stock only "
        "with at least this many units (hysteresis saves the daily update budget).",
    )

    @model_validator(mode="after")
    def _burst_below_budget(self) -> ChannelSettings:
        if self.rate_limit_burst >= self.rate_limit_calls:
            raise ValueError("rate_limit_burst must be smaller than rate_limit_calls")
        if self.sync_target_goal_seconds > self.sync_target_standard_seconds:
            raise ValueError("sync_target_goal_seconds must not exceed the standard target")
        return self
