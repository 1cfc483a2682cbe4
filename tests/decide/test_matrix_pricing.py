"""D-6 decision matrix (the seed's three paths) and D-7 heat-linked pricing."""

from __future__ import annotations

import pytest

from buzzstock.decide.matrix import Route, TrendSignal, route_decision
from buzzstock.decide.pricing import HeatPhase, MarketCosts, heat_phase, net_margin, propose_price
from buzzstock.decide.settings import DecideSettings

GOOD = TrendSignal(heat_index=175, positive_share=0.90, cross_platform_verified=True)


def _route(signal: TrendSignal, cash: float = 4_000) -> Route:
    return route_decision(signal, order_cash=cash).route


def test_seed_path_auto_execute() -> None:
    decision = route_decision(GOOD, order_cash=4_000)
    assert decision.route is Route.AUTO_EXECUTE
    text = decision.reasons[0].text
    assert "heat index 175 in 150–200" in text
    assert "90% positive" in text
    assert "5,000.00 CNY" in text
    assert decision.reasons[0].figures["heat_index"] == 175


def test_seed_path_human_review_for_high_heat_with_mixed_sentiment() -> None:
    decision = route_decision(
        TrendSignal(heat_index=230, positive_share=0.60, cross_platform_verified=True), 4_000
    )
    assert decision.route is Route.HUMAN_REVIEW
    assert "mixed sentiment" in decision.reasons[0].text


def test_seed_path_human_review_for_a_new_category() -> None:
    signal = TrendSignal(175, 0.90, True, new_category=True)
    decision = route_decision(signal, 4_000)
    assert decision.route is Route.HUMAN_REVIEW
    assert "new product category" in decision.reasons[0].text


@pytest.mark.parametrize(
    ("heat", "route"),
    [
        (149.9, Route.NO_ACTION),
        (150, Route.AUTO_EXECUTE),
        (200, Route.AUTO_EXECUTE),
        (200.1, Route.AUTO_EXECUTE),
    ],
)
def test_d6_auto_band_edges_with_clear_sentiment(heat: float, route: Route) -> None:
    assert _route(TrendSignal(heat, 0.90, True)) is route


@pytest.mark.parametrize(("heat", "why"), [(200, "needs approval"), (200.1, "mixed sentiment")])
def test_d6_mixed_sentiment_goes_to_review_and_above_200_says_why(heat: float, why: str) -> None:
    decision = route_decision(TrendSignal(heat, 0.70, True), 1_000)
    assert decision.route is Route.HUMAN_REVIEW
    assert why in decision.reasons[0].text


@pytest.mark.parametrize(
    ("positive", "route"), [(0.85, Route.HUMAN_REVIEW), (0.851, Route.AUTO_EXECUTE)]
)
def test_positive_share_must_exceed_85_percent(positive: float, route: Route) -> None:
    assert _route(TrendSignal(175, positive, True)) is route


def test_cross_platform_verification_is_required() -> None:
    decision = route_decision(TrendSignal(175, 0.9, False), 4_000)
    assert decision.route is Route.HUMAN_REVIEW
    assert "not verified across platforms" in decision.reasons[0].text


@pytest.mark.parametrize(
    ("cash", "route"), [(5_000, Route.AUTO_EXECUTE), (5_000.01, Route.HUMAN_REVIEW)]
)
def test_authority_limit(cash: float, route: Route) -> None:
    decision = route_decision(GOOD, cash)
    assert decision.route is route
    if route is Route.HUMAN_REVIEW:
        assert "authority limit" in decision.reasons[0].text


def test_authority_limit_is_a_setting() -> None:
    tuned = DecideSettings(authority_limit=10_000)
    assert route_decision(GOOD, 8_000, tuned).route is Route.AUTO_EXECUTE


@pytest.mark.parametrize(
    ("growth", "declining", "phase"),
    [
        (99.9, False, HeatPhase.EARLY_SPREAD),
        (100, False, HeatPhase.RAPID_RISE),
        (200, False, HeatPhase.RAPID_RISE),
        (200.1, False, HeatPhase.PEAK),
        (250, True, HeatPhase.EARLY_DECLINE),
    ],
)
def test_heat_phase_edges(growth: float, declining: bool, phase: HeatPhase) -> None:
    assert heat_phase(growth, declining) is phase


