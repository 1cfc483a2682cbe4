"""Every threshold of SPEC §1 (Listen) as one typed setting with the seed's value as default."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from buzzstock.core.settings import Group


class ListenSettings(Group):
    """SPEC §1: listen — social signals (L-1 … L-10)."""

    section: ClassVar[str] = "listen"

    yellow_growth: float = Field(
        1.00, gt=0, description="L-5: 24 h discussion growth (1.00 = +100 %) that raises yellow."
    )
    orange_growth: float = Field(
        1.50, gt=0, description="L-5: 24 h discussion growth (+150 %) that raises orange."
    )
    red_growth: float = Field(
        2.50, gt=0, description="L-5: 24 h discussion growth above which the alert is red (+250 %)."
    )
    orange_min_positive_share: float = Field(
        0.60,
        ge=0,
        le=1,
        description="L-5: orange needs positive sentiment: at least this share of positive "
        "mentions.",
    )
    red_min_platforms: int = Field(
        2, ge=1, description="L-5: red needs the rise to be real on at least this many platforms."
    )
    interaction_wow_growth_alert: float = Field(
        1.50,
        gt=0,
        description="L-5: week-over-week interaction growth that flags an interaction surge; "
        "set per category (seed: 150–200 %).",
    )
    significance_z: float = Field(
        3.09,
        gt=0,
        description="L-5: a growth tier counts only when the 24 h volume is this many standard "
        "deviations above the product's own baseline (3.09 is one-sided p = 0.001).",
    )
    onset_z: float = Field(
        1.64,
        gt=0,
        description="L-6: the heat counts as held from the first hour of the uninterrupted rise "
        "at least this many standard deviations above baseline (1.64 is one-sided p = 0.05).",
    )
    min_excess_mentions: int = Field(
        8,
        ge=0,
        description="L-5: a tier also needs at least this many mentions above the baseline "
        "in 24 h.",
    )
    baseline_days: int = Field(
        28, ge=2, description="L-5: days of the product's own history that form its baseline."
    )
    min_history_hours: int = Field(
        168, ge=48, description="L-5: hours of history the detector needs before it judges growth."
    )
    episode_end_hours: int = Field(
        12,
        ge=1,
        description="L-6: an alert episode ends after this many consecutive hours below yellow.",
    )
    cooling_off_days: float = Field(
        5.0, ge=0, description="L-6: heat must hold this many days before a trend is confirmed."
    )
    require_three_layers: bool = Field(
        True,
        description="L-4: a trend is confirmed only when content, discussion and transaction "
        "layers all show it.",
    )
    discussion_min_intent_posts: int = Field(
        3,
        ge=1,
        description="L-4: discussion layer: at least this many posts asking where to buy in 72 h, "
        "and twice the product's usual rate.",
    )
    transaction_save_rate_ratio: float = Field(
        2.0,
        gt=0,
        description="L-4: transaction layer: save rate at least this multiple of the industry "
        "average (seed: 12 % against 4 %), or wishlist adds / pre-orders at twice the usual rate.",
    )
    positive_share_buy: float = Field(
        0.85,
        ge=0,
        le=1,
        description="L-3: share of positive mentions that supports buying (seed: 85 %).",
    )
    micro_influencer_min_followers: int = Field(
        10_000, ge=0, description="L-3: micro influencers have at least this many followers."
    )
    mid_tier_min_followers: int = Field(
        100_000,
        ge=0,
        description="L-3: mid-tier creators (and above) have at least this many followers.",
    )
    heat_volume_prior: float = Field(
        20.0,
        ge=0,
        description="L-3: mentions added to both sides of the heat index's volume ratio, so that "
        "a few extra posts on a quiet product do not read as heat.",
    )
    save_rate_industry_average: float = Field(
        0.04,
        ge=0,
        le=1,
        description="L-3: Instagram save rate of an average post (seed: 4 %, strong case 12 %).",
    )
    platform_rise_min_growth: float = Field(
        0.50,
        ge=0,
        description="L-3: a platform counts in the cross-platform spread when its 24 h authentic "
        "volume is at least this much above its own baseline.",
    )
    platform_rise_min_mentions: int = Field(
        5,
        ge=1,
        description="L-3: and it has at least this many authentic mentions in the last 24 h.",
    )
    fake_heat_probability_alert: float = Field(
        0.50,
        ge=0,
        le=1,
        description="L-7: fake-heat probability from which FakeHeatSuspected is raised and the "
        "trend cannot be confirmed.",
    )
    new_account_days: int = Field(
        30, ge=0, description="L-7: accounts younger than this count as new."
    )
    low_follower_count: int = Field(
        50, ge=0, description="L-7: accounts with fewer followers than this count as low-follower."
    )
    cluster_min_accounts: int = Field(
        4,
        ge=2,
        description="L-7: this many distinct accounts sharing a device/IP hint on one product in "
        "24 h form an account cluster.",
    )
    duplicate_min_posts: int = Field(
        4,
        ge=2,
        description="L-7: this many near-duplicate texts on one product in 24 h are template "
        "comments.",
    )
    sync_window_seconds: int = Field(
        120,
        ge=1,
        description="L-7: posts by new or low-follower accounts this close in time are "
        "synchronised.",
    )
    sync_min_posts: int = Field(
        6,
        ge=2,
        description="L-7: this many such posts in one sync window form a synchronised burst.",
    )
    quiet_hours_start: int = Field(
        1, ge=0, le=23, description="L-7: start of the hours when the target market sleeps (local)."
    )
    quiet_hours_end: int = Field(
        6,
        ge=0,
        le=24,
        description="L-7: end (exclusive) of the hours when the target market sleeps (local).",
    )
    suspect_score: float = Field(
        2.0,
        gt=0,
        description="L-7: a mention whose summed evidence weight reaches this is suspect.",
    )
    early_spread_max_growth: float = Field(
        1.00, gt=0, description="L-8: below this 24 h growth a trend is in early spread."
    )
    peak_min_growth: float = Field(
        2.00, gt=0, description="L-8: above this 24 h growth a trend is at its peak."
    )
    forecast_days: int = Field(30, ge=1, description="L-8: days of the heat forecast.")
    decline_drop: float = Field(
        0.15,
        gt=0,
        lt=1,
        description="L-9: a day counts as declining when the smoothed volume drops more than this.",
    )
    decline_days: int = Field(
        3, ge=1, description="L-9: consecutive declining days that raise the decline signal."
    )
    decline_smoothing: float = Field(
        0.5,
        gt=0,
        le=1,
        description="L-9: weight of the newest day in the exponentially smoothed daily volume.",
    )
    market_utc_offset_hours: float = Field(
        0.0,
        ge=-12,
        le=14,
        description="L-7: UTC offset of the target market (for its quiet hours and its days).",
    )
    max_future_skew_seconds: int = Field(
        600,
        ge=0,
        le=86_400,
        description="L-1: a mention (or its author) dated more than this many seconds after now "
        "is refused at the edge (buzzstock default: 10 minutes of clock skew).",
    )


DEFAULT_LISTEN_SETTINGS = ListenSettings()
