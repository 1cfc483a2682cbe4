"""Selling through the API: reserve, confirm, ship, cancel, and the refusals a channel sees."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from .helpers import DEMO_SKU, ledger_rows, new_sku, problem_of, reservation_body, stock_numbers


def test_a_reservation_holds_units_until_confirmed_shipped_or_cancelled(
    channel: httpx.Client, operator: httpx.Client
) -> None:
    before = stock_numbers(channel, DEMO_SKU)

    held = channel.post("/api/v1/reservations", json=reservation_body(DEMO_SKU, 3))
    assert held.status_code == 201, held.text
    reservation = held.json()
    assert {key: reservation[key] for key in ("sku", "quantity", "channel", "state")} == {
        "sku": DEMO_SKU,
        "quantity": 3,
        "channel": "tiktok-us",
        "state": "held",
    }
    assert reservation["id"]
    assert datetime.fromisoformat(reservation["expires_at"]) > datetime.now(UTC)
    after_hold = stock_numbers(channel, DEMO_SKU)
    assert after_hold["available"] == before["available"] - 3
    assert after_hold["held"] == before["held"] + 3
    assert after_hold["on_hand"] == before["on_hand"]

    read = channel.get(f"/api/v1/reservations/{reservation['id']}")
    assert read.status_code == 200
    assert read.json()["state"] == "held"

    confirmed = channel.post(f"/api/v1/reservations/{reservation['id']}/confirm")
    assert confirmed.status_code == 200, confirmed.text
    order = confirmed.json()
    assert order["reservation_id"] == reservation["id"]
    assert order["quantity"] == 3
    assert sum(line["quantity"] for line in order["allocations"]) == 3
    assert {line["warehouse"] for line in order["allocations"]} == {"LAX"}
    after_confirm = stock_numbers(channel, DEMO_SKU)
    assert after_confirm["available"] == before["available"] - 3
    assert after_confirm["reserved"] == before["reserved"] + 3
    assert after_confirm["held"] == before["held"]

    shipped = operator.post(f"/api/v1/orders/{order['id']}/ship")
    assert shipped.status_code == 200, shipped.text
    assert shipped.json()["state"] == "shipped"
    after_ship = stock_numbers(channel, DEMO_SKU)
    assert after_ship["on_hand"] == before["on_hand"] - 3
    assert after_ship["reserved"] == before["reserved"]
    assert after_ship["available"] == before["available"] - 3
    lax = {row["warehouse"]: row for row in after_ship["warehouses"]}["LAX"]
    lax_before = {row["warehouse"]: row for row in before["warehouses"]}["LAX"]
    assert lax["on_hand"] == lax_before["on_hand"] - 3

    shipped_again = operator.post(f"/api/v1/orders/{order['id']}/ship")
    assert shipped_again.status_code == 409
    problem_of(shipped_again)


def test_cancel_gives_the_units_back_exactly_once(channel: httpx.Client) -> None:
    before = stock_numbers(channel, DEMO_SKU)
    reservation = channel.post("/api/v1/reservations", json=reservation_body(DEMO_SKU, 5)).json()
    assert stock_numbers(channel, DEMO_SKU)["available"] == before["available"] - 5

    cancelled = channel.post(f"/api/v1/reservations/{reservation['id']}/cancel")
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["state"] == "cancelled"
    assert stock_numbers(channel, DEMO_SKU) == before

    again = channel.post(f"/api/v1/reservations/{reservation['id']}/cancel")
    assert again.status_code == 409
    assert problem_of(again)["rule"] == "S-4"
    assert stock_numbers(channel, DEMO_SKU) == before

    confirm_cancelled = channel.post(f"/api/v1/reservations/{reservation['id']}/confirm")
    assert confirm_cancelled.status_code == 409
    assert "cancelled" in problem_of(confirm_cancelled)["detail"]


def test_cancelling_a_confirmed_order_frees_its_warehouse_stock(channel: httpx.Client) -> None:
    before = stock_numbers(channel, DEMO_SKU)
    reservation = channel.post("/api/v1/reservations", json=reservation_body(DEMO_SKU, 2)).json()
    channel.post(f"/api/v1/reservations/{reservation['id']}/confirm").raise_for_status()
    assert stock_numbers(channel, DEMO_SKU)["reserved"] == before["reserved"] + 2

    cancelled = channel.post(f"/api/v1/reservations/{reservation['id']}/cancel")

    assert cancelled.status_code == 200, cancelled.text
    after = stock_numbers(channel, DEMO_SKU)
    for measure in ("on_hand", "reserved", "held", "available", "warehouses"):
        assert after[measure] == before[measure], measure
    assert [(row["bucket"], row["used"], row["free"]) for row in after["quotas"]] == [
        (row["bucket"], row["used"], row["free"]) for row in before["quotas"]
    ]


def test_a_cancelled_order_no_longer_counts_as_sold(
    admin: httpx.Client, channel: httpx.Client
) -> None:
    sku = new_sku(admin, "SOLD-THEN-CANCELLED", 10)
    reservation = channel.post("/api/v1/reservations", json=reservation_body(sku, 4)).json()
    channel.post(f"/api/v1/reservations/{reservation['id']}/confirm").raise_for_status()
    assert stock_numbers(channel, sku)["quotas"][0]["sold"] == 4

    channel.post(f"/api/v1/reservations/{reservation['id']}/cancel").raise_for_status()

    assert stock_numbers(channel, sku)["quotas"][0]["sold"] == 0


def test_the_stock_view_shows_warehouses_and_region_quotas(channel: httpx.Client) -> None:
    view = stock_numbers(channel, DEMO_SKU)
    assert [row["warehouse"] for row in view["warehouses"]] == ["HAM", "LAX", "SIN"]
    assert {row["bucket"] for row in view["quotas"]} == {"US", "EU", "SEA", "elastic"}
    assert sum(row["limit"] for row in view["quotas"]) == view["on_hand"]
    assert view["available"] == sum(row["free"] for row in view["quotas"])
    assert view["on_hand"] == sum(row["on_hand"] for row in view["warehouses"])


def test_more_than_the_free_stock_is_refused_with_rule_s4(
    admin: httpx.Client, channel: httpx.Client, operator: httpx.Client
) -> None:
    sku = new_sku(admin, "TINY-STOCK", 5)
    assert channel.post("/api/v1/reservations", json=reservation_body(sku, 4)).status_code == 201
    before, rows_before = stock_numbers(channel, sku), ledger_rows(operator)

    refused = channel.post("/api/v1/reservations", json=reservation_body(sku, 2))

    assert refused.status_code == 409
    problem = problem_of(refused)
    assert problem["rule"] == "S-4"
    assert problem["type"].endswith("/insufficient-stock")
    assert sku in problem["detail"]
    assert stock_numbers(channel, sku) == before
    assert ledger_rows(operator) == rows_before
    assert channel.post("/api/v1/reservations", json=reservation_body(sku, 1)).status_code == 201
    assert stock_numbers(channel, sku)["available"] == 0


def test_a_buyer_over_the_purchase_limit_is_refused_with_rule_s5(
    admin: httpx.Client, channel: httpx.Client, operator: httpx.Client
) -> None:
    sku = new_sku(admin, "LIMITED-DROP", 50)
    limited = operator.put(f"/api/v1/stock/{sku}/buyer-limit", json={"limit": 2})
    assert limited.status_code == 200, limited.text
    assert limited.json()["buyer_limit"] == 2
    first = channel.post("/api/v1/reservations", json=reservation_body(sku, 2, buyer="fan-1"))
    channel.post(f"/api/v1/reservations/{first.json()['id']}/confirm").raise_for_status()
    before = stock_numbers(channel, sku)

    refused = channel.post("/api/v1/reservations", json=reservation_body(sku, 1, buyer="fan-1"))

    assert refused.status_code == 409
    problem = problem_of(refused)
    assert problem["rule"] == "S-5"
    assert problem["type"].endswith("/buyer-limit")
    assert "fan-1" in problem["detail"]
    assert stock_numbers(channel, sku) == before
    other_buyer = channel.post("/api/v1/reservations", json=reservation_body(sku, 2, buyer="fan-2"))
    assert other_buyer.status_code == 201

    lifted = operator.put(f"/api/v1/stock/{sku}/buyer-limit", json={"limit": None})
    assert lifted.json()["buyer_limit"] is None
    again = channel.post("/api/v1/reservations", json=reservation_body(sku, 1, buyer="fan-1"))
    assert again.status_code == 201


def test_a_paused_sku_refuses_new_reservations_with_rule_s4(
    admin: httpx.Client, channel: httpx.Client, operator: httpx.Client
) -> None:
    sku = new_sku(admin, "PAUSED-ITEM", 10)
    paused = operator.post(f"/api/v1/stock/{sku}/pause", json={"reason": "quality check"})
    assert paused.status_code == 200, paused.text
    assert paused.json()["paused"] is True
    before, rows_before = stock_numbers(channel, sku), ledger_rows(operator)

    refused = channel.post("/api/v1/reservations", json=reservation_body(sku, 1))

    assert refused.status_code == 409
    problem = problem_of(refused)
    assert problem["rule"] == "S-4"
    assert problem["type"].endswith("/sku-paused")
    assert "paused" in problem["detail"]
    assert stock_numbers(channel, sku) == before
    assert ledger_rows(operator) == rows_before

    operator.post(f"/api/v1/stock/{sku}/resume").raise_for_status()
    assert channel.post("/api/v1/reservations", json=reservation_body(sku, 1)).status_code == 201


def test_the_openapi_document_lists_the_reservation_routes(anonymous: httpx.Client) -> None:
    document = anonymous.get("/openapi.json")
    assert document.status_code == 200
    paths = document.json()["paths"]
    assert "post" in paths["/api/v1/reservations"]
    assert "get" in paths["/api/v1/reservations/{reservation_id}"]
    assert "post" in paths["/api/v1/reservations/{reservation_id}/confirm"]
    assert "post" in paths["/api/v1/reservations/{reservation_id}/cancel"]
    assert "get" in paths["/api/v1/stock/{sku}"]


def test_the_ledger_verifies_after_everything_above(operator: httpx.Client) -> None:
    report = operator.get("/api/v1/ledger/verify").json()
    assert report["ok"] is True
    assert report["broken"] == []
    assert report["mismatched"] == []
    assert report["skus"] >= 4