def test_early_spread_normal_price_with_offer_and_30_percent_allocation() -> None:
    proposal = propose_price(100, growth_percent=50, heat_index=120)
    assert proposal.price == 100
    assert proposal.offer_discount == pytest.approx(0.05)
    assert proposal.allocation_share == pytest.approx(0.30)


@pytest.mark.parametrize(("growth", "price"), [(100, 105), (150, 110), (200, 115)])
def test_rapid_rise_raises_price_5_to_15_percent(growth: float, price: float) -> None:
    proposal = propose_price(100, growth_percent=growth, heat_index=150)
    assert proposal.price == pytest.approx(price)
    assert proposal.allocation_share == pytest.approx(0.50)


@pytest.mark.parametrize(("growth", "price"), [(200.1, 115.01), (250, 120), (300, 125), (900, 125)])
def test_peak_premium_15_to_25_percent_keeps_20_percent_back(growth: float, price: float) -> None:
    proposal = propose_price(100, growth_percent=growth, heat_index=150)
    assert proposal.price == pytest.approx(price)
    assert proposal.allocation_share == pytest.approx(0.80)
    assert proposal.scarcity_messaging


@pytest.mark.parametrize(("heat", "hot"), [(180, False), (180.1, True)])
def test_heat_above_180_prices_at_base_times_1_15(heat: float, hot: bool) -> None:
    proposal = propose_price(100, growth_percent=50, heat_index=heat)
    assert proposal.hot_product is hot
    assert proposal.notify_supplier is hot
    assert proposal.price == pytest.approx(115 if hot else 100)


def test_hot_rule_never_lowers_a_peak_premium() -> None:
    assert propose_price(100, growth_percent=300, heat_index=250).price == pytest.approx(125)


def test_early_decline_returns_to_normal_price_with_bundles() -> None:
    proposal = propose_price(100, growth_percent=300, heat_index=190, declining=True)
    assert proposal.price == 100
    assert proposal.bundles
    assert not proposal.hot_product
    assert proposal.allocation_share == 1.0


@pytest.mark.parametrize(("days", "price"), [(31, 105), (30, 110), (7, 110), (6.9, 115)])
def test_stock_depth_adjusts_the_price(days: float, price: float) -> None:
    proposal = propose_price(100, growth_percent=150, heat_index=150, stock_days=days)
    assert proposal.price == pytest.approx(price)


def test_thin_stock_removes_the_early_offer() -> None:
    proposal = propose_price(100, growth_percent=50, heat_index=120, stock_days=3)
    assert proposal.offer_discount == 0
    assert proposal.price == pytest.approx(105)


@pytest.mark.parametrize(("ratio", "price"), [(1.6, 113), (1.5, 110), (0.5, 110), (0.4, 105)])
def test_channel_velocity_adjusts_the_price(ratio: float, price: float) -> None:
    proposal = propose_price(100, growth_percent=150, heat_index=150, channel_velocity_ratio=ratio)
    assert proposal.price == pytest.approx(price)


def test_every_price_proposal_explains_itself() -> None:
    proposal = propose_price(100, 150, 190, stock_days=40, channel_velocity_ratio=2)
    assert [r.rule for r in proposal.reasons] == ["D-7"] * 4
    assert "heat index 190 > 180" in proposal.reasons[1].text


def test_net_margin_per_market_after_tax_and_fees() -> None:
    eu = MarketCosts(
        "EU",
        vat_rate=0.20,
        platform_fee_rate=0.08,
        payment_fee_rate=0.02,
        duty_rate=0.04,
        freight_per_unit=2.0,
    )
    margin = net_margin(36.0, unit_cost=10.0, market=eu)
    assert margin.net_revenue == pytest.approx(30.0 - 3.6)
    assert margin.landed_cost == pytest.approx(12.4)
    assert margin.profit == pytest.approx(14.0)
    assert margin.reasons == ()
    us = MarketCosts("US", platform_fee_rate=0.15)
    assert net_margin(36.0, 10.0, us).profit == pytest.approx(36 - 5.4 - 10)


@pytest.mark.parametrize(("price", "flagged"), [(12.5, False), (12.49, True)])
def test_net_margin_below_minimum_is_flagged(price: float, flagged: bool) -> None:
    tuned = DecideSettings(min_net_margin=0.2)
    margin = net_margin(price, unit_cost=10.0, market=MarketCosts("SEA"), settings=tuned)
    assert bool(margin.reasons) is flagged
