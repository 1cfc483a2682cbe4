"""D-9/L-10: events that feed the supplier portal: the heat curve and prepare-production notices
(``TrendAlertRaised``) and what customers ask for (``AttributeRequests``).
"""

from __future__ import annotations

from buzzstock.core.context import Context
from buzzstock.core.events import Event
from buzzstock.decide import (
    portal,
)
from buzzstock.decide.handler_support import (
    catalogue_entry,
    claim_event,
    number_field,
    sku_of,
)
from buzzstock.decide.settings import DecideSettings


def on_trend_alert(ctx: Context, event: Event) -> None:
    """L-5 alerts feed the heat curve suppliers see; heat > 150 warns suppliers (D-9)."""
    payload = event.payload
    sku = sku_of(payload)
    if catalogue_entry(ctx, sku) is None or sku is None:
        return
    now = ctx.clock.now()
    heat = number_field(payload, "heat", 0.0) or 0.0
    with ctx.engine.begin() as connection:
        if not claim_event(connection, event, "trend_alert", now):
            return
        portal.record_heat(
            connection,
            sku,
            event.occurred_at,
            heat,
            "TrendAlertRaised",
            growth=number_field(payload, "growth"),
            positive_share=number_field(payload, "positive_share"),
            platforms=payload.get("platforms_rising") or payload.get("platforms"),
        )
        portal.send_prepare_notices(connection, ctx.section(DecideSettings), sku, heat, now)


def on_attribute_requests(ctx: Context, event: Event) -> None:
    """L-10: what customers ask for (bigger size, eco material ...), shared with suppliers."""
    payload = event.payload
    sku = sku_of(payload)
    if sku is None or catalogue_entry(ctx, sku) is None:
        return
    raw = payload.get("requests")
    requests: dict[str, int] = {}
    if isinstance(raw, dict):
        requests = {str(k): int(v) for k, v in raw.items() if isinstance(v, int | float)}
    elif isinstance(raw, list):
        for item in raw:
            if isinstance(item, dict) and "attribute" in item:
                count = item.get("count", item.get("mentions", 1))
                if isinstance(count, int | float):
                    requests[str(item["attribute"])] = int(count)
    now = ctx.clock.now()
    with ctx.engine.begin() as connection:
        if claim_event(connection, event, "attribute_requests", now):
            portal.record_attribute_requests(connection, sku, requests, event.occurred_at)
