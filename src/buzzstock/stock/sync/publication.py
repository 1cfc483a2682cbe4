"""Channel publication rules (S-1, S-5, S-6): pure arithmetic, no I/O, no clock.

A marketplace takes orders on its side and tells the hub afterwards, so the hub keeps for each
(channel, SKU) an *exposure*: a bound on the units the channel may still sell plus the units it
sold that the hub has not booked yet. Exposure is backed one for one by free units of the
channel's allotment bucket (``ch:<channel>``), and allotments are carved out of the region
quotas and the elastic pool, so the channels together can never sell more than exists.

How a push changes exposure depends on the platform:

* with compare-and-swap (Shopify ``changeFromQuantity``, the generic webhook's
  ``expected_previous``) the display goes from exactly ``expected`` to ``value`` or not at all,
  so a push needs ``max(0, value - expected)`` extra units while in flight and exposure becomes
  ``exposure - expected + value`` on acknowledgement: a lower value frees units only then;
* a blind absolute set overwrites a display the hub cannot see (sales may be in flight), so a
  push needs ``value`` extra units and keeps them after acknowledgement; the overwritten
  display stays counted until a reconciliation reads the channel back and books every order.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

CHANNEL_BUCKET_PREFIX = "ch:"


def channel_bucket(channel: str) -> str:
    """The quota bucket holding a channel's allotment of a SKU."""
    return f"{CHANNEL_BUCKET_PREFIX}{channel}"


def believed_display(acknowledged_units: int, sold_since_ack: int) -> int:
    """What the hub believes the channel shows: its last acknowledged value minus booked sales."""
    return max(0, acknowledged_units - sold_since_ack)


def push_extra(value: int, expected: int | None, compare_and_swap: bool) -> int:
    """S-6: exposure a push adds while it may take effect (see the module docstring)."""
    if compare_and_swap and expected is not None:
        return max(0, value - expected)
    return value


def largest_coverable_value(
    value: int, expected: int | None, compare_and_swap: bool, coverable: int
) -> int:
    """The largest value not above ``value`` whose extra exposure fits in ``coverable`` units."""
    room = max(0, coverable)
    if compare_and_swap and expected is not None:
        return min(value, expected + room)
    return min(value, room)


def exposure_after_ack(
    exposure: int, extra: int, value: int, expected: int | None, compare_and_swap: bool
) -> int:
    """Exposure once the channel acknowledged ``value``."""
    if compare_and_swap and expected is not None:
        return max(0, exposure - extra + value - expected)
    return exposure


def exposure_after_refusal(exposure: int, extra: int) -> int:
    """The push did not take effect (stale, throttled, rejected): its extra is given back."""
    return max(0, exposure - extra)


def reconciled_exposure(read_units: int, sold_after_read: int) -> int:
    """Exposure known exactly: the display read back, less sales after the read, all booked."""
    return max(0, read_units - sold_after_read)


def surplus_units(free_units: int, exposure: int, reserved_for_pending: int) -> int:
    """Allotment units no exposure needs: they go back to the region quota."""
    return max(0, free_units - exposure - reserved_for_pending)


@dataclass(frozen=True)
class ChannelDemand:
    """What the re-weighting needs to know about one channel (S-5)."""

    channel: str
    region: str
    display: int
    """What the hub believes the channel shows now."""
    rate: float
    """Units per second the channel sells at (``rebalancing.sales_rate``)."""
    pending: bool
    """A push is waiting or in flight: do not stack another change on it."""
    compare_and_swap: bool = False
    """Raising costs only the increase and lowering frees units on acknowledgement; a blind
    channel's new value is counted in full until a reconciliation (module docstring)."""
    rate_settled: bool = False
    """The rate was measured over a whole velocity window (not just the first sales)."""

    @property
    def seconds_left(self) -> float:
        return self.display / self.rate if self.rate > 0 else math.inf

    def cost(self, target: int) -> int:
        """Free units a push of ``target`` needs while it may take effect."""
        return push_extra(target, self.display, self.compare_and_swap)


@dataclass(frozen=True)
class AllotmentPlan:
    """A re-weighting: new displays per channel and quota moved from regions to the elastic
    pool so that another region's channels can be topped up (S-3/S-5)."""

    displays: dict[str, int] = field(default_factory=dict)
    to_elastic: dict[str, int] = field(default_factory=dict)


