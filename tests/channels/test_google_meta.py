"""Availability-only and catalogue-only targets: Google Merchant / YouTube and Meta."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from buzzstock.channels.base import InvalidSignature, PushOutcome, QuantityUpdate
from buzzstock.channels.google import (
    IN_STOCK,
    OUT_OF_STOCK,
    GoogleMerchantAdapter,
    GoogleMerchantConfig,
)
from buzzstock.channels.meta import MetaCatalogAdapter, MetaCatalogConfig
from buzzstock.channels.signatures import meta_signature, meta_subscription_challenge
from buzzstock.channels.transport import ChannelTransport
from buzzstock.sim.channel_fakes import FakeShop, GoogleMerchantFake, MetaCatalogFake

from .helpers import FAST


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 20, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_google_flips_availability_with_hysteresis_and_two_updates_a_day() -> None:
    clock = Clock()
    fake = GoogleMerchantFake(clock=clock)
    with fake.running():

        async def scenario() -> None:
            config = GoogleMerchantConfig(
                base_url=fake.base_url,
                account_id=fake.account_id,
                data_source_id="777",
                access_token=fake.access_token,
            )
            adapter = GoogleMerchantAdapter(
                config,
                clock=clock,
                transport=ChannelTransport(
                    fake.base_url,
                    settings=FAST,
                    headers={"authorization": f"Bearer {fake.access_token}"},
                ),
            )
            steps = []
            for quantity in (40, 12, 0, 2, 50):
                clock.now += timedelta(minutes=10)
                result = await adapter.set_quantity("BZ-1", quantity, expected_previous=None)
                steps.append((result.outcome, result.sent))
            assert steps == [
                (PushOutcome.ACKNOWLEDGED, True),
                (PushOutcome.ACKNOWLEDGED, False),
                (PushOutcome.ACKNOWLEDGED, True),
                (PushOutcome.ACKNOWLEDGED, False),
                (PushOutcome.THROTTLED, False),
            ]
            assert adapter.pending == {"BZ-1": IN_STOCK}
            assert adapter.published == {"BZ-1": OUT_OF_STOCK}
            assert await adapter.read_quantities(["BZ-1"]) == {"BZ-1": 0}
            clock.now += timedelta(hours=24)
            later = await adapter.set_quantity("BZ-1", 50, expected_previous=None)
            assert later.outcome is PushOutcome.ACKNOWLEDGED and later.sent
            assert adapter.pending == {}
            assert await adapter.read_quantities(["BZ-1"]) == {"BZ-1": 1}
            assert await adapter.recent_orders(clock.now) == []
            await adapter.aclose()

        asyncio.run(scenario())
    assert [fake.availability["BZ-1"], len(fake.shop.updates)] == [IN_STOCK, 3]
    assert [u.quantity for u in fake.shop.updates] == [1, 0, 1]


def test_google_throttle_deadline_is_when_the_oldest_update_ages_out() -> None:
    clock = Clock()
    fake = GoogleMerchantFake(clock=clock)
    with fake.running():

        async def scenario() -> float | None:
            config = GoogleMerchantConfig(
                base_url=fake.base_url,
                account_id=fake.account_id,
                data_source_id="777",
                access_token=fake.access_token,
            )
            adapter = GoogleMerchantAdapter(config, clock=clock)
            await adapter.set_quantity("BZ-2", 5, expected_previous=None)
            clock.now += timedelta(hours=1)
            await adapter.set_quantity("BZ-2", 0, expected_previous=None)
            clock.now += timedelta(hours=1)
            refused = await adapter.set_quantity("BZ-2", 9, expected_previous=None)
            await adapter.aclose()
            return refused.retry_after

        assert asyncio.run(scenario()) == pytest.approx(22 * 3600)


def test_meta_catalogue_batch_and_status() -> None:
    fake = MetaCatalogFake(FakeShop({"rid-1": 5, "rid-2": 5}, ack_delay=0.05))
    with fake.running():

        async def scenario() -> None:
            config = MetaCatalogConfig(
                base_url=fake.base_url,
                catalog_id=fake.catalog_id,
                access_token=fake.access_token,
                app_secret="meta-app-secret",
            )
            adapter = MetaCatalogAdapter(config)
            results = await adapter.set_quantities(
                [QuantityUpdate("rid-1", 0), QuantityUpdate("rid-2", 9)]
            )
            assert {r.outcome for r in results} == {PushOutcome.ACKNOWLEDGED}
            handle = results[0].reference
            assert handle is not None
            status = await adapter.batch_status(handle)
            assert status["status"] == "finished" and status["errors"] == []
            assert await adapter.read_quantities(["rid-1", "rid-2"]) == {"rid-1": 0, "rid-2": 9}
            assert await adapter.recent_orders(datetime.now(UTC)) == []
            await adapter.aclose()

        asyncio.run(scenario())


def test_meta_rejects_a_bad_token_and_verifies_graph_webhooks() -> None:
    fake = MetaCatalogFake(FakeShop({"rid-1": 5}))
    with fake.running():

        async def scenario() -> None:
            config = MetaCatalogConfig(
                base_url=fake.base_url,
                catalog_id=fake.catalog_id,
                access_token="EAAB-wrong",
                app_secret="meta-app-secret",
            )
            adapter = MetaCatalogAdapter(config)
            result = await adapter.set_quantity("rid-1", 1, expected_previous=None)
            assert result.outcome is PushOutcome.REJECTED
            body = b'{"object":"catalog","entry":[]}'
            now = datetime.now(UTC)
            good = {"X-Hub-Signature-256": meta_signature(body, "meta-app-secret")}
            assert adapter.parse_webhook(good, body, url="", now=now).topic == "catalog"
            with pytest.raises(InvalidSignature):
                adapter.parse_webhook(good, body + b" ", url="", now=now)
            with pytest.raises(InvalidSignature):
                adapter.parse_webhook({}, body, url="", now=now)
            await adapter.aclose()

        asyncio.run(scenario())
    assert fake.shop.quantity("rid-1") == 5
    params = {"hub.mode": "subscribe", "hub.verify_token": "tok", "hub.challenge": "42"}
    assert meta_subscription_challenge(params, "tok") == "42"
    with pytest.raises(InvalidSignature):
        meta_subscription_challenge(params, "other")
