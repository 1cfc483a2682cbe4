"""Idempotency-Key: a retried creating request gets the first answer and takes stock once."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy import func, select

from buzzstock.core.db import create_db_engine
from buzzstock.core.idempotency import idempotency_keys

from .helpers import (
    DEMO_SKU,
    Server,
    ledger_rows,
    new_sku,
    nothing_changes,
    problem_of,
    reservation_body,
    stock_numbers,
)


def _key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


def test_a_retried_reservation_gets_the_same_answer_and_takes_stock_once(
    channel: httpx.Client, operator: httpx.Client
) -> None:
    headers = _key()
    body = reservation_body(DEMO_SKU, 2, buyer="retrying-buyer")
    before = stock_numbers(channel, DEMO_SKU)

    first = channel.post("/api/v1/reservations", json=body, headers=headers)
    rows_after_first = ledger_rows(operator)
    retried = [channel.post("/api/v1/reservations", json=body, headers=headers) for _ in range(3)]

    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers
    for answer in retried:
        assert answer.status_code == 201
        assert answer.headers["idempotent-replayed"] == "true"
        assert answer.json() == first.json()
    assert stock_numbers(channel, DEMO_SKU)["available"] == before["available"] - 2
    assert ledger_rows(operator) == rows_after_first


def test_the_same_key_with_another_body_is_refused_and_changes_nothing(
    channel: httpx.Client, operator: httpx.Client
) -> None:
    headers = _key()
    first = channel.post(
        "/api/v1/reservations", json=reservation_body(DEMO_SKU, 1), headers=headers
    )
    assert first.status_code == 201

    with nothing_changes(operator):
        reused = channel.post(
            "/api/v1/reservations", json=reservation_body(DEMO_SKU, 5), headers=headers
        )

    assert reused.status_code == 422
    problem = problem_of(reused)
    assert problem["type"].endswith("/idempotency-key-reused")
    assert "new key" in problem["detail"]


def test_two_api_keys_may_use_the_same_idempotency_key(
    server: Server, channel: httpx.Client
) -> None:
    headers = {"Idempotency-Key": "order-1001"}
    before = stock_numbers(channel, DEMO_SKU)
    tiktok = channel.post("/api/v1/reservations", json=reservation_body(DEMO_SKU), headers=headers)
    with server.client("amazon") as amazon:
        other = amazon.post(
            "/api/v1/reservations",
            json=reservation_body(DEMO_SKU, channel="amazon-us"),
            headers=headers,
        )

    assert tiktok.status_code == other.status_code == 201
    assert "idempotent-replayed" not in other.headers
    assert tiktok.json()["id"] != other.json()["id"]
    assert other.json()["channel"] == "amazon-us"
    assert stock_numbers(channel, DEMO_SKU)["available"] == before["available"] - 2


def test_a_retried_confirm_returns_the_same_order(channel: httpx.Client) -> None:
    held = channel.post("/api/v1/reservations", json=reservation_body(DEMO_SKU)).json()
    headers = _key()

    first = channel.post(f"/api/v1/reservations/{held['id']}/confirm", headers=headers)
    retried = channel.post(f"/api/v1/reservations/{held['id']}/confirm", headers=headers)
    without_key = channel.post(f"/api/v1/reservations/{held['id']}/confirm")

    assert first.status_code == retried.status_code == 200
    assert retried.json() == first.json()
    assert retried.headers["idempotent-replayed"] == "true"
    assert without_key.status_code == 409
    assert problem_of(without_key)["rule"] == "S-4"


def test_an_answer_the_client_has_read_is_replayed_to_an_immediate_retry(
    channel: httpx.Client,
) -> None:
    for _ in range(30):
        headers = _key()
        body = reservation_body(DEMO_SKU, 1, buyer="quick-retrier")
        first = channel.post("/api/v1/reservations", json=body, headers=headers)
        retried = channel.post("/api/v1/reservations", json=body, headers=headers)
        assert (first.status_code, retried.status_code) == (201, 201), retried.text
        assert retried.json() == first.json()
        channel.post(f"/api/v1/reservations/{first.json()['id']}/cancel")


def test_concurrent_retries_of_one_request_take_stock_once(
    admin: httpx.Client, server: Server, operator: httpx.Client
) -> None:
    sku = new_sku(admin, "RACED-RETRY", 10)
    headers = _key()
    body = reservation_body(sku, 3)

    def send(_: int) -> httpx.Response:
        with server.client("channel") as client:
            return client.post("/api/v1/reservations", json=body, headers=headers)

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(send, range(6)))

    granted = {answer.json()["id"] for answer in answers if answer.status_code == 201}
    in_flight = [answer for answer in answers if answer.status_code == 409]
    assert len(granted) == 1
    assert all(answer.status_code in (201, 409) for answer in answers)
    for answer in in_flight:
        assert problem_of(answer)["type"].endswith("/idempotency-key-in-flight")
    assert stock_numbers(operator, sku)["available"] == 7


def test_an_overlong_idempotency_key_is_refused(
    channel: httpx.Client, operator: httpx.Client
) -> None:
    with nothing_changes(operator):
        refused = channel.post(
            "/api/v1/reservations",
            json=reservation_body(DEMO_SKU),
            headers={"Idempotency-Key": "k" * 256},
        )
    assert refused.status_code == 422
    assert "255" in problem_of(refused)["detail"]


def test_requests_with_a_bad_api_key_claim_no_idempotency_key(
    server: Server, anonymous: httpx.Client
) -> None:
    """Issue 11 finding 6: 500 POSTs with an unknown API key used to leave 500 rows behind."""
    before = _stored_keys(server)
    for attempt in range(50):
        refused = anonymous.post(
            "/api/v1/reservations",
            json=reservation_body(DEMO_SKU, 1),
            headers={"Authorization": f"Bearer bz_channel_forged{attempt}", **_key()},
        )
        assert refused.status_code == 401
        problem_of(refused)
    missing = anonymous.post(
        "/api/v1/reservations", json=reservation_body(DEMO_SKU), headers=_key()
    )
    assert missing.status_code == 401
    assert _stored_keys(server) == before


def test_a_replayed_answer_is_byte_identical_to_the_first(channel: httpx.Client) -> None:
    granted_key, refused_key = _key(), _key()
    body = reservation_body(DEMO_SKU, 1, buyer="byte-buyer")
    unknown = reservation_body("NO-SUCH-SKU")
    first = channel.post("/api/v1/reservations", json=body, headers=granted_key)
    refused_first = channel.post("/api/v1/reservations", json=unknown, headers=refused_key)
    replayed = channel.post("/api/v1/reservations", json=body, headers=granted_key)
    refused_again = channel.post("/api/v1/reservations", json=unknown, headers=refused_key)

    assert first.status_code == replayed.status_code == 201
    assert replayed.content == first.content
    assert replayed.headers["content-type"] == first.headers["content-type"]
    assert refused_first.status_code == refused_again.status_code == 404
    assert refused_again.content == refused_first.content
    assert refused_again.headers["content-type"] == "application/problem+json"


def _stored_keys(server: Server) -> int:
    engine = create_db_engine(server.database_url)
    try:
        with engine.connect() as connection:
            return int(
                connection.execute(select(func.count()).select_from(idempotency_keys)).scalar_one()
            )
    finally:
        engine.dispose()
