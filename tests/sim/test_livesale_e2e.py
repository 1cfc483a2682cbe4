"""An end-to-end live sale through the real hub (API process + several worker processes) and
the platform fakes, on SQLite and PostgreSQL: nothing oversold, every webhook and every queued
Amazon notification processed once, every push acknowledged in the end."""

from __future__ import annotations

import asyncio

from buzzstock.core.context import open_context
from buzzstock.settings import Settings
from buzzstock.sim.livesale import run_hub
from buzzstock.sim.livesale_buyers import FAKE_KINDS, LiveSaleConfig, plan_channels
from buzzstock.stock import ledger


def test_live_sale_through_the_hub_oversells_nothing(database_url: str) -> None:
    config = LiveSaleConfig(
        channels=6,
        max_ack_delay=0.5,
        seed=7,
        units=150,
        duration_seconds=3.0,
        worker_processes=2,
        database_url=database_url,
    )
    plans = plan_channels(config)
    assert {plan.kind for plan in plans} == set(FAKE_KINDS), "every platform of the simulation"
    run = asyncio.run(run_hub(config, plans))
    hub = run.result.as_dict()
    assert hub["demand_units"] > config.units, "buyers must want more than exists"
    assert hub["oversold_units"] == 0
    assert hub["served_units"] > 0
    assert run.inbox_pending == 0 and run.pushes_pending == 0
    assert run.deliveries > run.inbox_rows, "duplicates were delivered"
    assert run.inbox_rows == hub["served_units"], "one stored delivery per order"
    assert hub["booked_units"] == hub["served_units"], "every order booked exactly once"
    ctx = open_context(Settings(database_url=database_url))
    try:
        assert ledger.verify(ctx.engine).ok
    finally:
        ctx.close()
