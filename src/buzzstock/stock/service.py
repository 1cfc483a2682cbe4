"""The stock hub's front door (SPEC §3): its use cases, for the API, the CLI and other
capabilities."""

from buzzstock.stock.opening import StockPlan, apply_stock_plan
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
from buzzstock.stock.view import stock_view

__all__ = [
    "Order",
    "Reservation",
    "StockPlan",
    "add_in_transit",
    "apply_stock_plan",
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
    "stock_view",
]
