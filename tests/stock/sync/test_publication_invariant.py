"""The publication invariant under arbitrary ack delays, out-of-order answers and late webhooks.

A stateful Hypothesis test drives the hub's publication rules (``stock.publication``) against
simulated channels that behave like the platforms: a blind absolute set overwrites whatever the
channel shows, a compare-and-swap set applies only over the expected value, buyers buy only
what is shown, and the hub hears of each sale whenever the webhook happens to arrive. At every
step: what each channel may still sell (its display plus its sales the hub has not booked) stays
within the exposure the hub counts, which stays within the channel's allotment, so all channels
together never sell more units than exist.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from buzzstock.stock.sync.publication import (
    believed_display,
    exposure_after_ack,
    exposure_after_refusal,
    largest_coverable_value,
    push_extra,
    reconciled_exposure,
    surplus_units,
)

UNITS = 60


@dataclass
class Push:
    value: int
    expected: int | None
    extra: int
    applied: bool | None = None
    observed: int | None = None


@dataclass
class SimChannel:
    compare_and_swap: bool
    display: int = 0
    unbooked: int = 0
    accepted: int = 0
    target: int | None = None
    inflight: Push | None = None
    exposure: int = 0
    allotment: int = 0
    acknowledged: int = 0
    sold_since_ack: int = 0
    answers: list[Push] = field(default_factory=list)


class PublicationMachine(RuleBasedStateMachine):
    @initialize(kinds=st.lists(st.booleans(), min_size=2, max_size=4))
    def open_sale(self, kinds: list[bool]) -> None:
        self.pool = UNITS
        self.booked = 0
        self.channels = [SimChannel(compare_and_swap=kind) for kind in kinds]

    def _settle(self, channel: SimChannel) -> None:
        reserve = 0
        if channel.target is not None and channel.inflight is None:
            expected = believed_display(channel.acknowledged, channel.sold_since_ack)
            reserve = push_extra(channel.target, expected, channel.compare_and_swap)
        surplus = surplus_units(channel.allotment, channel.exposure, reserve)
        channel.allotment -= surplus
        self.pool += surplus

    @rule(index=st.integers(0, 3), units=st.integers(0, 40))
    def publish(self, index: int, units: int) -> None:
        channel = self.channels[index % len(self.channels)]
        channel.target = units

    @rule(index=st.integers(0, 3))
    def claim_push(self, index: int) -> None:
        channel = self.channels[index % len(self.channels)]
        if channel.target is None or channel.inflight is not None:
            return
        cas = channel.compare_and_swap
        expected = believed_display(channel.acknowledged, channel.sold_since_ack) if cas else None
        need = channel.exposure + push_extra(channel.target, expected, cas) - channel.allotment
        moved = max(0, min(need, self.pool))
        self.pool -= moved
        channel.allotment += moved
        value = largest_coverable_value(
            channel.target, expected, cas, channel.allotment - channel.exposure
        )
        extra = push_extra(value, expected, cas)
        channel.exposure += extra
        channel.inflight = Push(value, expected, extra)
        channel.target = None

    @rule(index=st.integers(0, 3))
    def channel_applies(self, index: int) -> None:
        channel = self.channels[index % len(self.channels)]
        push = channel.inflight
        if push is None or push.applied is not None:
            return
        stale = channel.compare_and_swap and channel.display != push.expected
        if stale and push.expected is not None:
            push.applied, push.observed = False, channel.display
            return
        channel.display = push.value
        push.applied = True

    @rule(index=st.integers(0, 3))
    def hub_hears_answer(self, index: int) -> None:
        channel = self.channels[index % len(self.channels)]
        push = channel.inflight
        if push is None or push.applied is None:
            return
        if push.applied:
            channel.exposure = exposure_after_ack(
                channel.exposure, push.extra, push.value, push.expected, channel.compare_and_swap
            )
            channel.acknowledged, channel.sold_since_ack = push.value, 0
        else:
            channel.exposure = exposure_after_refusal(channel.exposure, push.extra)
            channel.sold_since_ack = channel.acknowledged - (push.observed or 0)
            if channel.target is None:
                channel.target = push.value
        channel.inflight = None
        self._settle(channel)

    @rule(index=st.integers(0, 3), units=st.integers(1, 5))
    def buyers_order(self, index: int, units: int) -> None:
        channel = self.channels[index % len(self.channels)]
        sold = min(units, channel.display)
        channel.display -= sold
        channel.unbooked += sold
        channel.accepted += sold

    @rule(index=st.integers(0, 3), units=st.integers(1, 5))
    def webhooks_arrive(self, index: int, units: int) -> None:
        channel = self.channels[index % len(self.channels)]
        booked = min(units, channel.unbooked)
        assert channel.allotment >= booked, "a sale beyond the allotment (oversell exposure)"
        channel.unbooked -= booked
        channel.allotment -= booked
        self.booked += booked
        channel.exposure = max(0, channel.exposure - booked)
        channel.sold_since_ack += booked

    @precondition(lambda self: bool(self.channels))
    @rule(index=st.integers(0, 3))
    def reconcile(self, index: int) -> None:
        channel = self.channels[index % len(self.channels)]
        if channel.inflight is not None or channel.target is not None:
            return
        read = channel.display
        self.webhooks_arrive(index, channel.unbooked)
        channel.exposure = reconciled_exposure(read, 0)
        channel.acknowledged, channel.sold_since_ack = read, 0
        self._settle(channel)

    @invariant()
    def channels_never_sell_more_than_exists(self) -> None:
        if not hasattr(self, "channels"):
            return
        for channel in self.channels:
            may_still_sell = channel.display + channel.unbooked
            push = channel.inflight
            if push is not None and push.applied is None:
                blind = not channel.compare_and_swap or push.expected is None
                if blind or channel.display == push.expected:
                    may_still_sell = max(may_still_sell, push.value + channel.unbooked)
            assert may_still_sell <= channel.exposure <= channel.allotment
        assert self.pool + sum(c.allotment for c in self.channels) + self.booked == UNITS
        assert sum(channel.accepted for channel in self.channels) <= UNITS


PublicationMachine.TestCase.settings = settings(max_examples=150, stateful_step_count=60)
TestPublicationInvariant = PublicationMachine.TestCase