def plan_allotments(
    demands: list[ChannelDemand],
    region_free: Mapping[str, int],
    elastic_free: int,
    *,
    lead_seconds: float,
    cover_seconds: float,
    min_units: int,
) -> AllotmentPlan:
    """S-5: keep every selling channel supplied so that all of them run dry together.

    The horizon is how long the units left (free and shown) last at the channels' combined
    rate, at most ``cover_seconds``. A channel whose display lasts less than ``lead_seconds``
    (what a push takes to land, plus the webhook delay) is topped up to the horizon's worth of
    its own sales: from its region's free quota, then the elastic pool; regions holding more
    than their own channels need over the horizon lend the rest to the elastic pool. When the
    pool is short, the channel running dry soonest is served first; when it is empty, some
    channels are lowered (``_lowerings``) so their units can move to the starving ones.
    """
    selling = [demand for demand in demands if demand.rate > 0]
    total_rate = sum(demand.rate for demand in selling)
    if total_rate <= 0:
        return AllotmentPlan()
    units_left = sum(region_free.values()) + elastic_free + sum(d.display for d in demands)
    horizon = min(cover_seconds, units_left / total_rate)
    targets = {
        demand.channel: max(min(min_units, units_left), math.ceil(demand.rate * horizon))
        for demand in selling
    }
    short = sorted(
        (
            demand
            for demand in selling
            if not demand.pending
            and demand.seconds_left < lead_seconds
            and targets[demand.channel] > demand.display
        ),
        key=lambda demand: (demand.seconds_left, -demand.rate, demand.channel),
    )
    wanted = {demand.channel: demand.cost(targets[demand.channel]) for demand in short}
    granted, to_elastic = _grant(short, wanted, region_free, elastic_free, selling, targets)
    displays: dict[str, int] = {}
    for demand in short:
        units = granted.get(demand.channel, 0)
        value = demand.display + units if demand.compare_and_swap else units
        if value > demand.display:
            displays[demand.channel] = min(value, targets[demand.channel])
    if any(granted.get(channel, 0) < units for channel, units in wanted.items()):
        keep_seconds = max(horizon, lead_seconds)
        for demand in selling:
            if demand.channel not in displays:
                lowered = _lowering(demand, keep_seconds, lead_seconds, min_units)
                if lowered is not None:
                    displays[demand.channel] = lowered
    return AllotmentPlan(displays, to_elastic)


def _lowering(
    demand: ChannelDemand, keep_seconds: float, lead_seconds: float, min_units: int
) -> int | None:
    """S-5: the display to lower a channel holding far more than it sells to, or None.

    Only compare-and-swap channels, whose units come back on acknowledgement (a blind
    lowering would need units of its own until the next reconciliation), and only on a rate
    measured over a whole window (an early rate is mostly noise)."""
    keep = max(min_units, math.ceil(demand.rate * keep_seconds))
    if (
        demand.compare_and_swap
        and demand.rate_settled
        and not demand.pending
        and demand.seconds_left > keep_seconds + lead_seconds
        and demand.display - keep >= min_units
    ):
        return keep
    return None


def _grant(
    short: list[ChannelDemand],
    wanted: Mapping[str, int],
    region_free: Mapping[str, int],
    elastic_free: int,
    selling: list[ChannelDemand],
    targets: Mapping[str, int],
) -> tuple[dict[str, int], dict[str, int]]:
    """Units for each short channel (``short`` is most urgent first): its region first, then
    the elastic pool, topped up by the surplus of regions whose own channels need less than
    they hold. A short pool serves the channel that runs dry soonest first: a unit shown there
    sells soonest, and a blind channel's push is only worth its cost when it shows more than
    the channel has now."""
    granted: dict[str, int] = {}
    overflow: dict[str, int] = {}
    for region in sorted({demand.region for demand in short}):
        asking = {d.channel: wanted[d.channel] for d in short if d.region == region}
        from_region = serve_in_order(region_free.get(region, 0), asking)
        granted.update(from_region)
        for channel, units in asking.items():
            if units > from_region[channel]:
                overflow[channel] = units - from_region[channel]
    if not overflow:
        return granted, {}
    to_elastic: dict[str, int] = {}
    missing = sum(overflow.values()) - elastic_free
    short_regions = {demand.region for demand in short if demand.channel in overflow}
    for region, free in sorted(region_free.items(), key=lambda item: -item[1]):
        if missing <= 0:
            break
        if region in short_regions:
            continue
        topped_up = sum(granted.get(d.channel, 0) for d in short if d.region == region)
        later_need = sum(
            max(0, targets[d.channel] - d.display)
            for d in selling
            if d.region == region and d.channel not in wanted
        )
        lend = min(missing, free - topped_up - later_need)
        if lend > 0:
            to_elastic[region] = lend
            missing -= lend
    pool = elastic_free + sum(to_elastic.values())
    for channel, units in serve_in_order(pool, overflow).items():
        granted[channel] = granted.get(channel, 0) + units
    return granted, to_elastic


def serve_in_order(available: int, wanted: Mapping[str, int]) -> dict[str, int]:
    """Give each asker, in the mapping's order, what it wants while units last."""
    granted = {}
    for name, units in wanted.items():
        granted[name] = min(units, available)
        available -= granted[name]
    return granted


def share_units(
    available: int, wanted: Mapping[str, int], weights: Mapping[str, float]
) -> dict[str, int]:
    """Give each asker up to what it wants; when short, by weight (largest remainder)."""
    if sum(wanted.values()) <= available:
        return dict(wanted)
    total_weight = sum(weights[name] for name in wanted)
    exact = {name: available * weights[name] / total_weight for name in wanted}
    granted = {name: min(wanted[name], math.floor(value)) for name, value in exact.items()}
    left = available - sum(granted.values())
    for name in sorted(exact, key=lambda item: (math.floor(exact[item]) - exact[item], item)):
        if left <= 0:
            break
        if granted[name] < wanted[name]:
            granted[name] += 1
            left -= 1
    return granted


def host_line(region: str, remaining: int, sellout_minutes: float | None, few_units: int) -> str:
    """S-8: what the host can say on stream about a region's stock."""
    if remaining <= 0:
        return f"Sold out in {region}: next batch coming soon!"
    if sellout_minutes is not None and sellout_minutes < 10:
        minutes = max(1, round(sellout_minutes))
        return f"Only {remaining} left in {region}, gone in about {minutes} min!"
    if remaining <= few_units:
        return f"Only {remaining} left in {region}!"
    return f"{remaining} in stock for {region}: order now!"
