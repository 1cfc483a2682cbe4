"""Every SPEC §2 (Decide) threshold as one typed setting, the SPEC value as its default.

Values marked "buzzstock default" have no number in the seeds; they are our starting point and a
seller tunes them per category and market like every other setting.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from buzzstock.core.settings import Group


class DecideSettings(Group):
    """SPEC §2: replenishment, suppliers, pricing, exit."""

    section: ClassVar[str] = "decide"

    # D-1 supplier tiers and micro-seller grades
    fast_tier_min_days: int = Field(7, ge=0, description="D-1: fast tier delivers in 7–10 days.")
    fast_tier_max_days: int = Field(10, ge=0, description="D-1: fast tier delivers in 7–10 days.")
    fast_tier_cost_factor: float = Field(
        1.15, gt=0, description="D-1: the fast tier costs 15 % more than the base unit cost."
    )
    balanced_tier_min_days: int = Field(
        15, ge=0, description="D-1: balanced tier delivers in 15–20 days."
    )
    balanced_tier_max_days: int = Field(
        20, ge=0, description="D-1: balanced tier delivers in 15–20 days."
    )
    balanced_tier_cost_factor: float = Field(
        1.0, gt=0, description="D-1: the balanced tier costs the base unit cost."
    )
    cost_optimised_tier_min_days: int = Field(
        30, ge=0, description="D-1: cost-optimised tier delivers in 30–45 days."
    )
    cost_optimised_tier_max_days: int = Field(
        45, ge=0, description="D-1: cost-optimised tier delivers in 30–45 days."
    )
    cost_optimised_tier_cost_factor: float = Field(
        0.90, gt=0, description="D-1: the cost-optimised tier costs 10 % less than the base."
    )
    tier_for_alert: dict[str, str] = Field(
        default_factory=lambda: {"red": "fast", "orange": "balanced", "yellow": "cost_optimised"},
        description="D-1: the alert level (L-5) picks the supplier tier (buzzstock default "
        "mapping: the hotter the alert, the faster the tier).",
    )
    grade_a_max_units: int = Field(
        100, gt=0, description="D-1: grade A suppliers accept orders below 100 units."
    )
    grade_a_delivery_days: int = Field(
        7, ge=0, description="D-1: grade A suppliers deliver within 7 days."
    )
    grade_a_keep_min: int = Field(2, ge=0, description="D-1: keep 2–3 grade A suppliers.")
    grade_a_keep_max: int = Field(3, ge=0, description="D-1: keep 2–3 grade A suppliers.")
    grade_b_max_units: int = Field(
        300, gt=0, description="D-1: grade B suppliers accept orders below 300 units."
    )
    grade_b_delivery_days: int = Field(
        10, ge=0, description="D-1: grade B suppliers deliver within 10 days."
    )
    grade_b_keep_min: int = Field(5, ge=0, description="D-1: keep 5–8 grade B suppliers.")
    grade_b_keep_max: int = Field(8, ge=0, description="D-1: keep 5–8 grade B suppliers.")
    grade_c_keep_min: int = Field(
        1, ge=0, description="D-1: keep at least one grade C (regular backup) supplier."
    )

    # D-2 order split
    split_fragmentation_penalty: float = Field(
        50.0,
        ge=0,
        description="D-2: cost added per supplier used, so the split avoids over-fragmentation "
        "(buzzstock default, in the order currency).",
    )

    # D-3 replenishment ladder
    stage_one_early_days: int = Field(
        4,
        ge=0,
        description="D-2/D-3: the first units of a stage-1 order must land within this many "
        "days (seed 002 case: the first 100 of 300 ship on day 4).",
    )
    stage_one_early_share: float = Field(
        0.33,
        ge=0,
        le=1,
        description="D-2/D-3: share of a stage-1 order that must land within "
        "stage_one_early_days (seed 002 case: 100 of 300).",
    )
    stage_one_min_units: int = Field(
        100, gt=0, description="D-3: stage 1 test order by air, 100–200 units."
    )
    stage_one_max_units: int = Field(
        200, gt=0, description="D-3: stage 1 test order by air, 100–200 units."
    )
    stage_two_sellout_hours: float = Field(
        72.0, gt=0, description="D-3: stage 2 starts when the first batch sells out within 72 h."
    )
    stage_two_min_units: int = Field(
        300, gt=0, description="D-3: stage 2 adds 300–500 units by air + fast sea."
    )
    stage_two_max_units: int = Field(
        500, gt=0, description="D-3: stage 2 adds 300–500 units by air + fast sea."
    )
    stage_three_heat_days: int = Field(
        14, gt=0, description="D-3: stage 3 safety stock by sea when heat holds >= 14 days."
    )
    stage_two_air_share: float = Field(
        0.5,
        ge=0,
        le=1,
        description="D-3: share of a stage-2 order that goes by air; the rest goes by fast sea "
        "(buzzstock default; all by air when no supplier ships by fast sea).",
    )
    stage_three_heat_floor: float = Field(
        150.0,
        ge=0,
        description="D-3: heat counts as held while every reading stays at or above this index "
        "(buzzstock default, the D-6 auto-execute threshold).",
    )

    # D-4 quantities
    policy: Literal["seed", "optimised"] = Field(
        "seed",
        description="D-3/D-4: how a confirmed trend's stage-1 order is sized: 'seed' (first "
        "order = 50 % of validation demand) or 'optimised' (newsvendor from the demand "
        "forecast over the chosen tier's lead time); set it per category.",
    )
    validation_period_days: float = Field(
        7.0,
        gt=0,
        description="D-4: optimised policy: days the validation demand was seen over, to turn it "
        "into a daily forecast when the event gives none (buzzstock default).",
    )
    first_order_share: float = Field(
        0.50,
        gt=0,
        le=1,
        description="D-4: seed playbook first order = 50 % of the validation-period demand.",
    )
    reorder_point_days: float = Field(
        7.0, gt=0, description="D-4: seed playbook reorder point = 7 days of sales."
    )
    regular_replenishment_share: float = Field(
        0.30,
        ge=0,
        lt=1,
        description="D-4: keep 30 % of purchasing for regular, non-trend replenishment.",
    )
    reorder_service_level: float = Field(
        0.95,
        gt=0,
        lt=1,
        description="D-4: optimised policy: chance the reorder point covers demand over the "
        "chosen tier's lead time (buzzstock default).",
    )
    slow_freight_evidence_days: int = Field(
        14,
        gt=0,
        description="D-4: optimised policy: slow sea freight only after demand has held a base "
        "level for this many days (aligned with D-3 stage 3).",
    )
    slow_freight_cover_days: int = Field(
        30,
        gt=0,
        description="D-4: optimised policy: days of the proven base demand one slow (sea) order "
        "covers (buzzstock default).",
    )

    # D-5 cash
    max_order_share_of_funds: float = Field(
        0.30, gt=0, le=1, description="D-5: one order's cash <= 30 % of liquid funds."
    )
    daily_order_share_of_funds: float = Field(
        0.50,
        gt=0,
        le=1,
        description="D-5: daily cap on cash committed to orders, as a share of liquid funds "
        "(buzzstock default; the seed asks for a cap without a number).",
    )
    cash_forecast_days: int = Field(
        7, gt=0, description="D-5: the cash-flow forecast looks 7 days ahead and warns of gaps."
    )
    cash_floor: float = Field(
        0.0,
        description="D-5: the forecast warns on days the balance would fall below this amount.",
    )
    presale_days: int = Field(7, gt=0, description="D-5: presale runs 7 days.")
    presale_discount: float = Field(0.10, ge=0, lt=1, description="D-5: presale price is 10 % off.")
    presale_cash_share: float = Field(
        0.30,
        ge=0,
        le=1,
        description="D-5: a presale recovers about 30 % of an order's cash early.",
    )

    # D-6 decision matrix
    auto_heat_min: float = Field(
        150.0,
        ge=0,
        description="D-6: a confirmed trend from this heat index up (150–200: a healthy rise) "
        "may order stage 1 automatically; below it decide keeps watching.",
    )
    auto_positive_share: float = Field(
        0.85,
        ge=0,
        le=1,
        description="D-6: auto-execute needs more than 85 % positive mentions; at or below this "
        "share sentiment counts as mixed.",
    )
    review_heat: float = Field(
        200.0,
        ge=0,
        description="D-6: above this heat index a trend is very hot: with mixed sentiment a "
        "person reviews it; with clear sentiment its stage-1 test order still runs.",
    )
    new_category: bool = Field(
        False,
        description="D-6: the seller is new to this category (set it per category): its "
        "trends go to procurement review instead of ordering automatically.",
    )
    undo_window_minutes: float = Field(
        15.0,
        ge=0,
        description="D-6: an auto-executed order waits this long, scheduled, where a person can "
        "undo it; then the worker sends it to the suppliers.",
    )
    authority_limit: float = Field(
        5000.0,
        ge=0,
        description="D-6: orders up to this cash amount may run without approval "
        "(seed: 5,000 CNY).",
    )
    authority_currency: str = Field("CNY", description="D-6: currency of the authority limit.")

    # D-7 pricing and allocation
    rapid_rise_growth: float = Field(
        100.0, description="D-7: phase 'rapid rise' starts at 100 % discussion growth."
    )
    peak_growth: float = Field(
        200.0, description="D-7: phase 'peak' starts above 200 % discussion growth."
    )
    peak_growth_full_premium: float = Field(
        300.0,
        description="D-7: growth at which the peak premium reaches its top (buzzstock default).",
    )
    early_offer_discount: float = Field(
        0.05,
        ge=0,
        lt=1,
        description="D-7: early spread: normal price with a limited-time offer of this size "
        "(buzzstock default).",
    )
    rise_markup_min: float = Field(0.05, ge=0, description="D-7: rapid rise: raise price 5–15 %.")
    rise_markup_max: float = Field(0.15, ge=0, description="D-7: rapid rise: raise price 5–15 %.")
    peak_markup_min: float = Field(0.15, ge=0, description="D-7: peak: premium 15–25 %.")
    peak_markup_max: float = Field(0.25, ge=0, description="D-7: peak: premium 15–25 %.")
    early_allocation_share: float = Field(
        0.30, ge=0, le=1, description="D-7: early spread: allocate 30 % of stock."
    )
    rise_allocation_share: float = Field(
        0.50, ge=0, le=1, description="D-7: rapid rise: allocate 50 % of stock."
    )
    peak_reserve_share: float = Field(
        0.20, ge=0, le=1, description="D-7: peak: keep 20 % of stock back."
    )
    hot_heat_index: float = Field(
        180.0,
        ge=0,
        description="D-7: heat index above 180 -> price = base x 1.15, hot-product tag.",
    )
    hot_price_factor: float = Field(1.15, gt=0, description="D-7: price factor above heat 180.")
    deep_stock_days: float = Field(
        30.0,
        gt=0,
        description="D-7: stock covering more than this many days of sales is deep: promote "
        "harder (buzzstock default).",
    )
    deep_stock_discount: float = Field(
        0.05, ge=0, lt=1, description="D-7: price cut for deep stock (buzzstock default)."
    )
    thin_stock_days: float = Field(
        7.0,
        gt=0,
        description="D-7: stock covering fewer days than this is thin: drop offers, add a "
        "scarcity premium (buzzstock default).",
    )
    thin_stock_premium: float = Field(
        0.05, ge=0, description="D-7: price rise for thin stock (buzzstock default)."
    )
    fast_channel_ratio: float = Field(
        1.5,
        gt=1,
        description="D-7: a channel selling this many times faster than the average is fast "
        "(buzzstock default).",
    )
    fast_channel_premium: float = Field(
        0.03, ge=0, description="D-7: price rise on a fast channel (buzzstock default)."
    )
    slow_channel_ratio: float = Field(
        0.5,
        gt=0,
        lt=1,
        description="D-7: a channel selling slower than this share of the average is slow "
        "(buzzstock default).",
    )
    slow_channel_discount: float = Field(
        0.05, ge=0, lt=1, description="D-7: price cut on a slow channel (buzzstock default)."
    )
    min_net_margin: float = Field(
        0.0,
        description="D-7: a price whose net margin per market (after tax and fees) falls below "
        "this share of the price is flagged.",
    )

    # D-8 exit
    markdown_start_day: int = Field(
        3, ge=1, description="D-8: the markdown ladder starts on day 3 of the decline."
    )
    markdown_days: int = Field(7, gt=0, description="D-8: the ladder clears stock over 7 days.")
    markdown_clear_share: float = Field(
        0.80, gt=0, le=1, description="D-8: the ladder aims to clear 80 % of stock."
    )
    markdown_price_step: float = Field(
        0.05,
        gt=0,
        lt=1,
        description="D-8: ladder prices are multiples of this share of the base price "
        "(buzzstock default).",
    )

    markdown_price_elasticity: float = Field(
        3.0,
        gt=0,
        description="D-8: price elasticity of demand at the base price, used for the markdown "
        "price model until your own sales fit one (buzzstock default).",
    )
    markdown_floor_share: float = Field(
        0.50,
        gt=0,
        le=1,
        description="D-8: markdown prices never go below this share of the base price "
        "(buzzstock default).",
    )
    decline_daily_retention: float = Field(
        0.85,
        gt=0,
        le=1,
        description="D-8: share of a declining trend's demand left the next day (L-9: a decline "
        "is a fall of more than 15 % a day).",
    )

    # D-9 supplier data sharing
    prepare_notice_quiet_days: int = Field(
        7,
        ge=0,
        description="D-9: a supplier gets at most one 'prepare production' notice per product "
        "in this many days (buzzstock default).",
    )
    supplier_forecast_weeks: int = Field(
        4, ge=2, le=8, description="D-9: suppliers see a demand forecast 2–4 weeks ahead."
    )
    forecast_history_days: int = Field(
        14,
        gt=0,
        description="D-9: days of heat history the supplier forecast is fitted on "
        "(buzzstock default).",
    )
    prepare_production_heat: float = Field(
        150.0,
        ge=0,
        description="D-9: heat index above 150 sends suppliers a 'prepare production' notice.",
    )
    prepare_production_min_tier: Literal["yellow", "orange", "red"] = Field(
        "orange",
        description="D-9/L-5: alerts below this tier send no 'prepare production' notice "
        "(L-5: a yellow alert means 'prepare product data, ask for quotes'; orange a trial order).",
    )

    # S-2 purchase orders in transit
    ship_eta_past_skew_seconds: int = Field(
        900,
        ge=0,
        le=86_400,
        description="S-2: a purchase order shipped with an ETA further in the past than this is "
        "refused (buzzstock default: 15 minutes, for clocks that disagree a little).",
    )

    # D-10 quality and spares
    qc_rounds_normal: int = Field(1, ge=1, description="D-10: QC sampling rounds per batch.")
    qc_hit_multiplier: int = Field(
        3, ge=1, description="D-10: QC sampling is tripled per batch during a hit."
    )
    spare_share: float = Field(
        0.03, ge=0, lt=1, description="D-10: keep 3 % spare stock for exchanges."
    )
