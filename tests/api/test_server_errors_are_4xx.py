"""Issue 11 finding 8: input a person could fix is a 4xx problem that changes nothing, never a
500 (unknown references, NUL characters, counts beyond what the store can hold)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from .helpers import DEMO_SKU, Server, new_sku, nothing_changes, problem_of

INT32_MAX = 2**31 - 1


def _purchase_orders(operator: httpx.Client) -> list[dict[str, Any]]:
    listed = operator.get("/api/v1/purchase-orders", params={"limit": 1000})
    assert listed.status_code == 200, listed.text
    orders: list[dict[str, Any]] = listed.json()
    return orders


def _attribute_requests(operator: httpx.Client) -> Any:
    listed = operator.get("/api/v1/attribute-requests", params={"sku": DEMO_SKU})
    assert listed.status_code == 200, listed.text
    return listed.json()


@pytest.mark.parametrize(
    ("sku", "warehouse", "named"),
    [
        pytest.param(DEMO_SKU, "NOWHERE", "NOWHERE", id="unknown-warehouse"),
        pytest.param("NO-SUCH-SKU", "LAX", "NO-SUCH-SKU", id="unknown-sku"),
        pytest.param("NO-SUCH-SKU", "NOWHERE", "NO-SUCH-SKU", id="both-unknown"),
    ],
)
def test_finding_8_an_arrival_naming_what_does_not_exist_is_refused_with_its_name(
    admin: httpx.Client, operator: httpx.Client, sku: str, warehouse: str, named: str
) -> None:
    with nothing_changes(operator):
        refused = admin.post(
            f"/api/v1/stock/{sku}/arrivals", json={"warehouse": warehouse, "quantity": 5}
        )
    assert refused.status_code in (404, 422), refused.text
    assert named in problem_of(refused)["detail"]
    assert admin.get(f"/api/v1/stock/{sku}").status_code in (200, 404)


@pytest.mark.parametrize(
    ("method", "path", "params", "body"),
    [
        pytest.param(
            "POST",
            "/api/v1/reservations",
            None,
            {"sku": DEMO_SKU, "quantity": 1, "channel": "tiktok-us", "buyer": "b\x00"},
            id="body",
        ),
        pytest.param(
            "POST",
            f"/api/v1/stock/{DEMO_SKU}/pause",
            None,
            {"reason": "ok", "\x00": 1},
            id="body-key",
        ),
        pytest.param("GET", "/api/v1/stock/BREEZE%00BAND", None, None, id="path"),
        pytest.param("GET", "/api/v1/decisions", {"sku": "A\x00B"}, None, id="query"),
        pytest.param(
            "POST",
            "/api/v1/stock/BREEZE%00BAND/receipts",
            None,
            {"warehouse": "LAX", "quantity": 1},
            id="path-of-a-write",
        ),
    ],
)
def test_finding_8_nul_characters_are_refused_with_a_422_problem(
    admin: httpx.Client,
    operator: httpx.Client,
    method: str,
    path: str,
    params: dict[str, str] | None,
    body: dict[str, Any] | None,
) -> None:
    with nothing_changes(operator):
        refused = admin.request(method, path, params=params, json=body)
    assert refused.status_code == 422, refused.text
    assert "NUL" in problem_of(refused)["detail"]


def test_finding_8_an_escaped_backslash_before_u0000_is_not_a_nul(
    admin: httpx.Client, operator: httpx.Client
) -> None:
    with nothing_changes(operator):
        answered = admin.post(
            "/api/v1/reservations",
            content=b'{"sku": "NO-SUCH", "quantity": 1, "channel": "tiktok-us", '
            b'"buyer": "b\\\\u0000"}',
            headers={"content-type": "application/json"},
        )
    assert answered.status_code == 404, answered.text


def _order_id(admin: httpx.Client) -> str:
    created = admin.post(
        "/api/v1/purchase-orders",
        json={"supplier": "SZ-A", "warehouse": "LAX", "lines": {DEMO_SKU: 100}},
    )
    assert created.status_code == 201, created.text
    order_id: str = created.json()["id"]
    return order_id


@pytest.mark.parametrize("count", [INT32_MAX + 1, 2**63, 10**30])
def test_finding_8_counts_past_the_store_range_are_refused_with_422(
    admin: httpx.Client, operator: httpx.Client, count: int
) -> None:
    order_id = _order_id(admin)
    orders_before = _purchase_orders(operator)
    requests_before = _attribute_requests(operator)
    with nothing_changes(operator):
        answers = [
            admin.post(
                "/api/v1/attribute-requests",
                json={"sku": DEMO_SKU, "requests": {"colour": count}},
            ),
            admin.post(
                "/api/v1/purchase-orders",
                json={"supplier": "SZ-A", "warehouse": "LAX", "lines": {DEMO_SKU: count}},
            ),
            admin.post(
                f"/api/v1/purchase-orders/{order_id}/receipts", json={"lines": {DEMO_SKU: count}}
            ),
            admin.post(
                f"/api/v1/stock/{DEMO_SKU}/receipts", json={"warehouse": "LAX", "quantity": count}
            ),
            admin.put(f"/api/v1/stock/{DEMO_SKU}/buyer-limit", json={"limit": count}),
            admin.post(
                "/api/v1/reservations",
                json={"sku": DEMO_SKU, "quantity": count, "channel": "tiktok-us", "buyer": "b"},
            ),
            admin.post(
                "/api/v1/decisions",
                json={
                    "sku": DEMO_SKU,
                    "quantity": 10,
                    "due_days": 7,
                    "need_by": [{"units": count, "day": 1}],
                },
            ),
            admin.get(f"/api/v1/sync/warroom/{DEMO_SKU}", params={"minutes": count}),
            admin.get("/api/v1/outbox/dead-letters", params={"offset": count}),
        ]
    for answer in answers:
        assert answer.status_code == 422, (answer.request.url, answer.text)
        problem_of(answer)
    assert _purchase_orders(operator) == orders_before
    assert _attribute_requests(operator) == requests_before


def test_finding_8_a_counter_pushed_past_its_column_is_a_4xx_problem_not_a_500(
    admin: httpx.Client, server: Server
) -> None:
    sku = new_sku(admin, "OVERFLOW-1", 100_000_000)
    answers = [
        admin.post(
            f"/api/v1/stock/{sku}/receipts", json={"warehouse": "LAX", "quantity": 100_000_000}
        )
        for _ in range(INT32_MAX // 100_000_000 + 1)
    ]
    assert all(answer.status_code < 500 for answer in answers), [a.text for a in answers]
    if server.database_url.startswith("postgresql"):
        refused = answers[-1]
        assert refused.status_code in (409, 422), refused.text
        assert "range" in problem_of(refused)["detail"]
        on_hand = admin.get(f"/api/v1/stock/{sku}").json()["on_hand"]
        assert on_hand <= INT32_MAX
