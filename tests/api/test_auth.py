"""API keys and roles: who may do what, seen from the outside."""

from __future__ import annotations

import httpx
import pytest

from .helpers import DEMO_SKU, Server, new_sku, problem_of, reservation_body, stock_numbers


def test_a_request_without_a_key_is_refused_with_instructions(anonymous: httpx.Client) -> None:
    refused = anonymous.post("/api/v1/reservations", json=reservation_body(DEMO_SKU))
    assert refused.status_code == 401
    assert "Authorization: Bearer" in problem_of(refused)["detail"]
    assert anonymous.get(f"/api/v1/stock/{DEMO_SKU}").status_code == 401


def test_an_unknown_key_is_refused(server: Server) -> None:
    with httpx.Client(
        base_url=server.base_url, headers={"Authorization": "Bearer bz_admin_made-up"}
    ) as stranger:
        refused = stranger.get(f"/api/v1/stock/{DEMO_SKU}")
    assert refused.status_code == 401
    assert "unknown" in problem_of(refused)["detail"]


def test_the_key_may_also_come_in_x_api_key(server: Server) -> None:
    with httpx.Client(
        base_url=server.base_url, headers={"X-API-Key": server.keys["operator"]}
    ) as client:
        assert client.get(f"/api/v1/stock/{DEMO_SKU}").status_code == 200


def test_a_channel_key_cannot_reserve_for_another_channel(channel: httpx.Client) -> None:
    before = stock_numbers(channel, DEMO_SKU)
    refused = channel.post(
        "/api/v1/reservations", json=reservation_body(DEMO_SKU, channel="amazon-us")
    )
    assert refused.status_code == 403
    detail = problem_of(refused)["detail"]
    assert "tiktok-us" in detail
    assert "amazon-us" in detail
    assert stock_numbers(channel, DEMO_SKU) == before


def test_a_channel_key_cannot_touch_another_channels_reservation(
    server: Server, channel: httpx.Client
) -> None:
    with server.client("amazon") as amazon:
        held = amazon.post(
            "/api/v1/reservations", json=reservation_body(DEMO_SKU, channel="amazon-us")
        )
        assert held.status_code == 201, held.text
        reservation_id = held.json()["id"]
        before = stock_numbers(channel, DEMO_SKU)

        for attempt in (
            channel.get(f"/api/v1/reservations/{reservation_id}"),
            channel.post(f"/api/v1/reservations/{reservation_id}/confirm"),
            channel.post(f"/api/v1/reservations/{reservation_id}/cancel"),
        ):
            assert attempt.status_code == 403
            problem_of(attempt)

        assert stock_numbers(channel, DEMO_SKU) == before
        assert amazon.get(f"/api/v1/reservations/{reservation_id}").json()["state"] == "held"
        assert amazon.post(f"/api/v1/reservations/{reservation_id}/cancel").status_code == 200


def test_a_channel_key_cannot_pause_ship_or_receive(
    admin: httpx.Client, channel: httpx.Client
) -> None:
    held = channel.post("/api/v1/reservations", json=reservation_body(DEMO_SKU)).json()
    order = channel.post(f"/api/v1/reservations/{held['id']}/confirm").json()
    before = stock_numbers(channel, DEMO_SKU)

    for attempt in (
        channel.post(f"/api/v1/stock/{DEMO_SKU}/pause", json={"reason": "mine now"}),
        channel.post(f"/api/v1/orders/{order['id']}/ship"),
        channel.post(
            f"/api/v1/stock/{DEMO_SKU}/receipts", json={"warehouse": "LAX", "quantity": 5}
        ),
        channel.put(f"/api/v1/stock/{DEMO_SKU}/buyer-limit", json={"limit": 1}),
        channel.get("/api/v1/ledger/verify"),
    ):
        assert attempt.status_code == 403, attempt.text
        assert "channel" in problem_of(attempt)["detail"]

    assert stock_numbers(channel, DEMO_SKU) == before
    assert channel.get(f"/api/v1/orders/{order['id']}").json()["state"] == "allocated"
    admin.post(f"/api/v1/reservations/{held['id']}/cancel").raise_for_status()


def test_a_supplier_key_cannot_touch_reservations_or_stock(
    channel: httpx.Client, supplier: httpx.Client
) -> None:
    held = channel.post("/api/v1/reservations", json=reservation_body(DEMO_SKU)).json()
    before = stock_numbers(channel, DEMO_SKU)

    for attempt in (
        supplier.post("/api/v1/reservations", json=reservation_body(DEMO_SKU)),
        supplier.get(f"/api/v1/reservations/{held['id']}"),
        supplier.post(f"/api/v1/reservations/{held['id']}/cancel"),
        supplier.get(f"/api/v1/stock/{DEMO_SKU}"),
        supplier.post(
            f"/api/v1/stock/{DEMO_SKU}/receipts", json={"warehouse": "LAX", "quantity": 5}
        ),
        supplier.post("/api/v1/keys", json={"name": "me too", "role": "admin"}),
    ):
        assert attempt.status_code == 403, attempt.text
        assert "supplier" in problem_of(attempt)["detail"]

    assert stock_numbers(channel, DEMO_SKU) == before
    channel.post(f"/api/v1/reservations/{held['id']}/cancel").raise_for_status()


