"""Channels seen from the outside: their credentials are write-only, a channel key sees only its
own channel, and a channel's settings are bounded (issue 11)."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import insert

from buzzstock.catalog.store import channels
from buzzstock.channels.signatures import shopify_signature
from buzzstock.core.db import create_db_engine

from .helpers import Server, problem_of

MASK = "********"
SHOPIFY_SECRETS = {"access_token": "shpat_LEAKED", "client_secret": "shpss_LEAKED"}


def shopify_channel(code: str, **adapter: str) -> dict[str, Any]:
    return {
        "code": code,
        "name": "Shopify test store",
        "platform": "shopify",
        "market": "US",
        "webhook_secret": "whsec_LEAKED",
        "settings": {
            "adapter": {
                "base_url": "https://trust.myshopify.com",
                "location_id": "gid://shopify/Location/1",
                **adapter,
            },
            "note": "ours",
        },
    }


def signed_shopify_delivery(client_secret: str, order_id: int) -> tuple[dict[str, str], bytes]:
    body = (
        f'{{"id": {order_id}, "updated_at": "2026-03-01T20:00:00Z", "cancelled_at": null, '
        '"line_items": []}'
    ).encode()
    return {
        "content-type": "application/json",
        "X-Shopify-Topic": "orders/create",
        "X-Shopify-Hmac-Sha256": shopify_signature(body, client_secret),
        "X-Shopify-Event-Id": f"trust-{order_id}",
    }, body


def test_finding_1_channel_secrets_are_write_only_and_a_channel_key_sees_only_its_channel(
    admin: httpx.Client, channel: httpx.Client, anonymous: httpx.Client
) -> None:
    created = admin.post("/api/v1/channels", json=shopify_channel("shop-trust", **SHOPIFY_SECRETS))
    assert created.status_code == 201, created.text
    shown = admin.get("/api/v1/channels/shop-trust")
    listed = admin.get("/api/v1/channels")
    for answer in (created, shown, listed):
        assert answer.status_code == 200 or answer is created
        assert "LEAKED" not in answer.text, "a secret was returned"
    adapter = shown.json()["settings"]["adapter"]
    assert adapter["access_token"] == adapter["client_secret"] == MASK
    assert adapter["base_url"] == "https://trust.myshopify.com", "what is not secret is shown"
    assert shown.json()["webhook_secret"] == MASK

    own = channel.get("/api/v1/channels")
    assert own.status_code == 200
    assert [entry["code"] for entry in own.json()] == ["tiktok-us"]
    for other in ("shop-trust", "amazon-us"):
        refused = channel.get(f"/api/v1/channels/{other}")
        assert refused.status_code == 404
        assert "LEAKED" not in problem_of(refused)["detail"]
    assert channel.get("/api/v1/channels/tiktok-us").status_code == 200

    # Saving back what was shown, or leaving the secrets out, keeps the stored secrets.
    resaved = admin.post("/api/v1/channels", json=shown.json())
    assert resaved.status_code == 200, resaved.text
    assert "LEAKED" not in resaved.text
    headers, body = signed_shopify_delivery("shpss_LEAKED", 1)
    url = "/api/v1/channels/shop-trust/webhooks/shopify"
    assert anonymous.post(url, content=body, headers=headers).status_code == 200
    without = shopify_channel("shop-trust")
    without.pop("webhook_secret")
    assert admin.post("/api/v1/channels", json=without).status_code == 200
    headers, body = signed_shopify_delivery("shpss_LEAKED", 2)
    assert anonymous.post(url, content=body, headers=headers).status_code == 200
    assert admin.get("/api/v1/channels/shop-trust").json()["webhook_secret"] == MASK

    # The mask stands for a stored secret: a channel that has none cannot be given it.
    refused = admin.post(
        "/api/v1/channels",
        json=shopify_channel("shop-masked", access_token=MASK, client_secret=MASK),
    )
    assert refused.status_code == 422
    assert "client_secret" in problem_of(refused)["detail"]
    assert admin.get("/api/v1/channels/shop-masked").status_code == 404


def nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(depth):
        value = {"x": value}
    return value


def test_finding_7_channel_settings_are_bounded_and_a_bad_stored_row_breaks_no_listing(
    server: Server, admin: httpx.Client, operator: httpx.Client, channel: httpx.Client
) -> None:
    for settings in (nested(900), {"adapter": {"note": "x" * 70_000}}, nested(11)):
        body = {**shopify_channel("shop-deep"), "settings": settings}
        refused = admin.post("/api/v1/channels", json=body)
        assert refused.status_code == 422, refused.text[:300]
        assert "settings" in problem_of(refused)["detail"]
    assert admin.get("/api/v1/channels/shop-deep").status_code == 404
    kept = admin.post(
        "/api/v1/channels", json={**shopify_channel("shop-ok"), "settings": nested(9)}
    )
    assert kept.status_code == 201, kept.text[:300]

    # A row saved before the limits existed, and one whose settings are not an object.
    engine = create_db_engine(server.database_url)
    try:
        with engine.begin() as connection:
            legacy: list[tuple[str, object]] = [
                ("shop-legacy", nested(900)),
                ("shop-odd", ["not", "an object"]),
            ]
            for code, stored_settings in legacy:
                connection.execute(
                    insert(channels).values(
                        code=code,
                        name="legacy",
                        platform="shopify",
                        market="US",
                        settings=stored_settings,
                        active=True,
                    )
                )
    finally:
        engine.dispose()
    for client in (admin, operator):
        listed = client.get("/api/v1/channels")
        assert listed.status_code == 200, listed.text[:300]
        shown = {entry["code"]: entry for entry in listed.json()}
        assert {"shop-legacy", "shop-odd", "tiktok-us", "shop-ok"} <= set(shown)
        for code in ("shop-legacy", "shop-odd"):
            assert shown[code]["settings"] is None
            assert "save the channel again" in shown[code]["settings_problem"]
    assert channel.get("/api/v1/channels").status_code == 200
    shown_alone = admin.get("/api/v1/channels/shop-legacy")
    assert shown_alone.status_code == 200 and shown_alone.json()["settings"] is None
    repaired = admin.post("/api/v1/channels", json=shopify_channel("shop-legacy"))
    assert repaired.status_code == 200, repaired.text[:300]
    assert "settings_problem" not in admin.get("/api/v1/channels/shop-legacy").json()
    refused = channel.get("/api/v1/channels/shop-legacy")
    assert refused.status_code == 404
