"""A purchase order's hand-offs to the stock hub (shipped: in transit; received: on hand) are one
transaction each: a process killed at any moment leaves decide and stock agreeing, and a
receipt's reference is booked once (SPEC S-2, D-3). Real processes, SQLite and PostgreSQL."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from buzzstock.core.context import Context
from buzzstock.core.errors import Conflict
from buzzstock.decide import cash_store, orders
from buzzstock.decide.store import purchase_order_lines, purchase_orders
from buzzstock.stock import ledger
from buzzstock.stock import service as stock

from .conftest import SKU

ROOT = Path(__file__).resolve().parents[2]
ORDERS = 40
KILLS = 6


def _in_production(ctx: Context, count: int) -> list[str]:
    created = []
    for _ in range(count):
        order = orders.create_order(ctx, supplier="B", warehouse="LAX", lines={SKU: 2})
        orders.approve_order(ctx, order["id"])
        orders.send_order(ctx, order["id"])
        orders.start_production(ctx, order["id"])
        created.append(order["id"])
    return created


def _agree(ctx: Context, in_transit_before: int, on_hand_before: int) -> tuple[int, int]:
    """Decide's orders and the stock hub's counters tell the same story; (shipped, received)."""
    with ctx.engine.connect() as connection:
        shipped = connection.execute(
            select(func.coalesce(func.sum(purchase_order_lines.c.quantity), 0))
            .join(purchase_orders, purchase_orders.c.id == purchase_order_lines.c.order_id)
            .where(purchase_orders.c.state.in_(("shipped", "received")))
        ).scalar_one()
        received = connection.execute(
            select(func.coalesce(func.sum(purchase_order_lines.c.received), 0))
        ).scalar_one()
    view = stock.stock_view(ctx, SKU)
    lax = next(w for w in view["warehouses"] if w["warehouse"] == "LAX")
    assert lax["in_transit"] == in_transit_before + shipped - received
    assert lax["on_hand"] == on_hand_before + received
    assert ledger.verify(ctx.engine).ok
    return int(shipped), int(received)


@pytest.mark.slow
def test_s2_a_process_killed_mid_hand_off_leaves_decide_and_stock_agreeing(
    seeded: Context, database_url: str
) -> None:
    cash_store.set_liquid_funds(seeded, 1_000_000)
    pending = _in_production(seeded, ORDERS)
    lax = next(w for w in stock.stock_view(seeded, SKU)["warehouses"] if w["warehouse"] == "LAX")
    before = (lax["in_transit"], lax["on_hand"])
    rng = random.Random(11)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "src")])}
    progress = []
    for _ in range(KILLS):
        with seeded.engine.connect() as connection:
            rows = connection.execute(select(purchase_orders.c.id, purchase_orders.c.state))
            states = {row.id: row.state for row in rows}
        left = [order for order in pending if states[order] != "received"]
        if not left:
            break
        child = subprocess.Popen(
            [sys.executable, "-m", "tests.decide.handoff_child", database_url, *left],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.05, 0.6))
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        progress.append(_agree(seeded, *before))
    assert progress[-1][0] > 0, "the child shipped something before it was killed"
    for order_id in pending:
        order = orders.get_order(seeded, order_id)
        if order["state"] == "in_production":
            orders.ship_order(seeded, order_id)
        order = orders.get_order(seeded, order_id)
        open_units = order["lines"][0]["quantity"] - order["lines"][0]["received"]
        if open_units:
            orders.receive_order(seeded, order_id, {SKU: open_units})
    assert _agree(seeded, *before) == (2 * ORDERS, 2 * ORDERS)


def test_s2_an_arrival_whose_reference_was_booked_is_refused(seeded: Context) -> None:
    stock.add_in_transit(seeded, SKU, "LAX", 10, seeded.clock.now(), ref="po-x")
    stock.arrive(seeded, SKU, "LAX", 4, ref="po-x/receipt-1")
    with pytest.raises(Conflict, match="already booked"):
        stock.arrive(seeded, SKU, "LAX", 4, ref="po-x/receipt-1")
    stock.arrive(seeded, SKU, "LAX", 6, ref="po-x/receipt-2")
    lax = next(w for w in stock.stock_view(seeded, SKU)["warehouses"] if w["warehouse"] == "LAX")
    assert lax["in_transit"] == 0
