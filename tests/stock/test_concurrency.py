"""Real processes racing against a real database: no oversell, cancels return units once."""

from __future__ import annotations

import multiprocessing as mp
from typing import Any

from sqlalchemy import create_engine, func, select, text

from buzzstock.core.context import Context
from buzzstock.core.db import normalise_url
from buzzstock.core.events import outbox_events
from buzzstock.sim.stress import BuyerPlan, run_buyers, set_up_stress_sku, stress
from buzzstock.stock import ledger
from buzzstock.stock.store import reservations, stock_pools
from buzzstock.stock.view import stock_view


def test_eight_processes_on_six_channels_sell_exactly_the_units(ctx: Context) -> None:
    summary = stress(ctx, channels=6, processes=8, attempts=2000, units=1000)
    assert summary["granted_units"] == 1000
    assert summary["oversold_units"] == 0
    with ctx.engine.connect() as connection:
        held_units = connection.execute(
            select(func.sum(reservations.c.quantity)).where(reservations.c.sku == summary["sku"])
        ).scalar()
        refills = connection.execute(
            select(func.count()).where(outbox_events.c.event_type == "QuotaRefilled")
        ).scalar()
    assert held_units == 1000
    assert refills, "quotas ran low, so the elastic pool must have refilled them (S-5)"
    assert stock_view(ctx, summary["sku"])["available"] == 0
    assert ledger.verify(ctx.engine).ok


def test_cancels_under_contention_return_units_exactly_once(ctx: Context) -> None:
    sku, channels = set_up_stress_sku(ctx, channels=6, units=1000)
    plans = [
        BuyerPlan(
            sku=sku,
            channels=tuple(channels),
            channel_weights=tuple(1.0 for _ in channels),
            attempts=300,
            seed=500 + index,
            cancel_share=0.3,
            confirm_share=0.2,
        )
        for index in range(8)
    ]
    outcomes, _ = run_buyers(ctx.settings, plans)
    cancelled = {rid for outcome in outcomes for rid in outcome.cancelled}
    kept = sum(
        quantity
        for outcome in outcomes
        for rid, _, quantity in outcome.granted
        if rid not in cancelled
    )
    assert cancelled, "the plan cancels about a third of the holds"
    assert kept == 1000, "every cancelled unit was sold again, and never twice"
    with ctx.engine.connect() as connection:
        pool = connection.execute(select(stock_pools).where(stock_pools.c.sku == sku)).one()
        states: dict[str, int] = dict(
            connection.execute(
                select(reservations.c.state, func.count())
                .where(reservations.c.sku == sku)
                .group_by(reservations.c.state)
            ).all()
        )
    assert pool.units_used == 1000
    assert states["cancelled"] == len(cancelled)
    assert ledger.verify(ctx.engine, sku).ok


UNITS_IN_CONTROL = 20


def _naive_buyer(url: str, attempts: int, checkout: Any, results: Any) -> None:
    """Read the units sold, then write the new total: the race a conditional write avoids.

    The barrier lines the buyers' checkouts up the way a live-stream rush does, so the race
    shows on every run instead of by luck.
    """
    engine = create_engine(normalise_url(url))
    granted = 0
    for _ in range(attempts):
        with engine.begin() as connection:
            sold = connection.execute(
                text("SELECT sold FROM naive_stock WHERE id = 1")
            ).scalar_one()
        checkout.wait(timeout=60)
        if sold >= UNITS_IN_CONTROL:
            continue
        with engine.begin() as connection:
            connection.execute(
                text("UPDATE naive_stock SET sold = :sold WHERE id = 1"), {"sold": sold + 1}
            )
        granted += 1
    engine.dispose()
    results.put(granted)


def test_control_naive_read_then_write_oversells(database_url: str) -> None:
    engine = create_engine(normalise_url(database_url))
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE naive_stock (id INTEGER PRIMARY KEY, sold INTEGER)"))
        connection.execute(text("INSERT INTO naive_stock VALUES (1, 0)"))
    engine.dispose()
    spawn = mp.get_context("spawn")
    buyers = 8
    checkout, results = spawn.Barrier(buyers), spawn.Queue()
    workers = [
        spawn.Process(target=_naive_buyer, args=(database_url, 30, checkout, results))
        for _ in range(buyers)
    ]
    for worker in workers:
        worker.start()
    granted = sum(results.get(timeout=120) for _ in workers)
    for worker in workers:
        worker.join()
    assert granted > UNITS_IN_CONTROL, (
        "without a conditional write, concurrent buyers get more than exists"
    )
