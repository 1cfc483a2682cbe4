"""The stock hub's public use cases, for the API, the CLI and other capabilities."""

from buzzstock.stock.orders import Order, confirm, get_order, ship
from buzzstock.stock.pool import (
    add_in_transit,
    arrive,
    move_quota,
    receive,
    set_buyer_limit,
    set_paused,
    set_quotas,
)
from buzzstock.stock.reservations import (
    Reservation,
    cancel,
    get_reservation,
    release_expired,
    reserve,
)
from buzzstock.stock.rows import has_pool

__all__ = [
    "Order",
    "Reservation",
    "add_in_transit",
    "arrive",
    "cancel",
    "confirm",
    "get_order",
    "get_reservation",
    "has_pool",
    "move_quota",
    "receive",
    "release_expired",
    "reserve",
    "set_buyer_limit",
    "set_paused",
    "set_quotas",
    "ship",
]
