"""Decide's front door (SPEC §2): what the API, the CLI, the demo and other capabilities use.

Everything here opens its own unit of work, except the ``*_in`` functions, which work inside
the caller's transaction; the modules behind it are decide's own.
"""

from buzzstock.decide.actions import act
from buzzstock.decide.cash_store import (
    CashEntry,
    add_cash_flow,
    cash_overview,
    set_liquid_funds,
    set_opening_funds,
    set_opening_funds_in,
)
from buzzstock.decide.handlers import register_decide_handlers
from buzzstock.decide.ladder import Freight
from buzzstock.decide.orders import (
    approve_order,
    cancel_order,
    create_order,
    get_order,
    list_orders,
    receive_order,
    resume_order,
    send_order,
    ship_order,
    start_production,
)
from buzzstock.decide.price_decisions import current_price, propose_price_change
from buzzstock.decide.proposal import ProposalAction, ProposalStatus
from buzzstock.decide.purchase_decisions import propose_purchase
from buzzstock.decide.queue import MARKDOWN, PRICE, PURCHASE, get_decision, list_decisions
from buzzstock.decide.registry import (
    FreightTerms,
    SupplierEntry,
    SupplierSpec,
    deactivate_supplier,
    get_supplier,
    list_suppliers,
    save_supplier,
    save_supplier_in,
)
from buzzstock.decide.schedule import send_due_decisions
from buzzstock.decide.stops import get_stop, lift_stop, list_stops, raise_stop
from buzzstock.decide.suppliers import Grade, Tier

__all__ = [
    "MARKDOWN",
    "PRICE",
    "PURCHASE",
    "CashEntry",
    "Freight",
    "FreightTerms",
    "Grade",
    "ProposalAction",
    "ProposalStatus",
    "SupplierEntry",
    "SupplierSpec",
    "Tier",
    "act",
    "add_cash_flow",
    "approve_order",
    "cancel_order",
    "cash_overview",
    "create_order",
    "current_price",
    "deactivate_supplier",
    "get_decision",
    "get_order",
    "get_stop",
    "get_supplier",
    "lift_stop",
    "list_decisions",
    "list_orders",
    "list_stops",
    "list_suppliers",
    "propose_price_change",
    "propose_purchase",
    "raise_stop",
    "receive_order",
    "register_decide_handlers",
    "resume_order",
    "save_supplier",
    "save_supplier_in",
    "send_due_decisions",
    "send_order",
    "set_liquid_funds",
    "set_opening_funds",
    "set_opening_funds_in",
    "ship_order",
    "start_production",
]
