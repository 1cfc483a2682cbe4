"""What the API tests share: the running server's handle and problem+json checks."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

DEMO_SKU = "BREEZE-BAND"


@dataclass(frozen=True)
class Server:
    """A running API server and one key per role."""

    base_url: str
    database_url: str
    keys: dict[str, str]

    def client(self, role: str | None = None, **headers: str) -> httpx.Client:
        """An HTTP client for the server, sending the API key of ``role`` if given."""
        sent = dict(headers)
        if role is not None:
            sent["Authorization"] = f"Bearer {self.keys[role]}"
        return httpx.Client(base_url=self.base_url, headers=sent, timeout=30.0)


def problem_of(response: httpx.Response) -> dict[str, Any]:
    """The problem+json body of an error answer, checked for the RFC 9457 members."""
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    body: dict[str, Any] = response.json()
    assert body["status"] == response.status_code
    assert body["type"].startswith("https://")
    assert body["title"]
    assert body["detail"]
    return body


def new_sku(admin: httpx.Client, code: str, units: int, warehouse: str = "LAX") -> str:
    """A SKU of its own for one test: created through the API and stocked with a receipt.

    Without region quotas the units land in the elastic pool, so every channel can take them.
    """
    created = admin.post("/api/v1/skus", json={"code": code, "name": f"test item {code}"})
    assert created.status_code == 201, created.text
    received = admin.post(
        f"/api/v1/stock/{code}/receipts", json={"warehouse": warehouse, "quantity": units}
    )
    assert received.status_code == 201, received.text
    return code


def stock_numbers(client: httpx.Client, sku: str) -> dict[str, Any]:
    """The stock view of a SKU without its sell-out ETAs (those move with the clock)."""
    response = client.get(f"/api/v1/stock/{sku}")
    assert response.status_code == 200, response.text
    view: dict[str, Any] = response.json()
    for quota in view["quotas"]:
        quota.pop("sellout_eta")
    return view


def ledger_rows(operator: httpx.Client) -> int:
    """Rows in the stock ledger, as the verify endpoint counts them; also checks it verifies."""
    response = operator.get("/api/v1/ledger/verify")
    assert response.status_code == 200, response.text
    report: dict[str, Any] = response.json()
    assert report["ok"], report
    rows: int = report["rows"]
    return rows


def reservation_body(
    sku: str, quantity: Any = 1, channel: str = "tiktok-us", buyer: str = "buyer-1"
) -> dict[str, Any]:
    return {"sku": sku, "quantity": quantity, "channel": channel, "buyer": buyer}


@contextmanager
def nothing_changes(operator: httpx.Client, sku: str = DEMO_SKU) -> Iterator[None]:
    """Asserts that the block leaves the SKU's stock and the ledger exactly as they were."""
    before, rows_before = stock_numbers(operator, sku), ledger_rows(operator)
    yield
    assert stock_numbers(operator, sku) == before
    assert ledger_rows(operator) == rows_before
