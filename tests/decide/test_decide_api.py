"""The Decide API through the FastAPI app: the queue for staff, and supplier isolation on every
endpoint a supplier key can reach (D-9)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from buzzstock.api.app import create_app
from buzzstock.catalog.model import Sku
from buzzstock.catalog.service import create
from buzzstock.core.auth import create_key
from buzzstock.core.context import Context
from buzzstock.decide import cash_store, orders, portal
from buzzstock.decide.ladder import Freight
from buzzstock.decide.registry import FreightTerms, SupplierSpec, save_supplier

from .conftest import SKU

OTHER_SKU = "GLOW-LAMP"


@dataclass
class Shop:
    client: TestClient
    staff: dict[str, str]
    supplier_a: dict[str, str]
    supplier_x: dict[str, str]
    channel: dict[str, str]
    order_a: str
    order_x: str


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def api(seeded: Context) -> Iterator[Shop]:
    create(seeded, Sku(code=OTHER_SKU, name="Glow lamp", category="home", base_price=25.0))
    save_supplier(
        seeded,
        SupplierSpec(
            code="X",
            name="Supplier X",
            capacity=500,
            lead_time_min_days=5,
            lead_time_mode_days=6,
            lead_time_max_days=9,
            unit_cost=7.0,
            freight={Freight.SEA: FreightTerms(cost_per_unit=0.4, transit_days=20)},
            skus=[OTHER_SKU],
        ),
    )
    cash_store.set_liquid_funds(seeded, 50_000)
    order_a = orders.create_order(seeded, supplier="A", warehouse="LAX", lines={SKU: 80})["id"]
    order_x = orders.create_order(
        seeded, supplier="X", warehouse="HAM", lines={OTHER_SKU: 90}, freight=Freight.SEA
    )["id"]
    for order_id in (order_a, order_x):
        orders.approve_order(seeded, order_id)
        orders.send_order(seeded, order_id)
    for sku in (SKU, OTHER_SKU):
        portal.add_heat(seeded, sku, 160.0)
        portal.add_attribute_requests(seeded, sku, {f"{sku} request": 5})
    with TestClient(create_app(seeded)) as client:
        yield Shop(
            client,
            _bearer(create_key(seeded, "ops", "operator")[1]),
            _bearer(create_key(seeded, "a", "supplier", supplier="A")[1]),
            _bearer(create_key(seeded, "x", "supplier", supplier="X")[1]),
            _bearer(create_key(seeded, "tt", "channel", channel="tiktok-us")[1]),
            order_a,
            order_x,
        )


def test_queue_propose_approve_and_send_through_the_api(api: Shop) -> None:
    c, staff = api.client, api.staff
    body = {"sku": SKU, "quantity": 300, "due_days": 7, "need_by": [{"units": 100, "day": 4}]}
    created = c.post("/api/v1/decisions", json=body, headers=staff)
    assert created.status_code == 201, created.text
    decision = created.json()
    assert sorted(o["lines"][0]["quantity"] for o in decision["purchase_orders"]) == [100, 200]
    queue = c.get("/api/v1/decisions", params={"status": "proposed"}, headers=staff).json()
    assert [d["id"] for d in queue] == [decision["id"]]
    bad = c.post(f"/api/v1/decisions/{decision['id']}/explode", headers=staff)
    assert bad.status_code == 422
    approved = c.post(f"/api/v1/decisions/{decision['id']}/approve", headers=staff)
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    undone = c.post(
        f"/api/v1/decisions/{decision['id']}/undo", json={"note": "wait"}, headers=staff
    )
    assert undone.json()["status"] == "undone"
    assert {o["state"] for o in undone.json()["purchase_orders"]} == {"cancelled"}
    conflict = c.post(f"/api/v1/decisions/{decision['id']}/send", headers=staff)
    assert conflict.status_code == 409
    assert conflict.headers["content-type"].startswith("application/problem+json")


def test_price_proposal_and_cash_through_the_api(api: Shop) -> None:
    c, staff = api.client, api.staff
    proposal = c.post("/api/v1/prices", json={"sku": SKU, "heat": 190}, headers=staff)
    assert proposal.status_code == 201, proposal.text
    decision_id = proposal.json()["id"]
    applied = c.post(f"/api/v1/prices/{decision_id}/approve", headers=staff)
    assert applied.json()["result"]["applied_price"] == pytest.approx(44.85)
    overview = c.get("/api/v1/cash", headers=staff).json()
    assert overview["liquid_funds"] == 50_000 - 800 - 666
    assert len(overview["forecast"]) == 7


def test_supplier_sees_only_its_own_orders(api: Shop) -> None:
    c = api.client
    listed = c.get("/api/v1/purchase-orders", headers=api.supplier_x).json()
    assert [o["id"] for o in listed] == [api.order_x]
    assert "decision_id" not in listed[0]
    assert (
        c.get(f"/api/v1/purchase-orders/{api.order_a}", headers=api.supplier_x).status_code == 404
    )
    assert (
        c.get(f"/api/v1/purchase-orders/{api.order_x}", headers=api.supplier_x).status_code == 200
    )
    for step in ("start-production", "ship"):
        refused = c.post(f"/api/v1/purchase-orders/{api.order_a}/{step}", headers=api.supplier_x)
        assert refused.status_code == 404
    assert (
        c.get(f"/api/v1/purchase-orders/{api.order_a}", headers=api.staff).json()["state"] == "sent"
    )
    started = c.post(
        f"/api/v1/purchase-orders/{api.order_a}/start-production", headers=api.supplier_a
    )
    assert started.status_code == 200 and started.json()["state"] == "in_production"


def test_supplier_sees_only_itself_among_suppliers(api: Shop) -> None:
    c = api.client
    assert [s["code"] for s in c.get("/api/v1/suppliers", headers=api.supplier_x).json()] == ["X"]
    assert c.get("/api/v1/suppliers/A", headers=api.supplier_x).status_code == 404
    assert c.get("/api/v1/suppliers/X", headers=api.supplier_x).status_code == 200


def test_supplier_sees_heat_and_forecast_of_its_own_products_only(api: Shop) -> None:
    c = api.client
    assert c.get(f"/api/v1/heat/{SKU}", headers=api.supplier_x).status_code == 404
    own = c.get(f"/api/v1/heat/{OTHER_SKU}", headers=api.supplier_x)
    assert own.status_code == 200
    view = own.json()
    assert view["heat_curve"][0]["heat"] == 160.0
    assert [week["week"] for week in view["forecast"]["weeks"]] == [1, 2, 3, 4]
    assert "base_price" not in json.dumps(view)


def test_supplier_sees_attribute_requests_of_its_own_products_only(api: Shop) -> None:
    c = api.client
    mine = c.get("/api/v1/attribute-requests", headers=api.supplier_x).json()
    assert list(mine) == [OTHER_SKU]
    other = c.get("/api/v1/attribute-requests", params={"sku": SKU}, headers=api.supplier_x)
    assert other.status_code == 404


def test_supplier_sees_only_its_own_notices(api: Shop) -> None:
    c = api.client
    notices = c.get(
        "/api/v1/supplier-notices", params={"supplier": "A"}, headers=api.supplier_x
    ).json()
    assert notices and {n["sku"] for n in notices} == {OTHER_SKU}


def test_supplier_portal_holds_nothing_of_others_nor_customer_prices(api: Shop) -> None:
    c = api.client
    portal_x = c.get("/api/v1/supplier-portal", headers=api.supplier_x)
    assert portal_x.status_code == 200
    text = json.dumps(portal_x.json())
    assert api.order_x in text and OTHER_SKU in text
    assert api.order_a not in text and SKU not in text and '"A"' not in text
    assert "base_price" not in text and "buyer" not in text
    assert c.get("/api/v1/supplier-portal", headers=api.staff).status_code == 403


SUPPLIER_SPEC = {
    "code": "Z",
    "name": "Z",
    "capacity": 1,
    "lead_time_min_days": 1,
    "lead_time_mode_days": 1,
    "lead_time_max_days": 1,
    "unit_cost": 1,
    "freight": {"air": {"cost_per_unit": 0, "transit_days": 1}},
}


STAFF_ONLY: list[tuple[str, str, dict[str, object] | None]] = [
    ("GET", "/api/v1/decisions", None),
    ("POST", "/api/v1/decisions", {"sku": SKU, "quantity": 10, "due_days": 7}),
    ("GET", "/api/v1/prices", None),
    ("POST", "/api/v1/prices", {"sku": OTHER_SKU, "price": 1.0}),
    ("GET", "/api/v1/cash", None),
    ("PUT", "/api/v1/cash", {"liquid_funds": 1}),
    ("POST", "/api/v1/suppliers", SUPPLIER_SPEC),
    ("PUT", "/api/v1/suppliers/Z", SUPPLIER_SPEC),
    ("DELETE", "/api/v1/suppliers/X", None),
    (
        "POST",
        "/api/v1/purchase-orders",
        {"supplier": "X", "warehouse": "HAM", "lines": {OTHER_SKU: 1}},
    ),
    ("POST", "/api/v1/heat", {"sku": OTHER_SKU, "heat": 10}),
    ("POST", "/api/v1/attribute-requests", {"sku": OTHER_SKU, "requests": {"a": 1}}),
    (
        "POST",
        "/api/v1/cash/flows",
        {"due_at": "2026-03-02T00:00:00Z", "amount": 1, "label": "x"},
    ),
]


def test_staff_endpoints_refuse_supplier_keys(api: Shop) -> None:
    for method, path, body in STAFF_ONLY:
        response = api.client.request(method, path, headers=api.supplier_x, json=body)
        assert response.status_code == 403, (method, path, response.text)


def test_suppliers_cannot_approve_pay_or_cancel_even_their_own_orders(api: Shop) -> None:
    for action in ("approve", "send", "cancel", "resume"):
        refused = api.client.post(
            f"/api/v1/purchase-orders/{api.order_x}/{action}", headers=api.supplier_x
        )
        assert refused.status_code == 403, action
    receipt = api.client.post(
        f"/api/v1/purchase-orders/{api.order_x}/receipts",
        headers=api.supplier_x,
        json={"lines": {OTHER_SKU: 1}},
    )
    assert receipt.status_code == 403


def test_channel_keys_see_no_purchasing_data(api: Shop) -> None:
    assert api.client.get("/api/v1/purchase-orders", headers=api.channel).status_code == 403
    assert api.client.get("/api/v1/suppliers", headers=api.channel).status_code == 403
    assert api.client.get(f"/api/v1/heat/{SKU}", headers=api.channel).status_code == 403
