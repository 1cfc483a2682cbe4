"""D-9/L-10: events that feed the supplier portal: the heat curve and prepare-production notices
(``TrendAlertRaised``) and what customers ask for (``AttributeRequests``).
"""

from __future__ import annotations

from buzzstock.core.context import Context
from buzzstock.core.events import Event
from buzzstock.decide import (
    portal,
)
from buzzstock.decide.handler_support import catalogue_entry, claim_event
from buzzstock.decide.settings import DecideSettings
from buzzstock.listen.events import AttributeRequests, TrendAlertRaised
from buzzstock.listen.service import ListenSettings

TIERS = ("yellow", "orange", "red")


def on_trend_alert(ctx: Context, event: Event) -> None:
    """L-5 alerts feed the heat curve suppliers see; an orange or red alert above heat 150
    warns suppliers to prepare production (D-9), unless the heat looks bought (L-7)."""
    alert = TrendAlertRaised.from_payload(event.payload)
    sku = alert.sku
    entry = catalogue_entry(ctx, sku)
    if entry is None:
        return
    now = ctx.clock.now()
    settings = ctx.section(DecideSettings, category=str(entry["category"]))
    listen = ctx.section(ListenSettings, category=str(entry["category"]))
    warns = (
        alert.tier in TIERS
        and TIERS.index(alert.tier) >= TIERS.index(settings.prepare_production_min_tier)
        and alert.fake_heat_probability < listen.fake_heat_probability_alert
    )
    with ctx.engine.begin() as connection:
        if not claim_event(connection, event, "trend_alert", now):
            return
        portal.record_heat(
            connection,
            sku,
            event.occurred_at,
            alert.heat,
            "TrendAlertRaised",
            growth=alert.growth,
            positive_share=alert.positive_share,
            platforms=alert.platforms,
        )
        if warns:
            portal.send_prepare_notices(connection, settings, sku, alert.heat, now)


def on_attribute_requests(ctx: Context, event: Event) -> None:
    """L-10: what customers ask for (bigger size, eco material ...), shared with suppliers."""
    asked = AttributeRequests.from_payload(event.payload)
    if catalogue_entry(ctx, asked.sku) is None:
        return
    now = ctx.clock.now()
    with ctx.engine.begin() as connection:
        if claim_event(connection, event, "attribute_requests", now):
            portal.record_attribute_requests(
                connection, asked.sku, asked.requests, event.occurred_at
            )
