"""Purchase orders: draft -> approved -> sent -> in production -> shipped -> received.

Shipping puts the units in transit at the stock hub with their ETA; receipts (partial ones too)
turn them into stock on hand. Both change the order and the stock hub in one transaction, so the
two never disagree, whatever stops the process; each receipt has its own reference
(``<order>/receipt-<n>``), which the hub books once. What is not yet produced (draft, approved,
sent) can be cancelled; a paid order that is cancelled gives its cash back (D-5). An emergency
stop pauses open orders (D-6): a paused order moves no further until the stop is lifted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, insert, select, update

from buzzstock.catalog.service import warehouses
from buzzstock.core.clock import as_utc
from buzzstock.core.context import Context
from buzzstock.core.db import reading
from buzzstock.core.errors import Conflict, InvalidInput, NotFound
from buzzstock.core.events import record
from buzzstock.core.ids import new_id
from buzzstock.decide import cash_store
from buzzstock.decide.events import (
    OrderLine,
    PurchaseOrderCancelled,
    PurchaseOrderInProduction,
    PurchaseOrderReceived,
    PurchaseOrderSent,
    PurchaseOrderShipped,
)
from buzzstock.decide.exit import OrderStage
from buzzstock.decide.ladder import Freight
from buzzstock.decide.registry import freight_terms, skus_of_supplier
from buzzstock.decide.settings import DecideSettings
from buzzstock.decide.store import purchase_order_lines, purchase_orders, suppliers
from buzzstock.stock import service as stock

NOT_YET_PRODUCED = (OrderStage.DRAFT, OrderStage.APPROVED, OrderStage.SENT)
OrderEvent = (
    PurchaseOrderSent | PurchaseOrderCancelled | PurchaseOrderInProduction | PurchaseOrderShipped
)
PAUSABLE = (*NOT_YET_PRODUCED, OrderStage.IN_PRODUCTION)


def insert_order(
    connection: Connection,
    *,
    supplier: str,
    warehouse: str,
    lines: Sequence[tuple[str, int, float]],
    freight: Freight,
    now: datetime,
    decision_id: str | None = None,
    arrival_days: int | None = None,
    spare_units: int = 0,
    qc_plan: Mapping[str, Any] | None = None,
) -> str:
    """A draft purchase order: ``lines`` are (sku, quantity, unit cost before freight).

    D-10: ``spare_units`` are made and shipped on top of the (single-SKU) lines, for exchanges;
    they are paid like the line's units and kept out of sellable stock. ``qc_plan`` is the QC
    sampling the order is checked with.
    """
    if spare_units and len(lines) != 1:
        raise InvalidInput("spare units go with a single-SKU order", rule="D-10")
    terms = freight_terms(connection, supplier, freight)
    units = sum(quantity for _, quantity, _ in lines) + spare_units
    freight_cost = round(units * terms.cost_per_unit, 2)
    spare_cost = spare_units * lines[0][2] if spare_units else 0.0
    cost = round(sum(quantity * unit for _, quantity, unit in lines) + spare_cost + freight_cost, 2)
    order_id = new_id("po")
    connection.execute(
        insert(purchase_orders).values(
            id=order_id,
            decision_id=decision_id,
            supplier=supplier,
            warehouse=warehouse,
            state=OrderStage.DRAFT.value,
            freight_mode=freight.value,
            transit_days=terms.transit_days,
            freight_cost=freight_cost,
            cost=cost,
            expected_arrival_at=None if arrival_days is None else now + timedelta(arrival_days),
            paused=False,
            created_at=now,
            updated_at=now,
            spare_units=spare_units,
            qc_plan=None if qc_plan is None else dict(qc_plan),
        )
    )
    for sku, quantity, unit_cost in lines:
        connection.execute(
            insert(purchase_order_lines).values(
                order_id=order_id, sku=sku, quantity=quantity, unit_cost=unit_cost, received=0
            )
        )
    return order_id


def create_order(
    ctx: Context,
    *,
    supplier: str,
    warehouse: str,
    lines: Mapping[str, int],
    freight: Freight = Freight.AIR,
    unit_costs: Mapping[str, float] | None = None,
) -> dict[str, Any]:
    """A seller's own draft order to one supplier (outside any trend decision)."""
    if not lines or any(quantity <= 0 for quantity in lines.values()):
        raise InvalidInput("an order needs at least one line, each of at least 1 unit")
    now = ctx.clock.now()
    with ctx.engine.begin() as connection:
        row = connection.execute(select(suppliers).where(suppliers.c.code == supplier)).first()
        if row is None or not row.active:
            raise NotFound(f"no active supplier {supplier!r}")
        _check_warehouse(connection, warehouse)
        made = set(skus_of_supplier(connection, supplier))
        unknown = sorted(set(lines) - made)
        if unknown:
            raise InvalidInput(
                f"supplier {supplier!r} does not make {', '.join(unknown)}; add the SKU to the "
                "supplier first",
                rule="D-1",
            )
        costs = unit_costs or {}
        order_id = insert_order(
            connection,
            supplier=supplier,
            warehouse=warehouse,
            lines=[(sku, q, costs.get(sku, row.unit_cost)) for sku, q in sorted(lines.items())],
            freight=freight,
            now=now,
            arrival_days=row.lead_time_mode_days,
        )
    return get_order(ctx, order_id)


