"""Folding order lines exactly once; retries on outages; settings guard rails."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from buzzstock.channels.base import ChannelOrder, OrderStatus, PushOutcome
from buzzstock.channels.inbound import OrderLineBook
from buzzstock.channels.settings import ChannelSettings
from buzzstock.channels.tiktok import TikTokShopAdapter, TikTokShopConfig
from buzzstock.channels.transport import ChannelTransport
from buzzstock.sim.channel_fakes import FakeShop, TikTokShopFake

from .helpers import FAST

AT = datetime(2026, 3, 1, 20, 0, tzinfo=UTC)


def line(order_id: str, status: OrderStatus, quantity: int, event: str) -> ChannelOrder:
    return ChannelOrder(order_id, event, "SKU", quantity, status, AT)


orders = st.lists(
    st.tuples(st.integers(min_value=1, max_value=5), st.booleans()),
    min_size=1,
    max_size=12,
    unique_by=lambda pair: pair[0],
)


@given(orders=orders, data=st.data())
def test_any_delivery_order_with_duplicates_books_the_same_units(
    orders: list[tuple[int, bool]], data: st.DataObject
) -> None:
    events = []
    for order_number, cancelled in orders:
        events.append(
            line(str(order_number), OrderStatus.CREATED, order_number, f"c{order_number}")
        )
        if cancelled:
            events.append(
                line(str(order_number), OrderStatus.CANCELLED, order_number, f"x{order_number}")
            )
    deliveries = data.draw(st.lists(st.sampled_from(events), max_size=20)) + events
    shuffled = data.draw(st.permutations(deliveries))
    book = OrderLineBook()
    booked = sum(book.apply(event) for event in shuffled)
    expected = sum(number for number, cancelled in orders if not cancelled)
    assert booked == book.units_sold() == expected


def test_cancellation_before_creation_is_never_booked() -> None:
    book = OrderLineBook()
    assert book.apply(line("7", OrderStatus.CANCELLED, 2, "x")) == 0
    assert book.apply(line("7", OrderStatus.CREATED, 2, "c")) == 0
    assert book.units_sold() == 0


def test_outages_are_retried_then_reported_unavailable() -> None:
    fake = TikTokShopFake(FakeShop({"1:2": 5}))
    with fake.running():

        async def scenario() -> None:
            config = TikTokShopConfig(
                base_url=fake.base_url,
                app_key=fake.app_key,
                app_secret=fake.app_secret,
                access_token=fake.access_token,
                shop_cipher=fake.shop_cipher,
            )
            adapter = TikTokShopAdapter(
                config, transport=ChannelTransport(fake.base_url, settings=FAST)
            )
            fake.shop.fail_next(2)
            assert (await adapter.set_quantity("1:2", 4, expected_previous=None)).acknowledged
            fake.shop.fail_next(FAST.max_attempts)
            down = await adapter.set_quantity("1:2", 3, expected_previous=None)
            assert down.outcome is PushOutcome.UNAVAILABLE
            await adapter.aclose()

        asyncio.run(scenario())
    assert fake.shop.quantity("1:2") == 4


def test_settings_defaults_follow_the_spec_and_refuse_impossible_values() -> None:
    defaults = ChannelSettings()
    assert (defaults.rate_limit_calls, defaults.rate_limit_window_seconds) == (120, 60.0)
    assert (defaults.sync_target_standard_seconds, defaults.sync_target_goal_seconds) == (1.5, 0.5)
    assert defaults.google_max_updates_per_day == 2
    with pytest.raises(ValidationError):
        ChannelSettings(rate_limit_calls=10, rate_limit_burst=10)
    with pytest.raises(ValidationError):
        ChannelSettings(sync_target_goal_seconds=2.0)
    with pytest.raises(ValidationError):
        ChannelSettings(unknown_setting=1)  # type: ignore[call-arg]
