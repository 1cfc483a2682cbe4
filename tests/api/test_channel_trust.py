"""Channels seen from the outside: their credentials are write-only, a channel key sees only its
own channel, and a channel's settings are bounded (issue 11)."""

from __future__ import annotations

from typing import Any

import httpx

from buzzstock.channels.signatures import shopify_signature

from .helpers import problem_of

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
