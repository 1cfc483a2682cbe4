"""S-7: orders. A confirmed reservation is booked on the nearest warehouses with stock and
shipping capacity, then shipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, insert, select, update

from buzzstock.catalog.service import channels, markets, regions, warehouses
from buzzstock.core.clock import as_utc
from buzzstock.core.context import Context
from buzzstock.core.db import reading
from buzzstock.core.errors import (
    Conflict,
    NotFound,
)
from buzzstock.core.events import record
from buzzstock.core.ids import new_id
from buzzstock.stock import ledger
from buzzstock.stock.events import OrderConfirmed, OrderShipped
from buzzstock.stock.model import (
    AllocationLine,
    Movement,
    WarehouseOption,
    bucket_lock_order,
    distance_km,
    plan_fulfilment,
)
from buzzstock.stock.reservations import get_reservation, release_expired
from buzzstock.stock.rows import book_capacity, change_bucket, change_level
from buzzstock.stock.settings import StockSettings
from buzzstock.stock.store import (
    ELASTIC,
    order_allocations,
    orders,
    quota_buckets,
    reservations,
    stock_levels,
    warehouse_capacity,
)


@dataclass(frozen=True)
class Order:
    id: str
    reservation_id: str
    sku: str
    channel: str
    quantity: int
    state: str
    allocations: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "reservation_id": self.reservation_id,
            "sku": self.sku,
            "channel": self.channel,
            "quantity": self.quantity,
            "state": self.state,
            "allocations": self.allocations,
        }


def confirm(
    ctx: Context,
    reservation_id: str,
    *,
    ship_to: tuple[float, float] | None = None,
    attempts: int = 5,
) -> Order:
    """S-4/S-7: a held reservation becomes an order shipped from the nearest able warehouse.

    The plan is read first, then applied with conditional writes in lock order; if another
    order took the stock or capacity in between, the plan is made again.
    """
    for _ in range(attempts):
        try:
            order = _confirm_once(ctx, reservation_id, ship_to)
        except _PlanRaced:
            continue
        if isinstance(order, Order):
            return order
        if order is not None:
            if order == "held":
                release_expired(ctx, sku=get_reservation(ctx, reservation_id).sku)
                order = get_reservation(ctx, reservation_id).state
            raise Conflict(
                f"reservation {reservation_id!r} is {order}; only held reservations "
                "can be confirmed",
                rule="S-4",
                state=order,
            )
    raise Conflict(
        f"could not book warehouse stock and shipping capacity for {reservation_id!r}; try again",
        rule="S-7",
    )


def _confirm_once(
    ctx: Context, reservation_id: str, ship_to: tuple[float, float] | None
) -> Order | str | None:
    """The order, or the reservation's state if it cannot be confirmed, or None to retry."""
    now = ctx.clock.now()
    today = now.date()
    horizon = ctx.section(StockSettings).fulfilment_horizon_days
    with ctx.engine.begin() as connection:
        row = connection.execute(
            update(reservations)
            .where(
                reservations.c.id == reservation_id,
                reservations.c.state == "held",
                reservations.c.expires_at > now,
            )
            .values(state="confirmed", ended_at=now)
            .returning(*reservations.c)
        ).first()
        if row is None:
            state = connection.execute(
                select(reservations.c.state).where(reservations.c.id == reservation_id)
            ).scalar()
            if state is None:
                raise NotFound(f"no reservation {reservation_id!r}")
            return str(state)
        _count_sold(connection, row)
        destination = ship_to or _channel_location(connection, row.channel)
        options, capacity = _fulfilment_options(
            ctx, connection, row.sku, destination, today, horizon
        )
        plan = plan_fulfilment(row.quantity, options, capacity, horizon)
        if plan is None:
            raise Conflict(
                f"no warehouse can ship {row.quantity} unit(s) of {row.sku!r} within {horizon} "
                "days (stock or daily shipping capacity exhausted)",
                rule="S-7",
            )
        if not _apply_plan(connection, row.sku, plan, today):
            raise _PlanRaced
        order_id = new_id("ord")
        connection.execute(
            insert(orders).values(
                id=order_id,
                reservation_id=row.id,
                sku=row.sku,
                channel=row.channel,
                buyer=row.buyer,
                quantity=row.quantity,
                state="allocated",
                ship_to_lat=destination[0],
                ship_to_lon=destination[1],
                created_at=now,
            )
        )
        allocations = [
            {
                "order_id": order_id,
                "warehouse": line.warehouse,
                "quantity": line.quantity,
                "ship_day": today + timedelta(days=line.day_offset),
                "distance_km": round(line.distance_km, 1),
            }
            for line in plan
        ]
        connection.execute(insert(order_allocations), allocations)
        ledger.append(
            connection,
            row.sku,
            now,
            [
                Movement("allocate", order_id, warehouse=line.warehouse, d_reserved=line.quantity)
                for line in sorted(plan, key=lambda item: item.warehouse)
            ],
        )
        record(
            connection,
            OrderConfirmed(
                order=order_id,
                reservation=row.id,
                sku=row.sku,
                channel=row.channel,
                units=row.quantity,
                warehouses={line.warehouse: line.quantity for line in plan},
            ),
            now,
        )
    return get_order(ctx, order_id)


