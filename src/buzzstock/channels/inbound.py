"""Folding inbound order lines into stock effects exactly once (pure, no I/O).

S-1/S-6: the same order line reaches the hub through webhook retries, ``updated`` after
``create``, queue redeliveries and reconciliation polls, in any order. ``OrderLineBook`` applies
each line's creation and cancellation at most once, tolerates a cancellation that arrives before
its creation, and reports the change in units sold so the hub can book it. The hub keeps the
durable version of this state in its inbox tables; this is the rule it implements.
"""

from __future__ import annotations

from dataclasses import dataclass

from buzzstock.channels.base import ChannelOrder, OrderStatus


@dataclass
class LineState:
    quantity: int
    status: OrderStatus


class OrderLineBook:
    def __init__(self) -> None:
        self._lines: dict[tuple[str, str], LineState] = {}

    def apply(self, order: ChannelOrder) -> int:
        """Apply one record; returns the change in units sold (+created, -cancelled, 0 dup)."""
        key = (order.channel_order_id, order.sku_ref)
        known = self._lines.get(key)
        if known is None:
            self._lines[key] = LineState(order.quantity, order.status)
            return order.quantity if order.status is OrderStatus.CREATED else 0
        if known.status is OrderStatus.CREATED and order.status is OrderStatus.CANCELLED:
            known.status = OrderStatus.CANCELLED
            return -known.quantity
        return 0

    def units_sold(self, sku_ref: str | None = None) -> int:
        return sum(
            line.quantity
            for (_, line_sku), line in self._lines.items()
            if line.status is OrderStatus.CREATED and (sku_ref is None or line_sku == sku_ref)
        )

    def status_of(self, channel_order_id: str, sku_ref: str) -> OrderStatus | None:
        line = self._lines.get((channel_order_id, sku_ref))
        return None if line is None else line.status
