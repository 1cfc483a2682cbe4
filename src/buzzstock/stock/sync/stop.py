"""D-6 in the stock hub: a SKU held by the emergency stop takes no reservation (refused with the
rule id) and shows 0 on every channel; lifting the stop restores both.

Both run inside the caller's transaction, so the decision to stop and the stop itself commit
together.
"""

from __future__ import annotations

from sqlalchemy import Connection, select, update

from buzzstock.core.context import Context
from buzzstock.stock.pool import EMERGENCY_STOP, set_paused_in
from buzzstock.stock.store import channel_listings
from buzzstock.stock.sync.allotment import publish_many_in


def stop_selling_in(connection: Connection, ctx: Context, sku: str, reason: str) -> int:
    """Hold ``sku``: refuse reservations, publish 0 on each of its listings (what they showed
    is kept to restore); returns the listings zeroed."""
    set_paused_in(connection, sku, True, reason, ctx.clock.now(), rule=EMERGENCY_STOP)
    listings = list(
        connection.execute(
            select(channel_listings.c.channel, channel_listings.c.published_units)
            .where(channel_listings.c.sku == sku, channel_listings.c.held_units.is_(None))
            .order_by(channel_listings.c.channel)
        )
    )
    publish_many_in(
        connection, ctx, [(row.channel, sku, int(row.published_units)) for row in listings]
    )
    return len(listings)


def resume_selling_in(connection: Connection, ctx: Context, sku: str) -> int:
    """Lift the hold on ``sku``: reservations again, and every listing shows what it showed (or
    was asked to show) before; returns the listings restored."""
    if not set_paused_in(connection, sku, False, None, ctx.clock.now(), rule=EMERGENCY_STOP):
        return 0
    held = list(
        connection.execute(
            select(channel_listings.c.channel, channel_listings.c.held_units)
            .where(channel_listings.c.sku == sku, channel_listings.c.held_units.is_not(None))
            .order_by(channel_listings.c.channel)
        )
    )
    connection.execute(
        update(channel_listings).where(channel_listings.c.sku == sku).values(held_units=None)
    )
    publish_many_in(connection, ctx, [(row.channel, sku, int(row.held_units)) for row in held])
    return len(held)