class _PlanRaced(Exception):
    """Another order took the planned stock or capacity first."""


def _count_sold(connection: Connection, row: Any) -> None:
    for bucket, units in sorted(
        ((row.primary_bucket, row.primary_units), (ELASTIC, row.elastic_units)),
        key=lambda pair: bucket_lock_order(pair[0]),
    ):
        if units:
            connection.execute(
                update(quota_buckets)
                .where(quota_buckets.c.sku == row.sku, quota_buckets.c.bucket == bucket)
                .values(sold_units=quota_buckets.c.sold_units + units)
            )


def _channel_location(connection: Connection, channel: str) -> tuple[float, float]:
    row = connection.execute(
        select(regions.c.lat, regions.c.lon)
        .select_from(
            channels.join(markets, channels.c.market == markets.c.code).join(
                regions, markets.c.region == regions.c.code
            )
        )
        .where(channels.c.code == channel)
    ).one()
    return float(row.lat), float(row.lon)


def _fulfilment_options(
    ctx: Context,
    connection: Connection,
    sku: str,
    destination: tuple[float, float],
    today: date,
    horizon: int,
) -> tuple[list[WarehouseOption], dict[tuple[str, int], int]]:
    rows = list(
        connection.execute(
            select(
                stock_levels.c.warehouse,
                (stock_levels.c.on_hand - stock_levels.c.reserved).label("free"),
                warehouses.c.lat,
                warehouses.c.lon,
                warehouses.c.daily_capacity,
            )
            .select_from(
                stock_levels.join(warehouses, stock_levels.c.warehouse == warehouses.c.code)
            )
            .where(stock_levels.c.sku == sku, stock_levels.c.on_hand > stock_levels.c.reserved)
        )
    )
    options = [
        WarehouseOption(
            row.warehouse,
            int(row.free),
            distance_km(destination[0], destination[1], row.lat, row.lon),
        )
        for row in rows
    ]
    booked = {
        (row.warehouse, (row.day - today).days): row.capacity - row.booked
        for row in connection.execute(
            select(warehouse_capacity).where(
                warehouse_capacity.c.warehouse.in_([row.warehouse for row in rows]),
                warehouse_capacity.c.day >= today,
                warehouse_capacity.c.day < today + timedelta(days=horizon),
            )
        )
    }
    capacity = {
        (row.warehouse, day): booked.get((row.warehouse, day), int(row.daily_capacity))
        for row in rows
        for day in range(horizon)
    }
    return options, capacity


def _apply_plan(connection: Connection, sku: str, plan: list[AllocationLine], today: date) -> bool:
    per_warehouse: dict[str, int] = {}
    for line in plan:
        per_warehouse[line.warehouse] = per_warehouse.get(line.warehouse, 0) + line.quantity
    for warehouse in sorted(per_warehouse):
        if not change_level(connection, sku, warehouse, d_reserved=per_warehouse[warehouse]):
            return False
    for line in sorted(plan, key=lambda item: (item.warehouse, item.day_offset)):
        if not book_capacity(
            connection, line.warehouse, today + timedelta(days=line.day_offset), line.quantity
        ):
            return False
    return True


