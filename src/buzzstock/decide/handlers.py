"""The events decide consumes, turned into stored, explained decisions (D-3, D-6, D-8, D-9).

Each handler runs when the outbox dispatcher delivers an event, parses it once into its typed
event (docs/events.md) and is idempotent by event id: the id is recorded in the same
transaction as the handler's effect, so a repeated delivery changes nothing.

* ``TrendConfirmed`` (listen): the decision matrix and a stage-1 order (D-6, D-3).
* ``TrendAlertRaised`` (listen): the heat curve suppliers see; prepare-production notices.
* ``TrendDeclining`` (listen): the exit (D-8).
* ``AttributeRequests`` (listen): what customers ask for, shared with suppliers (L-10).
* ``CrisisRaised`` (respond): at level 3, the emergency stop (D-6).
* ``OrderConfirmed`` (stock): re-checks the ladders (D-3 stages 2 and 3).
"""

from __future__ import annotations

from collections.abc import Callable

from buzzstock.core.context import Context
from buzzstock.core.events import Event
from buzzstock.core.handler_registry import HandlerRegistry, handlers
from buzzstock.decide.exit_handlers import on_trend_declining
from buzzstock.decide.stops import on_crisis
from buzzstock.decide.supplier_handlers import on_attribute_requests, on_trend_alert
from buzzstock.decide.trend_handlers import on_order_confirmed, on_trend_confirmed

EventHandler = Callable[[Context, Event], None]


HANDLERS: dict[str, tuple[tuple[str, ...], EventHandler]] = {
    "decide.trend_confirmed": (("TrendConfirmed",), on_trend_confirmed),
    "decide.trend_alert": (("TrendAlertRaised",), on_trend_alert),
    "decide.trend_declining": (("TrendDeclining",), on_trend_declining),
    "decide.crisis_stop": (("CrisisRaised",), on_crisis),
    "decide.attribute_requests": (("AttributeRequests",), on_attribute_requests),
    "decide.order_confirmed": (("OrderConfirmed",), on_order_confirmed),
}


def register_decide_handlers(registry: HandlerRegistry = handlers) -> None:
    """Register Decide's event handlers (every worker process must call this once)."""
    for name, (event_types, handler) in HANDLERS.items():
        registry.register(name, event_types, handler)
