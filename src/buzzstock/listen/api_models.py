"""What the listen routes answer (L-1 … L-10): the response models of ``listen.api``."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from buzzstock.core.api_types import Day, Timestamp
from buzzstock.listen.lifecycle import Phase

AlertTier = Literal["yellow", "orange", "red"]
ListenEventType = Literal[
    "TrendAlertRaised",
    "TrendConfirmed",
    "TrendDeclining",
    "FakeHeatSuspected",
    "ComplaintWave",
    "AttributeRequests",
]


class RecordedEvent(BaseModel):
    """An event a batch raised (also sent through the outbox)."""

    type: ListenEventType
    sku: str
    at: Timestamp
    event_id: str
    alert_id: str | None = Field(description="L-6: its alert in the review queue, if any.")
    payload: dict[str, Any] = Field(description="The event's fields (docs/events.md).")


class IngestReport(BaseModel):
    """L-1: what one batch did."""

    received: int
    new: int = Field(description="Posts not seen before.")
    updated: int = Field(description="Posts seen before: their counters were updated.")
    unmatched: int = Field(description="Posts that match no catalogue SKU (not stored).")
    products: list[str] = Field(description="SKUs whose trend was re-evaluated.")
    events: list[RecordedEvent]
    batch: str | None = Field(
        description="L-1: the import batch id of the posts first stored here (None if none "
        "were new); `DELETE /api/v1/mentions/batches/{batch}` removes them again."
    )


class MentionBatchSummary(BaseModel):
    """L-1: one import batch that stored mentions."""

    batch: str
    source: str = Field(description="Where it came from: a file, a connector or an API key.")
    imported_at: Timestamp
    mentions: int = Field(description="Posts it first stored that are still stored.")


class MentionsRemoved(BaseModel):
    """L-1: what a deletion removed and the trends it recomputed."""

    deleted: int = Field(description="Posts deleted, with their snapshots and product links.")
    products: list[str] = Field(description="SKUs whose trend was recomputed.")
    events: list[RecordedEvent]


class TrendForecast(BaseModel):
    """L-8: expected daily heat for the next days, with an 80 % band."""

    first_day: Day
    expected: list[float]
    low: list[float]
    high: list[float]
    peak_day: Day
    best_window: list[Day] = Field(description="First and last day of the best buying window.")
    risk: Literal["low", "medium", "high"]


class Trend(BaseModel):
    """L-3 … L-9: a product's trend now."""

    sku: str
    as_of: Timestamp
    heat: float
    tier: AlertTier | None = Field(description="L-5: the alert level; null without an alert.")
    confirmed: bool
    phase: Phase
    alert_since: Timestamp | None
    growth: float
    positive_share: float
    platforms_rising: list[str]
    spread: int = Field(description="How many platforms are rising.")
    fake_heat_probability: float = Field(description="L-7: 0 to 1.")
    daily: list[float] = Field(description="Heat per day, oldest first.")
    forecast: TrendForecast | None
    mentions: int


class Layers(BaseModel):
    """L-4: content, discussion and transaction signals present."""

    content: bool
    discussion: bool
    transaction: bool


class TrendMetrics(BaseModel):
    growth_24h: float | None
    growth_72h: float | None
    growth_week: float | None
    interaction_growth_week: float | None
    positive_share: float
    micro_organic_posts_72h: int
    mid_tier_organic_posts_72h: int
    platforms_rising: list[str]
    save_rate: float
    wishlist_preorders_72h: int
    layers: Layers
    heat: float
    interaction_surge: bool
    supports_buying: bool


class FakeHeat(BaseModel):
    """L-7: how much of the buzz looks manufactured, and why."""

    probability: float
    suspect_mentions: int
    mentions: int
    evidence: dict[str, int] = Field(description="Suspect mentions per kind of evidence.")


class TrendDetail(BaseModel):
    """Everything the trend engine computed for the product."""

    product_id: str
    heat: float
    tier: AlertTier | None
    phase: Phase
    confirmed: bool
    alert_since: Timestamp | None
    growth: float
    metrics: TrendMetrics
    fake_heat: FakeHeat
    daily: list[float]
    forecast: TrendForecast | None
    attributes: dict[str, int] = Field(description="L-10: attribute requests counted.")


class TrendWithDetail(Trend):
    detail: TrendDetail
    attribute_requests: dict[str, int] = Field(
        description="L-10: how often customers asked for each attribute."
    )


class Alert(BaseModel):
    """L-6: an alert in the review queue."""

    id: str = Field(examples=["alr_01j0000000000000000000000"])
    sku: str
    type: ListenEventType
    tier: AlertTier | None
    at: Timestamp
    state: Literal["new", "acknowledged", "dismissed"]
    reviewed_at: Timestamp | None
    reviewed_by: str | None
    note: str | None = Field(description="The reviewer's note; a dismissal's reason.")
    event_id: str
    payload: dict[str, Any] = Field(description="The event's fields (docs/events.md).")


class SavedWatchList(BaseModel):
    """L-2: the keywords that link mentions to a catalogue SKU."""

    sku: str
    product_keywords: list[str]
    competitor_keywords: list[str]
    category_keywords: list[str]
    scene_emotion: list[tuple[str, str]] = Field(description="(scene, emotion) pairs.")


class WatchListSaved(BaseModel):
    """L-2: the saved watch list and the re-evaluation of the stored mentions it now matches."""

    watch_list: SavedWatchList
    received: int
    new: int
    updated: int
    unmatched: int
    products: list[str] = Field(description="SKUs whose trend was re-evaluated.")
    events: list[RecordedEvent]
