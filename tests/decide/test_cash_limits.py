"""D-5 invariant: whatever a seller does, no approval or payment breaks the cash limits."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from buzzstock.core.context import Context
from buzzstock.core.errors import Conflict
from buzzstock.decide import cash_store, orders
from buzzstock.decide.settings import DecideSettings
from buzzstock.decide.store import cash_movements, purchase_order_lines, purchase_orders

from .conftest import SKU

STEP = st.one_of(
    st.tuples(st.just("order"), st.integers(min_value=50, max_value=300)),
    st.tuples(st.just("approve"), st.integers(min_value=0, max_value=9)),
    st.tuples(st.just("send"), st.integers(min_value=0, max_value=9)),
    st.tuples(st.just("cancel"), st.integers(min_value=0, max_value=9)),
    st.tuples(st.just("funds"), st.integers(min_value=0, max_value=30_000)),
)


def _reset(ctx: Context) -> None:
    with ctx.engine.begin() as connection:
        connection.execute(delete(purchase_order_lines))
        connection.execute(delete(purchase_orders))
        connection.execute(delete(cash_movements))


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(STEP, min_size=1, max_size=14), funds=st.integers(1_000, 30_000))
def test_cash_limits_are_never_exceeded(
    seeded: Context, steps: list[tuple[str, int]], funds: int
) -> None:
    _reset(seeded)
    cash_store.set_liquid_funds(seeded, funds)
    limits = seeded.section(DecideSettings)
    created: list[str] = []
    for action, value in steps:
        try:
            if action == "order":
                created.append(
                    orders.create_order(seeded, supplier="A", warehouse="LAX", lines={SKU: value})[
                        "id"
                    ]
                )
            elif action == "funds":
                cash_store.set_liquid_funds(seeded, value)
            elif created:
                order_id = created[value % len(created)]
                before = cash_store.cash_overview(seeded)
                if action == "approve":
                    approved = orders.approve_order(seeded, order_id)
                    after = cash_store.cash_overview(seeded)
                    assert (
                        approved["cost"]
                        <= limits.max_order_share_of_funds * before["liquid_funds"] + 1e-6
                    )
                    assert (
                        after["committed_today"]
                        <= limits.daily_order_share_of_funds * before["liquid_funds"] + 1e-6
                    )
                elif action == "send":
                    sent = orders.send_order(seeded, order_id)
                    assert (
                        sent["cost"]
                        <= limits.max_order_share_of_funds * before["liquid_funds"] + 1e-6
                    )
                else:
                    orders.cancel_order(seeded, order_id)
        except Conflict:
            pass
    with seeded.engine.connect() as connection:
        movements = list(connection.execute(select(cash_movements).order_by(cash_movements.c.id)))
    balance = 0.0
    for movement in movements:
        if movement.kind == "payment":
            assert -movement.amount <= limits.max_order_share_of_funds * balance + 1e-6
        balance = movement.balance_after if movement.kind == "set" else balance + movement.amount
        assert abs(balance - movement.balance_after) < 1e-6
        assert balance >= -1e-6
