"""The stock hub's front door (SPEC §3): its use cases, for the API, the CLI and other
capabilities."""

from buzzstock.stock.live import evaluate_live_rules, skus_selling_now
from buzzstock.stock.opening import StockPlan, apply_stock_plan, apply_stock_plan_in
from buzzstock.stock.orders import Order, confirm, get_order, ship, units_sold
from buzzstock.stock.pool import (
    add_in_transit,
    add_in_transit_in,
    arrive,
    arrive_in,
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
from buzzstock.stock.rows import has_pool, pool_exists
from buzzstock.stock.sync.inbox import expire_inbox
from buzzstock.stock.sync.stop import resume_selling_in, stop_selling_in
from buzzstock.stock.view import stock_view

__all__ = [
    "Order",
    "Reservation",
    "StockPlan",
    "add_in_transit",
    "add_in_transit_in",
    "apply_stock_plan",
    "apply_stock_plan_in",
    "arrive",
    "arrive_in",
    "cancel",
    "confirm",
    "evaluate_live_rules",
    "expire_inbox",
    "get_order",
    "get_reservation",
    "has_pool",
    "move_quota",
    "pool_exists",
    "receive",
    "release_expired",
    "reserve",
    "resume_selling_in",
    "set_buyer_limit",
    "set_paused",
    "set_quotas",
    "ship",
    "skus_selling_now",
    "stock_view",
    "stop_selling_in",
    "units_sold",
]
