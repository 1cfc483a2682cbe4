"""The events Decide consumes, turned into stored, explained decisions (D-3, D-5, D-6, D-8, D-9).

Each handler runs when the outbox dispatcher delivers an event and is idempotent by event id:
the id is recorded in the same transaction as the handler's effect, so a repeated delivery
changes nothing. Payloads (fields not listed are ignored; ``sku`` may also be sent as
``product_id`` or ``product`` and must be a catalogue SKU code):

* ``TrendConfirmed``: ``sku``, ``heat`` (heat index), optional ``positive_share`` (0–1),
  ``platforms`` / ``platforms_rising`` (list) or ``cross_platform_verified`` (bool),
  ``category_is_new`` (bool), ``negative_event`` (text), ``validation_demand`` (units seen in
  the validation period: presale orders, add-to-carts), ``daily_demand`` and
  ``daily_demand_std`` (the demand forecast per day, for the optimised policy),
  ``growth_percent``, ``warehouse``.
  Missing sentiment and platforms are taken from the SKU's latest ``TrendAlertRaised``.
* ``TrendAlertRaised``: ``sku``, ``heat``, optional ``growth``, ``positive_share``,
  ``platforms_rising``.
* ``TrendDeclining``: ``sku``, optional ``heat``, ``daily_units`` (recent sales per day).
* ``CrisisRaised``: ``sku`` or ``skus``, ``level`` (acts at 3), optional ``reason``.
* ``EmergencyStop``: ``sku`` or ``skus``, optional ``reason``.
* ``AttributeRequests``: ``sku``, ``requests`` as ``{"attribute": count}`` or a list of
  ``{"attribute": ..., "count": ...}``.
* ``OrderConfirmed`` (from the stock hub): ``sku``, ``units``; each one re-checks the ladders
  (D-3 stages 2 and 3, ``replenish.advance_ladders``).
"""

from __future__ import annotations

from collections.abc import Callable

from buzzstock.core.context import Context
from buzzstock.core.events import Event
from buzzstock.core.handler_registry import HandlerRegistry, handlers
from buzzstock.decide.exit_handlers import on_emergency, on_trend_declining
from buzzstock.decide.supplier_handlers import on_attribute_requests, on_trend_alert
from buzzstock.decide.trend_handlers import on_order_confirmed, on_trend_confirmed

EventHandler = Callable[[Context, Event], None]


HANDLERS: dict[str, tuple[tuple[str, ...], EventHandler]] = {
    "decide.trend_confirmed": (("TrendConfirmed",), on_trend_confirmed),
    "decide.trend_alert": (("TrendAlertRaised",), on_trend_alert),
    "decide.trend_declining": (("TrendDeclining",), on_trend_declining),
    "decide.emergency": (("CrisisRaised", "EmergencyStop"), on_emergency),
    "decide.attribute_requests": (("AttributeRequests",), on_attribute_requests),
    "decide.order_confirmed": (("OrderConfirmed",), on_order_confirmed),
}


def register_decide_handlers(registry: HandlerRegistry = handlers) -> None:
    """Register Decide's event handlers (every worker process must call this once)."""
    for name, (event_types, handler) in HANDLERS.items():
        registry.register(name, event_types, handler)
