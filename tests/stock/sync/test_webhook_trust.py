"""Webhook intake that trusts only what is signed, on SQLite and PostgreSQL, through the real API
and the platform fakes (issue 11): secrets rotate without a restart, with a grace window for
the previous one."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
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
from buzzstock.shop import ShopFile, load_shop
from buzzstock.sim.channel_fakes import FakeShop, OrderEmitter, ShopifyFake, config_for
from buzzstock.stock.sync.store import channel_inbox

CHANNEL = "shop-us"
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
