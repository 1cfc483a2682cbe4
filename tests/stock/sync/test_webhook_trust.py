"""Webhook intake that trusts only what is signed, on SQLite and PostgreSQL, through the real API
and the platform fakes (issue 11): secrets rotate without a restart, with a grace window for
the previous one."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from buzzstock.api.app import create_app
from buzzstock.catalog.model import Market, Region
from buzzstock.channels.settings import ChannelSettings
from buzzstock.core import auth
from buzzstock.core.clock import ManualClock
from buzzstock.core.context import Context
from buzzstock.core.db import reading
from buzzstock.jobs import run_due_jobs
from buzzstock.shop import ShopFile, load_shop
from buzzstock.sim.channel_fakes import (
    FakeShop,
    OrderEmitter,
    ShopeeFake,
    ShopifyFake,
    TikTokShopFake,
    WooCommerceFake,
    config_for,
)
from buzzstock.sim.channel_fakes.wiring import PLACEHOLDER_CALLBACK
from buzzstock.stock.store import reservations
from buzzstock.stock.sync.allotment import publish
from buzzstock.stock.sync.settings import SyncSettings
from buzzstock.stock.sync.store import channel_inbox, channel_order_lines

from .test_sync_inbox import CHANNEL, SKU, count, process_all, push_all, set_up

URL = f"/api/v1/channels/{CHANNEL}/webhooks"


def inbox_rows(ctx: Context) -> int:
    with reading(ctx.engine) as connection:
        return int(connection.execute(select(func.count()).select_from(channel_inbox)).scalar_one())


def problem_of(response: httpx.Response) -> dict[str, Any]:
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    body: dict[str, Any] = response.json()
    assert body["status"] == response.status_code and body["detail"]
    return body


@pytest.fixture
def api(ctx: Context) -> Iterator[tuple[TestClient, dict[str, str]]]:
    load_shop(
        ctx,
        ShopFile(
            regions=[Region(code="US", name="US", timezone="America/Chicago", lat=39, lon=-98)],
            markets=[Market(code="US", name="US", region="US", currency="USD", timezone="UTC")],
        ),
    )
    admin = {"Authorization": f"Bearer {auth.create_key(ctx, 'ops', 'admin')[1]}"}
    with TestClient(create_app(ctx)) as client:
        yield client, admin


def save_channel(
    client: TestClient, admin: dict[str, str], fake: OrderEmitter, **adapter: Any
) -> None:
    platform, config = config_for(fake)
    saved = client.post(
        "/api/v1/channels",
        json={
            "code": CHANNEL,
            "name": "shop",
            "platform": platform.value,
            "market": "US",
            "settings": {"adapter": {**config, **adapter}},
        },
        headers=admin,
    )
    assert saved.status_code in (200, 201), saved.text


def deliver(client: TestClient, fake: OrderEmitter, platform: str) -> httpx.Response:
    """One new order on the platform, delivered as the platform signs it."""
    assert fake.shop.sell(next(iter(fake.shop.quantities)), 1) is not None
    (event,) = fake.shop.take_events()
    headers, body = fake.render(event, f"http://testserver{URL}/{platform}")
    response: httpx.Response = client.post(f"{URL}/{platform}", content=body, headers=headers)
    return response


def test_finding_3_a_rotated_webhook_secret_works_at_once_and_the_old_one_only_for_the_grace(
    ctx: Context, clock: ManualClock, api: tuple[TestClient, dict[str, str]]
) -> None:
    client, admin = api
    grace = ChannelSettings().secret_grace_seconds
    fake = ShopifyFake(FakeShop({"4001": 100}))
    fake.shop.clock = clock.now
    with fake.running():
        save_channel(client, admin, fake)
        assert deliver(client, fake, "shopify").status_code == 200
        leaked = fake.client_secret

        fake.client_secret = "rotated-client-secret"
        save_channel(client, admin, fake, client_secret=fake.client_secret)
        assert deliver(client, fake, "shopify").status_code == 200, "the new secret, no restart"

        fake.client_secret = leaked
        clock.advance(timedelta(seconds=grace - 60))
        assert deliver(client, fake, "shopify").status_code == 200, "within the grace window"
        clock.advance(timedelta(seconds=120))
        stored = inbox_rows(ctx)
        refused = deliver(client, fake, "shopify")
        assert refused.status_code == 401
        assert "signature" in problem_of(refused)["detail"]
        assert inbox_rows(ctx) == stored, "a refused delivery stores nothing"

        fake.client_secret = "rotated-client-secret"
        assert deliver(client, fake, "shopify").status_code == 200


def forged(
    fake: OrderEmitter, url: str, **headers: str
) -> tuple[dict[str, str], bytes, dict[str, str], bytes]:
    """A genuine signed creation and the same signed body under a changed unsigned header."""
    (event,) = fake.shop.take_events()
    genuine_headers, body = fake.render(event, url)
    return genuine_headers, body, {**genuine_headers, **headers}, body


@pytest.mark.parametrize(
    ("kind", "sku_ref", "header"),
    [
        ("shopify", "4001", {"X-Shopify-Topic": "orders/cancelled", "X-Shopify-Event-Id": "f1"}),
        (
            "woocommerce",
            "501",
            {"X-WC-Webhook-Topic": "order.deleted", "X-WC-Webhook-Delivery-ID": "f1"},
        ),
    ],
)
def test_finding_5_an_unsigned_topic_header_cannot_change_what_a_signed_order_means(
    ctx: Context, clock: ManualClock, kind: str, sku_ref: str, header: dict[str, str]
) -> None:
    fake: OrderEmitter = (ShopifyFake if kind == "shopify" else WooCommerceFake)(
        FakeShop({sku_ref: 0})
    )
    url = f"{URL}/{kind}"
    with fake.running():
        set_up(ctx, fake, sku_ref, cas=False)
        publish(ctx, CHANNEL, SKU, 10)
        push_all(ctx)
        assert fake.shop.sell(sku_ref, 3) is not None
        headers, body, replayed_headers, replayed_body = forged(fake, url, **header)
        with TestClient(create_app(ctx)) as client:
            assert client.post(url, content=body, headers=headers).status_code == 200
            process_all(ctx)
            held = count(ctx, reservations, reservations.c.state == "held")
            replayed = client.post(url, content=replayed_body, headers=replayed_headers)
            assert replayed.status_code in (400, 422), replayed.text
            assert "topic" in problem_of(replayed)["detail"]
            process_all(ctx)
    assert held == 1
    assert count(ctx, reservations, reservations.c.state == "held") == 1, "not cancelled"
    assert count(ctx, channel_order_lines, channel_order_lines.c.status == "cancelled") == 0


@pytest.mark.parametrize("kind", ["tiktok_shop", "shopee"])
def test_finding_5_a_tiktok_or_shopee_push_outside_the_freshness_window_is_refused(
    ctx: Context, clock: ManualClock, kind: str
) -> None:
    fake: OrderEmitter = (TikTokShopFake if kind == "tiktok_shop" else ShopeeFake)(
        FakeShop({"100:200": 5})
    )
    url = f"{URL}/{kind}"
    signed_url = PLACEHOLDER_CALLBACK if kind == "shopee" else url
    tolerance = ChannelSettings().webhook_timestamp_tolerance_seconds
    with fake.running():
        set_up(ctx, fake, "100:200", cas=False)
        with TestClient(create_app(ctx)) as client:
            for stamped, expected in (
                (datetime(2001, 9, 9, 1, 46, 40, tzinfo=UTC), 401),
                (clock.now() - timedelta(seconds=tolerance + 30), 401),
                (clock.now() + timedelta(seconds=tolerance + 30), 401),
                (clock.now() - timedelta(seconds=30), 200),
            ):
                fake.shop.clock = lambda moment=stamped: moment  # type: ignore[misc]
                assert fake.shop.sell("100:200", 1) is not None
                (event,) = fake.shop.take_events()
                headers, body = fake.render(event, signed_url)
                answer = client.post(url, content=body, headers=headers)
                assert answer.status_code == expected, (stamped, answer.text)
                if expected == 401:
                    assert "timestamp" in problem_of(answer)["detail"]
                    assert inbox_rows(ctx) == 0, "a stale push stores nothing"
    assert inbox_rows(ctx) == 1


def test_finding_6_unsigned_deliveries_write_no_inbox_row_and_processed_rows_expire(
    ctx: Context, clock: ManualClock
) -> None:
    fake = WooCommerceFake(FakeShop({"501": 0}))
    url = f"{URL}/woocommerce"
    retention = timedelta(hours=SyncSettings().inbox_retention_hours)
    with fake.running():
        set_up(ctx, fake, "501", cas=False)
        publish(ctx, CHANNEL, SKU, 10)
        push_all(ctx)
        with TestClient(create_app(ctx)) as client:
            for ping in range(1, 51):
                answer = client.post(
                    url,
                    content=f"webhook_id={ping}".encode(),
                    headers={"content-type": "application/x-www-form-urlencoded"},
                )
                assert answer.status_code == 200, "WooCommerce must be able to save its webhook"
            assert inbox_rows(ctx) == 0, "an unsigned ping is answered, never stored"
            assert fake.shop.sell("501", 2) is not None
            (event,) = fake.shop.take_events()
            headers, body = fake.render(event, url)
            assert client.post(url, content=body, headers=headers).status_code == 200
            process_all(ctx)
            clock.advance(timedelta(minutes=5))
            assert fake.shop.sell("501", 1) is not None
            (waiting,) = fake.shop.take_events()
            headers, body = fake.render(waiting, url)
            assert client.post(url, content=body, headers=headers).status_code == 200
    assert inbox_rows(ctx) == 2
    assert run_due_jobs(ctx) >= 0
    assert inbox_rows(ctx) == 2, "nothing is due yet"
    clock.advance(retention + timedelta(minutes=1))
    run_due_jobs(ctx)
    with reading(ctx.engine) as connection:
        left = [row.state for row in connection.execute(select(channel_inbox.c.state))]
    assert left == ["pending"], "a processed row expires; one still to process is kept"
    assert count(ctx, channel_order_lines) == 1, "the booked order stays booked"