def ship(ctx: Context, order_id: str) -> Order:
    """S-7: the order's allocated units leave their warehouses: on hand and quotas go down."""
    now = ctx.clock.now()
    with ctx.engine.begin() as connection:
        reservation_id = connection.execute(
            select(orders.c.reservation_id).where(orders.c.id == order_id)
        ).scalar()
        if reservation_id is None:
            raise NotFound(f"no order {order_id!r}")
        # The reservation row is locked before the order row, as cancel does, so the two
        # cannot deadlock; the reservation's state decides who wins.
        reservation = connection.execute(
            update(reservations)
            .where(reservations.c.id == reservation_id, reservations.c.state == "confirmed")
            .values(state="shipped")
            .returning(*reservations.c)
        ).first()
        order = connection.execute(
            update(orders)
            .where(orders.c.id == order_id, orders.c.state == "allocated")
            .values(state="shipped", shipped_at=now)
            .returning(*orders.c)
        ).first()
        if reservation is None or order is None:
            state = connection.execute(
                select(orders.c.state).where(orders.c.id == order_id)
            ).scalar()
            raise Conflict(f"order {order_id!r} is {state} and cannot be shipped")
        movements = []
        for bucket, units in sorted(
            (
                (reservation.primary_bucket, reservation.primary_units),
                (ELASTIC, reservation.elastic_units),
            ),
            key=lambda pair: bucket_lock_order(pair[0]),
        ):
            if units:
                change_bucket(connection, order.sku, bucket, d_limit=-units, d_used=-units)
                movements.append(
                    Movement("ship", order_id, bucket=bucket, d_limit=-units, d_used=-units)
                )
        lines = list(
            connection.execute(
                select(order_allocations)
                .where(order_allocations.c.order_id == order_id)
                .order_by(order_allocations.c.warehouse)
            )
        )
        per_warehouse: dict[str, int] = {}
        for line in lines:
            per_warehouse[line.warehouse] = per_warehouse.get(line.warehouse, 0) + line.quantity
        for warehouse, units in sorted(per_warehouse.items()):
            change_level(connection, order.sku, warehouse, d_on_hand=-units, d_reserved=-units)
            movements.append(
                Movement("ship", order_id, warehouse=warehouse, d_on_hand=-units, d_reserved=-units)
            )
        ledger.append(connection, order.sku, now, movements)
        record(
            connection,
            OrderShipped(
                order=order_id, sku=order.sku, units=order.quantity, warehouses=per_warehouse
            ),
            now,
        )
    return get_order(ctx, order_id)


def get_order(ctx: Context, order_id: str) -> Order:
    with reading(ctx.engine) as connection:
        order = connection.execute(select(orders).where(orders.c.id == order_id)).first()
        if order is None:
            raise NotFound(f"no order {order_id!r}")
        lines = connection.execute(
            select(order_allocations).where(order_allocations.c.order_id == order_id)
        )
        allocations = [
            {
                "warehouse": line.warehouse,
                "quantity": line.quantity,
                "ship_day": line.ship_day.isoformat(),
                "distance_km": line.distance_km,
            }
            for line in lines
        ]
    return Order(
        id=order.id,
        reservation_id=order.reservation_id,
        sku=order.sku,
        channel=order.channel,
        quantity=order.quantity,
        state=order.state,
        allocations=allocations,
    )


def units_sold(connection: Connection, sku: str, since: datetime) -> list[tuple[datetime, int]]:
    """(time, units) of each order of ``sku`` booked at or after ``since`` and not cancelled,
    oldest first: the sales every channel made through the hub."""
    return [
        (as_utc(row.created_at), int(row.quantity))
        for row in connection.execute(
            select(orders.c.created_at, orders.c.quantity)
            .where(
                orders.c.sku == sku,
                orders.c.created_at >= since,
                orders.c.state != "cancelled",
            )
            .order_by(orders.c.created_at, orders.c.id)
        )
    ]