def test_an_operator_runs_stock_but_cannot_create_keys(
    admin: httpx.Client, operator: httpx.Client
) -> None:
    sku = new_sku(admin, "OPERATED", 10)
    keys_before = admin.get("/api/v1/keys").json()

    refused = operator.post("/api/v1/keys", json={"name": "sneaky", "role": "admin"})

    assert refused.status_code == 403
    assert "admin" in problem_of(refused)["detail"]
    assert admin.get("/api/v1/keys").json() == keys_before
    assert operator.get("/api/v1/keys").status_code == 403
    received = operator.post(
        f"/api/v1/stock/{sku}/receipts", json={"warehouse": "HAM", "quantity": 3}
    )
    assert received.status_code == 201
    assert received.json()["on_hand"] == 13


def test_an_admin_creates_a_channel_key_that_works_at_once_and_can_revoke_it(
    server: Server, admin: httpx.Client
) -> None:
    created = admin.post(
        "/api/v1/keys", json={"name": "Shopee MY live", "role": "channel", "channel": "shopee-my"}
    )
    assert created.status_code == 201, created.text
    answer = created.json()
    assert answer["role"] == "channel"
    assert answer["key"].startswith("bz_channel_")
    listed = {row["id"]: row for row in admin.get("/api/v1/keys").json()}
    assert listed[answer["id"]]["channel"] == "shopee-my"
    assert "key" not in listed[answer["id"]]

    with httpx.Client(
        base_url=server.base_url, headers={"Authorization": f"Bearer {answer['key']}"}
    ) as shopee:
        held = shopee.post(
            "/api/v1/reservations", json=reservation_body(DEMO_SKU, channel="shopee-my")
        )
        assert held.status_code == 201, held.text
        assert held.json()["taken_from"]["SEA"] == 1
        shopee.post(f"/api/v1/reservations/{held.json()['id']}/cancel").raise_for_status()

        assert admin.delete(f"/api/v1/keys/{answer['id']}").status_code == 204
        assert shopee.get(f"/api/v1/stock/{DEMO_SKU}").status_code == 401


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"name": "x", "role": "root"}, "unknown role"),
        ({"name": "x", "role": "channel"}, "channel"),
        ({"name": "x", "role": "supplier"}, "supplier"),
        ({"name": "   ", "role": "operator"}, "name"),
    ],
)
def test_a_key_request_that_makes_no_sense_is_refused(
    admin: httpx.Client, body: dict[str, str], words: str
) -> None:
    keys_before = admin.get("/api/v1/keys").json()
    refused = admin.post("/api/v1/keys", json=body)
    assert refused.status_code == 422
    assert words in problem_of(refused)["detail"]
    assert admin.get("/api/v1/keys").json() == keys_before


def test_only_an_admin_manages_webhook_subscriptions(
    admin: httpx.Client, operator: httpx.Client
) -> None:
    body = {"url": "https://erp.example.com/buzzstock", "event_types": ["Reservation*"]}
    assert operator.post("/api/v1/webhooks/subscriptions", json=body).status_code == 403

    created = admin.post("/api/v1/webhooks/subscriptions", json=body)

    assert created.status_code == 201, created.text
    subscription = created.json()
    assert subscription["secret"].startswith("whsec_")
    listed = admin.get("/api/v1/webhooks/subscriptions").json()
    assert [row["url"] for row in listed if row["id"] == subscription["id"]] == [body["url"]]
    assert all("secret" not in row for row in listed)
    removed = admin.delete(f"/api/v1/webhooks/subscriptions/{subscription['id']}")
    assert removed.status_code == 200
    assert removed.json() == {"dead_lettered": 0}


def test_a_webhook_url_that_is_not_http_is_refused(admin: httpx.Client) -> None:
    before = admin.get("/api/v1/webhooks/subscriptions").json()
    refused = admin.post(
        "/api/v1/webhooks/subscriptions", json={"url": "ftp://example.com", "event_types": ["*"]}
    )
    assert refused.status_code == 422
    assert "http(s)" in problem_of(refused)["detail"]
    assert admin.get("/api/v1/webhooks/subscriptions").json() == before


def test_operators_see_dead_letters_and_outbox_stats_but_channels_do_not(
    operator: httpx.Client, channel: httpx.Client
) -> None:
    assert operator.get("/api/v1/outbox/dead-letters").json() == []
    stats = operator.get("/api/v1/outbox/stats").json()
    assert stats["dead"] == 0
    assert channel.get("/api/v1/outbox/dead-letters").status_code == 403
    assert channel.get("/api/v1/outbox/stats").status_code == 403
