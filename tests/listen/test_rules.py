"""L-3 … L-10 rules on hand-built inputs: each threshold, both sides of it."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest

from buzzstock.listen.alerts import confirmation_due, gated_tier
from buzzstock.listen.authenticity import (
    ProductAuthenticity,
    fake_heat,
    is_emoji_only,
    is_quiet_hour,
    is_undisclosed_ad,
    minhash_bands,
)
from buzzstock.listen.detect import Tier
from buzzstock.listen.events import Layers, TrendConfirmed
from buzzstock.listen.lifecycle import (
    Phase,
    bass_cumulative,
    decline_signal,
    forecast,
    phase_of,
)
from buzzstock.listen.mention import Mention
from buzzstock.listen.metrics import (
    FIELDS,
    F,
    HeatInputs,
    HourlySeries,
    ProductMetrics,
    growth,
    has_purchase_intent,
    heat_index,
    product_metrics,
    three_layer_check,
)
from buzzstock.listen.mining import attribute_counts
from buzzstock.listen.settings import ListenSettings

NOW = datetime(2026, 3, 10, 15, tzinfo=UTC)
SETTINGS = ListenSettings()


def test_orange_needs_positive_sentiment_on_both_sides_of_the_threshold() -> None:
    share = SETTINGS.orange_min_positive_share
    assert gated_tier(Tier.ORANGE, share, 1) is Tier.ORANGE
    assert gated_tier(Tier.ORANGE, share - 0.01, 1) is Tier.YELLOW


def test_red_needs_the_rise_on_several_platforms() -> None:
    assert gated_tier(Tier.RED, 0.9, SETTINGS.red_min_platforms) is Tier.RED
    assert gated_tier(Tier.RED, 0.9, SETTINGS.red_min_platforms - 1) is Tier.ORANGE
    assert gated_tier(Tier.RED, 0.1, 1) is Tier.YELLOW
    assert gated_tier(Tier.YELLOW, 0.0, 0) is Tier.YELLOW


def test_cooling_off_confirms_after_five_days_not_before() -> None:
    since = NOW - timedelta(days=5)
    assert confirmation_due(since, NOW, True, 0.0)
    assert not confirmation_due(since + timedelta(hours=1), NOW, True, 0.0)
    assert not confirmation_due(since, NOW, False, 0.0)
    assert confirmation_due(since, NOW, False, 0.0, ListenSettings(require_three_layers=False))
    threshold = SETTINGS.fake_heat_probability_alert
    assert not confirmation_due(since, NOW, True, threshold)
    assert confirmation_due(since, NOW, True, threshold - 0.01)


def test_decline_signal_needs_three_days_each_down_more_than_fifteen_percent() -> None:
    raw = SETTINGS.model_copy(update={"decline_smoothing": 1.0})
    assert decline_signal([100, 84, 70, 59], raw)
    assert not decline_signal([100, 86, 74, 64], raw)
    assert not decline_signal([100, 84, 70, 71], raw)
    assert not decline_signal([100, 84, 70], raw)
    smoothed = ListenSettings()
    assert decline_signal([100, 100, 100, 40, 20, 10, 5], smoothed)
    assert not decline_signal([100, 80, 120, 70, 110, 60], smoothed)


def test_lifecycle_phase_boundaries() -> None:
    rising = [10.0, 20.0, 40.0]
    assert phase_of(0.99, True, rising) is Phase.EARLY_SPREAD
    assert phase_of(1.0, True, rising) is Phase.RAPID_RISE
    assert phase_of(2.0, True, rising) is Phase.RAPID_RISE
    assert phase_of(2.01, True, rising) is Phase.PEAK
    assert phase_of(2.5, True, [40.0, 100.0, 60.0, 30.0]) is Phase.EARLY_DECLINE
    assert phase_of(0.2, False, rising) is Phase.QUIET


def test_bass_forecast_finds_a_future_peak_inside_its_band() -> None:
    days = np.arange(0, 5, dtype=float)
    cumulative = bass_cumulative(days, 2000, 0.01, 0.6)
    daily = list(np.diff(cumulative) + 20)
    today = date(2026, 3, 10)
    result = forecast(daily, 20, today)
    assert result is not None
    assert len(result.expected) == SETTINGS.forecast_days
    assert result.peak_day > today
    assert all(low <= high for low, high in zip(result.low, result.high, strict=True))
    assert result.best_window_start == today and result.best_window_end == result.peak_day
    assert forecast(daily[:2], 20, today) is None


def test_heat_index_is_100_in_a_normal_state_grows_with_each_signal_and_adds_50_a_doubling() -> (
    None
):
    normal = HeatInputs(1.0, 1.0, 1.0, 1.0, 1)
    assert heat_index(normal) == pytest.approx(100)
    hotter = [
        HeatInputs(3.0, 1.0, 1.0, 1.0, 1),
        HeatInputs(1.0, 3.0, 1.0, 1.0, 1),
        HeatInputs(1.0, 1.0, 3.0, 1.0, 1),
        HeatInputs(1.0, 1.0, 1.0, 1.1, 1),
        HeatInputs(1.0, 1.0, 1.0, 1.0, 4),
    ]
    assert all(heat_index(inputs) > 100 for inputs in hotter)
    assert heat_index(HeatInputs(2 ** (1 / 0.6), 1.0, 1.0, 1.0, 1)) == pytest.approx(150)
    assert heat_index(HeatInputs(4 ** (1 / 0.6), 1.0, 1.0, 1.0, 1)) == pytest.approx(200)
    assert heat_index(HeatInputs(0.01, 0.0, 0.0, 0.1, 0)) == 0


def hour_row(**values: float) -> np.ndarray:
    row = np.zeros(len(FIELDS))
    for name, value in values.items():
        row[F[name]] = value
    return row


def test_growth_windows_and_three_layer_check_on_a_hand_built_series() -> None:
    series = HourlySeries(NOW)
    for hour in range(24 * 10):
        trending = hour >= 24 * 7
        factor = 4 if trending else 1
        series.append_hour(
            {
                "tiktok": hour_row(authentic=2 * factor, views=100 * factor, saves=3 * factor),
                "reddit": hour_row(authentic=1, intent=1 if trending and hour % 6 == 0 else 0),
            }
        )
    assert growth(series, "authentic", 24) == pytest.approx(0.0)
    assert growth(series, "authentic", 72) == pytest.approx((9 * 24 - 3 * 24) / (3 * 24), rel=0.01)
    before_trend = 24 * 7
    layers = three_layer_check(series, before_trend)
    assert layers.content and layers.discussion and not layers.transaction
    assert not layers.passed
    series.append_hour({"pinterest": hour_row(wishlist_preorders=5)})
    assert three_layer_check(series, before_trend).transaction


def test_purchase_intent_in_english_and_chinese() -> None:
    assert has_purchase_intent("Where can I buy this basket?")
    assert has_purchase_intent("求链接！")
    assert has_purchase_intent("星空杯哪里可以买到")
    assert not has_purchase_intent("I bought three of them")


def mention(text: str, **fields: object) -> Mention:
    values: dict[str, object] = {
        "platform": "tiktok",
        "post_id": str(id(fields)) + text,
        "author_id": "a",
        "created_at": NOW,
        "text": text,
        "author_followers": 800,
        "author_created_at": NOW - timedelta(days=900),
    }
    values.update(fields)
    return Mention(**values)  # type: ignore[arg-type]


def test_fake_heat_signals_on_single_mentions() -> None:
    assert is_emoji_only("🔥🔥🔥 !!") and not is_emoji_only("nice 🔥") and not is_emoji_only(" ")
    assert is_undisclosed_ad(mention("50% off today only, shop now"))
    assert is_undisclosed_ad(mention("限时优惠，点击链接购买"))
    assert not is_undisclosed_ad(mention("use code BUZZ20", ad_disclosed=True))
    assert not is_undisclosed_ad(mention("use code BUZZ20 #ad", hashtags=("ad",)))
    assert not is_undisclosed_ad(mention("I love it"))
    market = ListenSettings(market_utc_offset_hours=-5)
    assert is_quiet_hour(datetime(2026, 3, 10, 8, tzinfo=UTC), market)
    assert not is_quiet_hour(datetime(2026, 3, 10, 12, tzinfo=UTC), market)


def test_near_duplicates_share_minhash_bands_and_different_texts_do_not() -> None:
    template = minhash_bands("OMG this starry mug is AMAZING!!! get yours now, link in bio 🔥")
    variant = minhash_bands("omg this starry mug is amazing! get yours now, link in bio")
    other = minhash_bands("The handle broke after a week and support never answered")
    assert set(template) & set(variant)
    assert not set(template) & set(other)


def test_account_clusters_and_templates_make_suspects_and_real_users_stay_authentic() -> None:
    context = ProductAuthenticity(SETTINGS)
    bots = [
        mention(
            "Best starry mug ever!!! shop now",
            post_id=f"b{index}",
            author_id=f"bot{index % 5}",
            author_followers=3,
            author_created_at=NOW - timedelta(days=2),
            device_hint="device-7",
            created_at=NOW + timedelta(seconds=10 * index),
        )
        for index in range(12)
    ]
    person = mention(
        "my starry mug finally arrived, love the colour",
        post_id="p",
        author_id="ann",
        created_at=NOW + timedelta(seconds=30),
    )
    for item in [*bots, person]:
        context.add(item, minhash_bands(item.text))
    verdicts = [context.judge(bot, minhash_bands(bot.text)) for bot in bots]
    assert all(verdict.suspect for verdict in verdicts)
    assert {"account_cluster", "template_text", "new_account"} <= verdicts[-1].signals
    assert not context.judge(person, minhash_bands(person.text)).suspect


def test_fake_heat_probability_is_the_suspect_share_of_the_excess() -> None:
    assert fake_heat(100, 45, 10, {}).probability == pytest.approx(0.5)
    assert fake_heat(100, 0, 10, {}).probability == 0
    assert fake_heat(10, 5, 20, {}).probability == pytest.approx(0.5)
    assert fake_heat(0, 0, 0, {}).probability == 0


def test_comment_mining_counts_requested_attributes_in_both_languages() -> None:
    counts = attribute_counts(
        [
            "wish it came in a bigger size",
            "希望有大号的",
            "please make more colours",
            "想要更多颜色",
            "能出环保材质吗",
            "love it",
            "the colour is gorgeous",
        ]
    )
    assert counts["size_bigger"] == 2
    assert counts["colour"] == 2
    assert counts["eco_material"] == 1 and counts["material"] == 1
    assert attribute_counts(["the colour is gorgeous"], asked_only=False)["colour"] == 1


def test_events_serialise_to_plain_json_payloads_and_parse_back() -> None:
    event = TrendConfirmed(
        sku="basket",
        at=NOW,
        alert_since=NOW - timedelta(days=5),
        tier="red",
        heat=310.5,
        positive_share=0.91,
        platforms=("tiktok", "instagram"),
        cross_platform_verified=True,
        growth=5.2,
        phase="peak",
        layers=Layers(content=True, discussion=True, transaction=True),
        fake_heat_probability=0.02,
    )
    payload = event.to_payload()
    assert event.event_type == "TrendConfirmed"
    assert datetime.fromisoformat(payload["at"]) == NOW and payload["tier"] == "red"
    assert payload["platforms"] == ["tiktok", "instagram"]
    assert json.loads(json.dumps(payload)) == payload
    assert TrendConfirmed.from_payload(payload) == event


def test_interaction_surge_and_buying_support_flags_on_both_sides() -> None:
    def metrics_for(weekly_interactions: tuple[float, float], positive: float) -> ProductMetrics:
        series = HourlySeries(NOW)
        for hour in range(24 * 14):
            interactions = weekly_interactions[hour // 168] / 168
            series.append_hour(
                {
                    "tiktok": hour_row(
                        authentic=1,
                        positive=positive,
                        negative=1 - positive,
                        interactions=interactions,
                    )
                }
            )
        return product_metrics(series, 24, series.hours)

    surge = metrics_for((100, 250), 0.86)
    calm = metrics_for((100, 249), 0.84)
    assert surge.interaction_surge and surge.supports_buying
    assert not calm.interaction_surge and not calm.supports_buying
