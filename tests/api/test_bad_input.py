"""Bad input gets problem+json that says what to fix, and changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from .helpers import DEMO_SKU, Server, nothing_changes, problem_of, reservation_body


@pytest.mark.parametrize(
    ("quantity", "words"),
    [
        pytest.param(-1, "quantity", id="negative"),
        pytest.param(0, "quantity", id="zero"),
        pytest.param(10**9, "between 1 and 1000", id="billion"),
        pytest.param(10**30, "between 1 and 1000", id="ten-to-the-30"),
        pytest.param(2.5, "quantity", id="fraction"),
        pytest.param(1e30, "quantity", id="huge-float"),
        pytest.param("two", "quantity", id="word"),
        pytest.param(None, "quantity", id="null"),
        pytest.param([1], "quantity", id="list"),
        pytest.param(
            True,
            "quantity",
            id="boolean",
        ),
        pytest.param(
            "2",
            "quantity",
            id="numeric-string",
        ),
    ],
)
def test_a_quantity_that_is_not_a_sensible_count_is_refused(
    channel: httpx.Client, operator: httpx.Client, quantity: Any, words: str
) -> None:
    with nothing_changes(operator):
        refused = channel.post("/api/v1/reservations", json=reservation_body(DEMO_SKU, quantity))
    assert refused.status_code == 422, refused.text
    assert words in problem_of(refused)["detail"]


@pytest.mark.parametrize(
    ("changes", "status", "words"),
    [
        pytest.param({"sku": "NO-SUCH-SKU"}, 404, "NO-SUCH-SKU", id="unknown-sku"),
        pytest.param({"sku": ""}, 422, "sku", id="empty-sku"),
        pytest.param({"buyer": "b" * 201}, 422, "buyer", id="overlong-buyer"),
        pytest.param({"price": 9.99}, 422, "price", id="extra-field"),
        pytest.param({"buyer": None}, 422, "buyer", id="null-buyer"),
    ],
)
def test_a_reservation_naming_what_does_not_exist_is_refused(
    channel: httpx.Client, operator: httpx.Client, changes: dict[str, Any], status: int, words: str
) -> None:
    body = {**reservation_body(DEMO_SKU), **changes}
    with nothing_changes(operator):
        refused = channel.post("/api/v1/reservations", json=body)
    assert refused.status_code == status, refused.text
    assert words in problem_of(refused)["detail"]


def test_an_unknown_channel_is_refused(admin: httpx.Client, operator: httpx.Client) -> None:
    with nothing_changes(operator):
        refused = admin.post(
            "/api/v1/reservations", json=reservation_body(DEMO_SKU, channel="mars-shop")
        )
    assert refused.status_code == 404
    assert "mars-shop" in problem_of(refused)["detail"]


@pytest.mark.parametrize("missing", ["sku", "quantity", "channel", "buyer"])
def test_a_missing_field_is_named(
    channel: httpx.Client, operator: httpx.Client, missing: str
) -> None:
    body = reservation_body(DEMO_SKU)
    del body[missing]
    with nothing_changes(operator):
        refused = channel.post("/api/v1/reservations", json=body)
    assert refused.status_code == 422
    problem = problem_of(refused)
    assert problem["detail"] == f"{missing}: Field required"
    assert problem["errors"] == [{"field": missing, "message": "Field required"}]


@pytest.mark.parametrize(
    ("content", "status", "words"),
    [
        pytest.param(b'{"sku": "BREEZE-BAND", "quantity": 1,', 400, "JSON", id="cut-off"),
        pytest.param(b"{'sku': 'BREEZE-BAND'}", 400, "JSON", id="single-quotes"),
        pytest.param(b"", 422, "(body)", id="empty"),
        pytest.param(b"[1, 2]", 422, "(body)", id="not-an-object"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_refused(
    channel: httpx.Client, operator: httpx.Client, content: bytes, status: int, words: str
) -> None:
    with nothing_changes(operator):
        refused = channel.post(
            "/api/v1/reservations",
            content=content,
            headers={"content-type": "application/json"},
        )
    assert refused.status_code == status
    assert words in problem_of(refused)["detail"]


def _oversize_body() -> bytes:
    body = reservation_body(DEMO_SKU, buyer="x" * (1_048_576 + 1))
    return httpx.Request("POST", "/", json=body).content


def test_an_oversize_body_is_refused_before_it_is_read(
    channel: httpx.Client, operator: httpx.Client
) -> None:
    with nothing_changes(operator):
        refused = channel.post(
            "/api/v1/reservations",
            content=_oversize_body(),
            headers={"content-type": "application/json"},
        )
    assert refused.status_code == 413
    assert "1048576 bytes" in problem_of(refused)["detail"]


def test_an_oversize_body_without_a_length_is_cut_off(
    channel: httpx.Client, operator: httpx.Client
) -> None:
    def chunks() -> Iterator[bytes]:
        body = _oversize_body()
        for start in range(0, len(body), 65_536):
            yield body[start : start + 65_536]

    with nothing_changes(operator):
        refused = channel.post(
            "/api/v1/reservations",
            content=chunks(),
            headers={"content-type": "application/json"},
        )
    assert refused.status_code == 413
    assert "1048576 bytes" in problem_of(refused)["detail"]


def test_a_body_just_under_the_limit_is_read(channel: httpx.Client, operator: httpx.Client) -> None:
    body = reservation_body(DEMO_SKU, buyer="b" * 201)
    padded = httpx.Request("POST", "/", json=body).content
    with nothing_changes(operator):
        refused = channel.post(
            "/api/v1/reservations",
            content=padded + b" " * (1_048_576 - len(padded)),
            headers={"content-type": "application/json"},
        )
    assert refused.status_code == 422
    assert "buyer" in problem_of(refused)["detail"]


@pytest.mark.parametrize(
    "path", ["/api/v1/no-such-thing", "/api/v1/reservations/a/b/c", "/nowhere"]
)
def test_an_unknown_route_is_a_404_problem(channel: httpx.Client, path: str) -> None:
    missing = channel.get(path)
    assert missing.status_code == 404
    assert "see /docs" in problem_of(missing)["detail"]


def test_a_wrong_method_is_a_405_problem(channel: httpx.Client) -> None:
    refused = channel.delete("/api/v1/reservations")
    assert refused.status_code == 405
    problem_of(refused)


def test_unknown_reservations_and_orders_are_404(channel: httpx.Client) -> None:
    for answer, named in (
        (channel.get("/api/v1/reservations/res_nope"), "res_nope"),
        (channel.post("/api/v1/reservations/res_nope/confirm"), "res_nope"),
        (channel.post("/api/v1/reservations/res_nope/cancel"), "res_nope"),
        (channel.get("/api/v1/orders/ord_nope"), "ord_nope"),
        (channel.get("/api/v1/stock/NO-SUCH-SKU"), "NO-SUCH-SKU"),
    ):
        assert answer.status_code == 404
        assert named in problem_of(answer)["detail"]


def test_a_ship_to_off_the_globe_is_refused(channel: httpx.Client, operator: httpx.Client) -> None:
    held = channel.post("/api/v1/reservations", json=reservation_body(DEMO_SKU)).json()
    with nothing_changes(operator):
        refused = channel.post(
            f"/api/v1/reservations/{held['id']}/confirm",
            json={"ship_to": {"lat": 123.0, "lon": 10.0}},
        )
    assert refused.status_code == 422
    assert "ship_to.lat" in problem_of(refused)["detail"]
    assert channel.get(f"/api/v1/reservations/{held['id']}").json()["state"] == "held"
    channel.post(f"/api/v1/reservations/{held['id']}/cancel").raise_for_status()


@pytest.mark.parametrize("quantity", [0, -5, 10**30])
def test_a_receipt_of_a_silly_quantity_is_refused(operator: httpx.Client, quantity: int) -> None:
    with nothing_changes(operator):
        refused = operator.post(
            f"/api/v1/stock/{DEMO_SKU}/receipts", json={"warehouse": "LAX", "quantity": quantity}
        )
    assert refused.status_code == 422
    assert "quantity" in problem_of(refused)["detail"]


def test_a_huge_buyer_limit_is_refused(operator: httpx.Client) -> None:
    with nothing_changes(operator):
        refused = operator.put(f"/api/v1/stock/{DEMO_SKU}/buyer-limit", json={"limit": 10**30})
    assert refused.status_code == 422
    assert "limit" in problem_of(refused)["detail"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/outbox/dead-letters?limit=100000000000000000000000"),
        ("GET", "/api/v1/outbox/dead-letters?offset=-1"),
        ("POST", "/api/v1/outbox/dead-letters/100000000000000000000000/retry"),
    ],
)
def test_huge_numbers_in_dead_letter_routes_are_refused(
    admin: httpx.Client, method: str, path: str
) -> None:
    refused = admin.request(method, path)
    assert refused.status_code in (404, 422)
    problem_of(refused)


def test_the_ledger_verifies_after_every_refusal(operator: httpx.Client, server: Server) -> None:
    report = operator.get("/api/v1/ledger/verify").json()
    assert report["ok"] is True
    assert report["mismatched"] == []
