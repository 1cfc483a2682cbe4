"""D-7: heat-linked pricing and stock allocation, with net margin per market."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from buzzstock.core.errors import InvalidInput
from buzzstock.decide.explain import Reason
from buzzstock.decide.settings import DecideSettings

DEFAULT_SETTINGS = DecideSettings()


class HeatPhase(StrEnum):
    EARLY_SPREAD = "early_spread"
    RAPID_RISE = "rapid_rise"
    PEAK = "peak"
    EARLY_DECLINE = "early_decline"


def heat_phase(
    growth_percent: float, declining: bool = False, settings: DecideSettings = DEFAULT_SETTINGS
) -> HeatPhase:
    """D-7: phase from discussion growth (< 100 % early, 100–200 % rising, > 200 % peak)."""
    if declining:
        return HeatPhase.EARLY_DECLINE
    if growth_percent < settings.rapid_rise_growth:
        return HeatPhase.EARLY_SPREAD
    if growth_percent <= settings.peak_growth:
        return HeatPhase.RAPID_RISE
    return HeatPhase.PEAK


@dataclass(frozen=True)
class PriceProposal:
    phase: HeatPhase
    base_price: float
    price: float
    offer_discount: float
    allocation_share: float
    hot_product: bool
    notify_supplier: bool
    scarcity_messaging: bool
    bundles: bool
    reasons: tuple[Reason, ...]

    @property
    def markup(self) -> float:
        return self.price / self.base_price - 1


def _between(low: float, high: float, position: float) -> float:
    return low + (high - low) * min(1.0, max(0.0, position))


def propose_price(
    base_price: float,
    growth_percent: float,
    heat_index: float,
    declining: bool = False,
    stock_days: float | None = None,
    channel_velocity_ratio: float | None = None,
    settings: DecideSettings = DEFAULT_SETTINGS,
) -> PriceProposal:
    """D-7: the price for one channel from the heat phase, stock depth and channel velocity.

    ``stock_days`` is how many days of current sales the stock covers; the velocity ratio is the
    channel's sell-through speed over the average of all channels.
    """
    if base_price <= 0:
        raise InvalidInput("base price must be > 0", rule="D-7")
    s = settings
    phase = heat_phase(growth_percent, declining, s)
    reasons: list[Reason] = []
    offer = 0.0
    if phase is HeatPhase.EARLY_SPREAD:
        markup, allocation = 0.0, s.early_allocation_share
        offer = s.early_offer_discount
        text = f"growth {growth_percent:g} % < {s.rapid_rise_growth:g} %: normal price + "
        text += f"{offer:.0%} limited-time offer, allocate {allocation:.0%} of stock"
    elif phase is HeatPhase.RAPID_RISE:
        position = (growth_percent - s.rapid_rise_growth) / (s.peak_growth - s.rapid_rise_growth)
        markup = _between(s.rise_markup_min, s.rise_markup_max, position)
        allocation = s.rise_allocation_share
        text = f"rapid rise (growth {growth_percent:g} %): +{markup:.1%} "
        text += f"({s.rise_markup_min:.0%}–{s.rise_markup_max:.0%}), allocate {allocation:.0%}"
    elif phase is HeatPhase.PEAK:
        position = (growth_percent - s.peak_growth) / (s.peak_growth_full_premium - s.peak_growth)
        markup = _between(s.peak_markup_min, s.peak_markup_max, position)
        allocation = 1 - s.peak_reserve_share
        text = f"peak (growth {growth_percent:g} %): premium +{markup:.1%} "
        text += f"({s.peak_markup_min:.0%}–{s.peak_markup_max:.0%}), keep "
        text += f"{s.peak_reserve_share:.0%} back, scarcity messaging"
    else:
        markup, allocation = 0.0, 1.0
        text = "early decline: back to normal price, bundles, clear remaining stock"
    reasons.append(Reason("D-7", text, {"growth_percent": growth_percent, "markup": markup}))
    hot = heat_index > s.hot_heat_index and phase is not HeatPhase.EARLY_DECLINE
    if hot:
        floor = s.hot_price_factor - 1
        if markup < floor:
            markup = floor
        reasons.append(
            Reason(
                "D-7",
                f"heat index {heat_index:g} > {s.hot_heat_index:g}: price at least base x "
                f"{s.hot_price_factor:g}, 'hot product' tag, stock alert to supplier",
                {"heat_index": heat_index, "factor": s.hot_price_factor},
            )
        )
    if stock_days is not None and phase is not HeatPhase.EARLY_DECLINE:
        if stock_days > s.deep_stock_days:
            markup -= s.deep_stock_discount
            reasons.append(
                Reason(
                    "D-7",
                    f"stock covers {stock_days:g} days > {s.deep_stock_days:g}: "
                    f"-{s.deep_stock_discount:.0%} to move it",
                    {"stock_days": stock_days},
                )
            )
        elif stock_days < s.thin_stock_days:
            markup += s.thin_stock_premium
            offer = 0.0
            reasons.append(
                Reason(
                    "D-7",
                    f"stock covers {stock_days:g} days < {s.thin_stock_days:g}: "
                    f"+{s.thin_stock_premium:.0%}, no offer",
                    {"stock_days": stock_days},
                )
            )
    if channel_velocity_ratio is not None:
        if channel_velocity_ratio > s.fast_channel_ratio:
            markup += s.fast_channel_premium
            reasons.append(
                Reason(
                    "D-7",
                    f"channel sells {channel_velocity_ratio:g}x the average "
                    f"(> {s.fast_channel_ratio:g}x): +{s.fast_channel_premium:.0%}",
                    {"velocity_ratio": channel_velocity_ratio},
                )
            )
        elif channel_velocity_ratio < s.slow_channel_ratio:
            markup -= s.slow_channel_discount
            reasons.append(
                Reason(
                    "D-7",
                    f"channel sells {channel_velocity_ratio:g}x the average "
                    f"(< {s.slow_channel_ratio:g}x): -{s.slow_channel_discount:.0%}",
                    {"velocity_ratio": channel_velocity_ratio},
                )
            )
    return PriceProposal(
        phase=phase,
        base_price=base_price,
        price=round(base_price * (1 + markup), 2),
        offer_discount=offer,
        allocation_share=allocation,
        hot_product=hot,
        notify_supplier=hot,
        scarcity_messaging=phase is HeatPhase.PEAK,
        bundles=phase is HeatPhase.EARLY_DECLINE,
        reasons=tuple(reasons),
    )


@dataclass(frozen=True)
class MarketCosts:
    """What a market takes from a sale: tax included in the price, fees, duty and freight."""

    market: str
    vat_rate: float = 0.0
    platform_fee_rate: float = 0.0
    payment_fee_rate: float = 0.0
    fixed_fee_per_unit: float = 0.0
    duty_rate: float = 0.0
    freight_per_unit: float = 0.0


@dataclass(frozen=True)
class NetMargin:
    market: str
    net_revenue: float
    landed_cost: float
    profit: float
    margin_share: float
    reasons: tuple[Reason, ...]


def net_margin(
    price: float,
    unit_cost: float,
    market: MarketCosts,
    settings: DecideSettings = DEFAULT_SETTINGS,
) -> NetMargin:
    """D-7: profit per unit in one market after tax and fees; flags a margin below the minimum.

    VAT is taken as included in the consumer price (EU, UK style); platform and payment fees
    are charged on the price paid; duty is charged on the unit cost.
    """
    if price <= 0:
        raise InvalidInput("price must be > 0", rule="D-7")
    before_tax = price / (1 + market.vat_rate)
    fees = price * (market.platform_fee_rate + market.payment_fee_rate) + market.fixed_fee_per_unit
    net_revenue = before_tax - fees
    landed = unit_cost * (1 + market.duty_rate) + market.freight_per_unit
    profit = net_revenue - landed
    share = profit / price
    reasons: tuple[Reason, ...] = ()
    if share < settings.min_net_margin:
        reasons = (
            Reason(
                "D-7",
                f"{market.market}: net margin {share:.1%} of the price is below the minimum "
                f"{settings.min_net_margin:.1%}",
                {"profit": profit, "margin_share": share},
            ),
        )
    return NetMargin(market.market, net_revenue, landed, profit, share, reasons)
