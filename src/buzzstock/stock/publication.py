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
from dataclasses import dataclass

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
    display: int
    """What the hub believes the channel shows now."""
    velocity: float
    """Units per second over the velocity window."""
    pending: bool
    """A push is waiting or in flight: do not stack another top-up on it."""
    compare_and_swap: bool = False
    """Lowering this channel frees units as soon as it acknowledges (see the module docstring)."""


def plan_topups(
    demands: list[ChannelDemand],
    pool_free: int,
    *,
    lead_seconds: float,
    cover_seconds: float,
    min_units: int,
) -> dict[str, int]:
    """S-5: new displays for channels about to run dry, by velocity.

    A channel is topped up when what it shows would last less than ``lead_seconds`` at its
    velocity (the time a push takes to land). It gets enough for ``cover_seconds`` of sales,
    at least ``min_units``. When the pool cannot serve every request, it is shared in
    proportion to velocity (a channel selling twice as fast gets twice the units).
    """
    wanted: dict[str, int] = {}
    for demand in demands:
        if demand.pending:
            continue
        threshold = max(min_units / 2, demand.velocity * lead_seconds)
        if demand.display > threshold:
            continue
        want = max(min_units, math.ceil(demand.velocity * cover_seconds)) - demand.display
        if want > 0:
            wanted[demand.channel] = want
    if not wanted or pool_free <= 0:
        return {}
    granted = share_units(
        pool_free,
        {name: units for name, units in wanted.items()},
        {demand.channel: max(demand.velocity, 0.01) for demand in demands},
    )
    displays = {demand.channel: demand.display for demand in demands}
    return {name: displays[name] + units for name, units in granted.items() if units > 0}


def plan_reclaims(
    demands: list[ChannelDemand],
    starving: set[str],
    *,
    cover_seconds: float,
    min_units: int,
) -> dict[str, int]:
    """S-5: when channels of a region run dry and its pool is empty, lower the displays of the
    region's slow channels to what they sell in ``cover_seconds`` (at least ``min_units``).

    A compare-and-swap channel's units come back on acknowledgement; a blind channel's come
    back at its next reconciliation (until then it may be lowered further than asked, since
    a blind lowering needs spare units to cover the display it overwrites).
    """
    if not starving:
        return {}
    lowered = {}
    for demand in demands:
        if demand.pending or demand.channel in starving:
            continue
        keep = max(min_units, math.ceil(demand.velocity * cover_seconds))
        if demand.display > keep + min_units:
            lowered[demand.channel] = keep
    return lowered


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
