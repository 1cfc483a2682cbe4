"""Decide's front door (SPEC §2): what the API, the CLI, the demo and other capabilities use.

Everything here opens its own unit of work; the modules behind it are decide's own.
"""

from buzzstock.decide.actions import act
from buzzstock.decide.cash_store import add_cash_flow, cash_overview, set_liquid_funds
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
    SupplierSpec,
    deactivate_supplier,
    get_supplier,
    list_suppliers,
    save_supplier,
)
from buzzstock.decide.suppliers import Grade, Tier

__all__ = [
    "MARKDOWN",
    "PRICE",
    "PURCHASE",
    "Freight",
    "FreightTerms",
    "Grade",
    "ProposalAction",
    "ProposalStatus",
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
    "get_supplier",
    "list_decisions",
    "list_orders",
    "list_suppliers",
    "propose_price_change",
    "propose_purchase",
    "receive_order",
    "register_decide_handlers",
    "resume_order",
    "save_supplier",
    "send_order",
    "set_liquid_funds",
    "ship_order",
    "start_production",
]