def _check_warehouse(connection: Connection, warehouse: str) -> None:
    """An order must ship to a catalogue warehouse: otherwise it is refused only when it
    ships, after it was approved, paid and produced."""
    known = [str(code) for code in connection.execute(select(warehouses.c.code)).scalars()]
    if warehouse not in known:
        raise InvalidInput(
            f"unknown warehouse {warehouse!r}: ship to one of the catalogue's warehouses "
            f"({', '.join(sorted(known)) or 'none yet: load the catalogue first'})"
        )


def _lines(connection: Connection, order_ids: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    ids = list(order_ids)
    found: dict[str, list[dict[str, Any]]] = {order_id: [] for order_id in ids}
    for row in connection.execute(
        select(purchase_order_lines)
        .where(purchase_order_lines.c.order_id.in_(ids))
        .order_by(purchase_order_lines.c.order_id, purchase_order_lines.c.sku)
    ):
        found[row.order_id].append(
            {
                "sku": row.sku,
                "quantity": row.quantity,
                "unit_cost": row.unit_cost,
                "received": row.received,
            }
        )
    return found


def units_by_order(connection: Connection, order_ids: Iterable[str]) -> dict[str, int]:
    return {
        order_id: sum(line["quantity"] for line in lines)
        for order_id, lines in _lines(connection, order_ids).items()
    }


def stamp(value: datetime | None) -> str | None:
    return None if value is None else as_utc(value).isoformat()


def order_dicts(connection: Connection, rows: Sequence[Any]) -> list[dict[str, Any]]:
    lines = _lines(connection, [row.id for row in rows])
    return [
        {
            "id": row.id,
            "decision_id": row.decision_id,
            "supplier": row.supplier,
            "warehouse": row.warehouse,
            "state": row.state,
            "freight_mode": row.freight_mode,
            "transit_days": row.transit_days,
            "freight_cost": row.freight_cost,
            "cost": row.cost,
            "lines": lines[row.id],
            "spare_units": row.spare_units,
            "qc_plan": row.qc_plan,
            "expected_arrival_at": stamp(row.expected_arrival_at),
            "eta": stamp(row.eta),
            "paused": row.paused,
            "pause_reason": row.pause_reason,
            "created_at": stamp(row.created_at),
            "approved_at": stamp(row.approved_at),
            "sent_at": stamp(row.sent_at),
            "shipped_at": stamp(row.shipped_at),
            "received_at": stamp(row.received_at),
        }
        for row in rows
    ]


def list_orders(
    ctx: Context,
    *,
    supplier: str | None = None,
    sku: str | None = None,
    state: str | None = None,
    decision_id: str | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    """Purchase orders, newest first; ``supplier`` restricts them to one supplier's own."""
    query = select(purchase_orders).order_by(
        purchase_orders.c.created_at.desc(), purchase_orders.c.id.desc()
    )
    if supplier is not None:
        query = query.where(purchase_orders.c.supplier == supplier)
    if state is not None:
        query = query.where(purchase_orders.c.state == state)
    if decision_id is not None:
        query = query.where(purchase_orders.c.decision_id == decision_id)
    if sku is not None:
        query = query.where(
            purchase_orders.c.id.in_(
                select(purchase_order_lines.c.order_id).where(purchase_order_lines.c.sku == sku)
            )
        )
    with reading(ctx.engine) as connection:
        return order_dicts(connection, list(connection.execute(query.limit(limit))))


def get_order(ctx: Context, order_id: str, *, supplier: str | None = None) -> dict[str, Any]:
    """One purchase order; a supplier asking for another supplier's order gets 'not found'."""
    with reading(ctx.engine) as connection:
        row = connection.execute(
            select(purchase_orders).where(purchase_orders.c.id == order_id)
        ).first()
        if row is None or (supplier is not None and row.supplier != supplier):
            raise NotFound(f"no purchase order {order_id!r}")
        return order_dicts(connection, [row])[0]


def _load(connection: Connection, order_id: str, *, lock: bool = False) -> Any:
    query = select(purchase_orders).where(purchase_orders.c.id == order_id)
    if lock:
        query = query.with_for_update()
    row = connection.execute(query).first()
    if row is None:
        raise NotFound(f"no purchase order {order_id!r}")
    return row


def _move(
    connection: Connection,
    row: Any,
    allowed: Sequence[OrderStage],
    target: OrderStage,
    now: datetime,
    **values: Any,
) -> None:
    """A conditional state change: exactly once, refused when the order moved meanwhile."""
    if row.paused and target is not OrderStage.CANCELLED:
        raise Conflict(
            f"purchase order {row.id} is paused ({row.pause_reason}); resume it first",
            rule="D-6",
        )
    if row.state not in [stage.value for stage in allowed]:
        raise Conflict(
            f"purchase order {row.id} is {row.state}; it can become {target.value} only from "
            f"{' or '.join(stage.value for stage in allowed)}"
        )
    changed = connection.execute(
        update(purchase_orders)
        .where(purchase_orders.c.id == row.id, purchase_orders.c.state == row.state)
        .values(state=target.value, updated_at=now, **values)
    ).rowcount
    if not changed:
        raise Conflict(f"purchase order {row.id} changed meanwhile; try again")


def _record(
    connection: Connection,
    kind: type[OrderEvent],
    row: Any,
    lines: Sequence[Mapping[str, Any]] | None,
    now: datetime,
    **extra: Any,
) -> None:
    """Record one of the purchase order's stage events, with its lines."""
    found = _lines(connection, [row.id])[row.id] if lines is None else lines
    event = kind(
        order_id=row.id,
        supplier=row.supplier,
        warehouse=row.warehouse,
        lines=tuple(OrderLine(line["sku"], line["quantity"]) for line in found),
        **extra,
    )
    record(connection, event, now)


def approve_rows(
    connection: Connection, ctx: Context, rows: Sequence[Any], now: datetime, *, check_cash: bool
) -> None:
    """D-5: approving commits the cash; checked as one order unless the caller already did."""
    if check_cash:
        total = sum(row.cost for row in rows)
        cash_store.require_commitment(
            connection, ctx.section(DecideSettings), total, now, f"approving {len(rows)} order(s)"
        )
    for row in rows:
        _move(connection, row, (OrderStage.DRAFT,), OrderStage.APPROVED, now, approved_at=now)


def send_rows(connection: Connection, ctx: Context, rows: Sequence[Any], now: datetime) -> None:
    """Sending pays the supplier (D-5: each payment within 30 % of the funds left)."""
    for row in rows:
        _move(connection, row, (OrderStage.APPROVED,), OrderStage.SENT, now, sent_at=now)
        cash_store.pay(connection, ctx.section(DecideSettings), row.id, row.cost, now)
        _record(connection, PurchaseOrderSent, row, None, now, cost=row.cost)


def cancel_rows(connection: Connection, rows: Sequence[Any], now: datetime, reason: str) -> None:
    """Cancel orders not yet produced; paid ones are refunded."""
    for row in rows:
        _move(connection, row, NOT_YET_PRODUCED, OrderStage.CANCELLED, now)
        if row.state == OrderStage.SENT.value:
            cash_store.refund(connection, row.id, row.cost, now)
        _record(connection, PurchaseOrderCancelled, row, None, now, reason=reason)


def set_paused_rows(
    connection: Connection, rows: Sequence[Any], paused: bool, reason: str | None, now: datetime
) -> int:
    changed = 0
    for row in rows:
        changed += connection.execute(
            update(purchase_orders)
            .where(purchase_orders.c.id == row.id, purchase_orders.c.paused.is_(not paused))
            .values(paused=paused, pause_reason=reason if paused else None, updated_at=now)
        ).rowcount
    return changed


def _standalone(row: Any, action: str) -> None:
    if row.decision_id is not None:
        raise Conflict(
            f"purchase order {row.id} belongs to decision {row.decision_id}: {action} the "
            "decision instead, so its explanation stays complete",
            rule="D-6",
        )


def approve_order(ctx: Context, order_id: str) -> dict[str, Any]:
    now = ctx.clock.now()
    with ctx.engine.begin() as connection:
        row = _load(connection, order_id, lock=True)
        _standalone(row, "approve")
        approve_rows(connection, ctx, [row], now, check_cash=True)
    return get_order(ctx, order_id)


def send_order(ctx: Context, order_id: str) -> dict[str, Any]:
    now = ctx.clock.now()
    with ctx.engine.begin() as connection:
        row = _load(connection, order_id, lock=True)
        _standalone(row, "send")
        send_rows(connection, ctx, [row], now)
    return get_order(ctx, order_id)


def cancel_order(
    ctx: Context, order_id: str, reason: str = "cancelled by a person"
) -> dict[str, Any]:
    now = ctx.clock.now()
    with ctx.engine.begin() as connection:
        cancel_rows(connection, [_load(connection, order_id, lock=True)], now, reason)
    return get_order(ctx, order_id)


def resume_order(ctx: Context, order_id: str) -> dict[str, Any]:
    with ctx.engine.begin() as connection:
        row = _load(connection, order_id, lock=True)
        if not row.paused:
            raise Conflict(f"purchase order {order_id} is not paused")
        set_paused_rows(connection, [row], False, None, ctx.clock.now())
    return get_order(ctx, order_id)


def start_production(ctx: Context, order_id: str, *, supplier: str | None = None) -> dict[str, Any]:
    """The supplier started making the order (a supplier key may say so for its own orders)."""
    now = ctx.clock.now()
    with ctx.engine.begin() as connection:
        row = _load(connection, order_id, lock=True)
        if supplier is not None and row.supplier != supplier:
            raise NotFound(f"no purchase order {order_id!r}")
        _move(connection, row, (OrderStage.SENT,), OrderStage.IN_PRODUCTION, now)
        _record(connection, PurchaseOrderInProduction, row, None, now)
    return get_order(ctx, order_id, supplier=supplier)


def ship_order(
    ctx: Context, order_id: str, *, supplier: str | None = None, eta: datetime | None = None
) -> dict[str, Any]:
    """Shipped: the units are in transit to the warehouse at the stock hub, with their ETA.

    Without ``eta`` it is now + the transit days of the order's freight mode.
    """
    now = ctx.clock.now()
    if eta is not None and eta.tzinfo is None:
        raise InvalidInput("eta needs a time zone")
    skew = ctx.section(DecideSettings).ship_eta_past_skew_seconds
    if eta is not None and eta < now - timedelta(seconds=skew):
        raise InvalidInput(
            f"eta {as_utc(eta).isoformat()} is in the past (now is {as_utc(now).isoformat()}); "
            "give the time the units are expected at the warehouse, or leave eta out for now "
            "plus the freight mode's transit days",
            rule="S-2",
            setting="decide.ship_eta_past_skew_seconds",
        )
    with ctx.engine.begin() as connection:
        row = _load(connection, order_id, lock=True)
        if supplier is not None and row.supplier != supplier:
            raise NotFound(f"no purchase order {order_id!r}")
        arrival = eta or now + timedelta(days=row.transit_days)
        _move(
            connection,
            row,
            (OrderStage.IN_PRODUCTION,),
            OrderStage.SHIPPED,
            now,
            shipped_at=now,
            eta=arrival,
        )
        lines = _lines(connection, [order_id])[order_id]
        _record(connection, PurchaseOrderShipped, row, lines, now, eta=arrival)
        for line in lines:
            stock.add_in_transit_in(
                connection,
                ctx,
                line["sku"],
                row.warehouse,
                line["quantity"],
                arrival,
                ref=order_id,
            )
    return get_order(ctx, order_id, supplier=supplier)


def receive_order(ctx: Context, order_id: str, quantities: Mapping[str, int]) -> dict[str, Any]:
    """Units of a shipped order arrived: on hand at the stock hub. Partial receipts are fine;
    the order is received once every line is complete."""
    if not quantities or any(quantity <= 0 for quantity in quantities.values()):
        raise InvalidInput("a receipt names at least one SKU with at least 1 unit")
    now = ctx.clock.now()
    with ctx.engine.begin() as connection:
        row = _load(connection, order_id, lock=True)
        if row.state != OrderStage.SHIPPED.value:
            raise Conflict(f"purchase order {order_id} is {row.state}; only shipped orders arrive")
        lines = {line["sku"]: line for line in _lines(connection, [order_id])[order_id]}
        for sku, quantity in quantities.items():
            line = lines.get(sku)
            if line is None:
                raise InvalidInput(f"purchase order {order_id} has no line for {sku!r}")
            open_units = line["quantity"] - line["received"]
            if quantity > open_units:
                raise InvalidInput(
                    f"{sku}: {quantity} unit(s) received but only {open_units} still expected"
                )
            connection.execute(
                update(purchase_order_lines)
                .where(
                    purchase_order_lines.c.order_id == order_id,
                    purchase_order_lines.c.sku == sku,
                    purchase_order_lines.c.received == line["received"],
                )
                .values(received=line["received"] + quantity)
            )
            line["received"] += quantity
        complete = all(line["received"] == line["quantity"] for line in lines.values())
        if complete:
            _move(connection, row, (OrderStage.SHIPPED,), OrderStage.RECEIVED, now, received_at=now)
        receipt = int(row.receipts) + 1
        connection.execute(
            update(purchase_orders)
            .where(purchase_orders.c.id == order_id)
            .values(receipts=receipt, updated_at=now)
        )
        record(
            connection,
            PurchaseOrderReceived(
                order_id=order_id,
                supplier=row.supplier,
                warehouse=row.warehouse,
                lines=tuple(OrderLine(sku, q) for sku, q in sorted(quantities.items())),
                complete=complete,
            ),
            now,
        )
        for sku, quantity in sorted(quantities.items()):
            stock.arrive_in(
                connection, ctx, sku, row.warehouse, quantity, ref=f"{order_id}/receipt-{receipt}"
            )
    return get_order(ctx, order_id)


def open_rows(
    connection: Connection, skus: Iterable[str], states: Sequence[OrderStage]
) -> list[Any]:
    """Orders with a line for any of ``skus`` in one of ``states``, locked, by id."""
    return list(
        connection.execute(
            select(purchase_orders)
            .where(
                purchase_orders.c.state.in_([stage.value for stage in states]),
                purchase_orders.c.id.in_(
                    select(purchase_order_lines.c.order_id).where(
                        purchase_order_lines.c.sku.in_(list(skus))
                    )
                ),
            )
            .order_by(purchase_orders.c.id)
            .with_for_update()
        )
    )


def decision_rows(connection: Connection, decision_id: str) -> list[Any]:
    return list(
        connection.execute(
            select(purchase_orders)
            .where(purchase_orders.c.decision_id == decision_id)
            .order_by(purchase_orders.c.id)
            .with_for_update()
        )
    )
