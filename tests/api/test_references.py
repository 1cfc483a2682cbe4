"""Issue 11 finding 10: a reference (region, quota, channel, supplier, warehouse, event type) or a
time that cannot be right is refused when it is given, in the CLI and in the API, with a clear
message, and nothing changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from buzzstock.cli import app

from .helpers import DEMO_SKU, Server, nothing_changes, problem_of

runner = CliRunner()


@pytest.fixture
def cli_store(server: Server, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The CLI pointed at the running server's database, without a settings file."""
    monkeypatch.setenv("BUZZSTOCK_DATABASE_URL", server.database_url)
    monkeypatch.setenv("BUZZSTOCK_CONFIG", str(tmp_path / "none.toml"))


def _supplier(code: str, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "code": code,
        "name": f"supplier {code}",
        "capacity": 100,
        "moq": 10,
        "lead_time_min_days": 2,
        "lead_time_mode_days": 3,
        "lead_time_max_days": 5,
        "unit_cost": 9.0,
        "freight": {"air": {"cost_per_unit": 1.0, "transit_days": 2}},
        "skus": [DEMO_SKU],
    }
    body.update(changes)
    return body


def test_finding_10_quota_moves_name_a_region_or_the_elastic_pool(
    cli_store: None, operator: httpx.Client
) -> None:
    with nothing_changes(operator):
        moved = runner.invoke(app, ["stock", "move-quota", DEMO_SKU, "elastic", "XX", "3"])
        assert moved.exit_code == 1, moved.output
        assert "unknown quota 'XX'" in moved.output
        assert "US" in moved.output and "elastic" in moved.output
        assert "Traceback" not in moved.output

        refused = operator.post(
            f"/api/v1/stock/{DEMO_SKU}/quota-moves",
            json={"source": "elastic", "target": "XX", "quantity": 3},
        )
        assert refused.status_code == 422
        assert "unknown quota 'XX'" in problem_of(refused)["detail"]

        receipt = operator.post(
            f"/api/v1/stock/{DEMO_SKU}/receipts",
            json={"warehouse": "LAX", "quantity": 3, "quota": "XX"},
        )
        assert receipt.status_code == 422
        assert "unknown quota 'XX'" in problem_of(receipt)["detail"]

    moved = runner.invoke(app, ["stock", "move-quota", DEMO_SKU, "elastic", "US", "3"])
    assert moved.exit_code == 0, moved.output
    back = operator.post(
        f"/api/v1/stock/{DEMO_SKU}/quota-moves",
        json={"source": "US", "target": "elastic", "quantity": 3},
    )
    assert back.status_code == 201, back.text


@pytest.mark.parametrize(
    ("options", "words"),
    [
        (["--role", "channel", "--channel", "nope"], "no channel 'nope'"),
        (["--role", "supplier", "--supplier", "NOSUCH"], "no supplier 'NOSUCH'"),
        (["--role", "operator", "--channel", "tiktok-us"], "only a channel key"),
        (["--role", "channel", "--channel", "tiktok-us", "--supplier", "SZ-A"], "supplier key"),
    ],
)
def test_finding_10_keys_belong_to_a_channel_or_supplier_that_exists(
    cli_store: None, admin: httpx.Client, options: list[str], words: str
) -> None:
    keys_before = admin.get("/api/v1/keys").json()

    created = runner.invoke(app, ["keys", "create", "--name", "probe", *options])
    assert created.exit_code == 1, created.output
    assert words in created.output
    assert "bz_" not in created.output

    body: dict[str, str] = {"name": "probe"}
    for flag, value in zip(options[::2], options[1::2], strict=True):
        body[flag.removeprefix("--")] = value
    refused = admin.post("/api/v1/keys", json=body)
    assert refused.status_code in (404, 422)
    assert words in problem_of(refused)["detail"]
    assert "key" not in refused.json()

    assert admin.get("/api/v1/keys").json() == keys_before


def test_finding_10_keys_for_a_real_channel_and_supplier_are_still_made(
    cli_store: None, admin: httpx.Client
) -> None:
    made = runner.invoke(
        app, ["keys", "create", "--name", "sz", "--role", "supplier", "--supplier", "SZ-A"]
    )
    assert made.exit_code == 0, made.output
    assert "bz_supplier_" in made.output


def test_finding_10_a_supplier_whose_moq_exceeds_its_capacity_is_refused(
    cli_store: None, admin: httpx.Client, tmp_path: Path
) -> None:
    before = admin.get("/api/v1/suppliers").json()

    refused = admin.post("/api/v1/suppliers", json=_supplier("BIG-MOQ", capacity=100, moq=500))
    assert refused.status_code == 422
    assert "moq" in problem_of(refused)["detail"]
    assert "capacity" in refused.json()["detail"]

    shop = tmp_path / "shop.toml"
    shop.write_text(
        "[[suppliers]]\n"
        'code = "BIG-MOQ"\nname = "big moq"\nskus = ["BREEZE-BAND"]\nunit_cost = 9.0\n'
        "lead_time_days = 3\ncapacity = 100\nmoq = 500\n"
    )
    loaded = runner.invoke(app, ["catalog", "load", str(shop)])
    assert loaded.exit_code == 1, loaded.output
    assert "moq" in loaded.output and "capacity" in loaded.output
    assert "Traceback" not in loaded.output

    assert admin.get("/api/v1/suppliers").json() == before
    assert admin.post("/api/v1/suppliers", json=_supplier("OK-MOQ")).status_code == 201


def _order_in_production(operator: httpx.Client) -> str:
    created = operator.post(
        "/api/v1/purchase-orders",
        json={"supplier": "SZ-A", "warehouse": "LAX", "lines": {DEMO_SKU: 60}},
    )
    assert created.status_code == 201, created.text
    order_id: str = created.json()["id"]
    for step in ("approve", "send", "start-production"):
        moved = operator.post(f"/api/v1/purchase-orders/{order_id}/{step}")
        assert moved.status_code == 200, moved.text
    return order_id


def test_finding_10_a_purchase_order_shipped_with_an_eta_in_the_past_is_refused(
    operator: httpx.Client,
) -> None:
    order_id = _order_in_production(operator)
    before = operator.get(f"/api/v1/purchase-orders/{order_id}").json()

    with nothing_changes(operator):
        yesterday = (datetime.now(UTC) - timedelta(days=1)).isoformat()
        refused = operator.post(f"/api/v1/purchase-orders/{order_id}/ship", json={"eta": yesterday})
        assert refused.status_code == 422
        detail = problem_of(refused)["detail"]
        assert "eta" in detail and "past" in detail

    assert operator.get(f"/api/v1/purchase-orders/{order_id}").json() == before
    just_now = (datetime.now(UTC) - timedelta(seconds=30)).isoformat()
    shipped = operator.post(f"/api/v1/purchase-orders/{order_id}/ship", json={"eta": just_now})
    assert shipped.status_code == 200, shipped.text
    assert shipped.json()["state"] == "shipped"


def test_finding_10_a_purchase_order_to_an_unknown_warehouse_is_refused(
    operator: httpx.Client,
) -> None:
    before = operator.get("/api/v1/purchase-orders").json()
    refused = operator.post(
        "/api/v1/purchase-orders",
        json={"supplier": "SZ-A", "warehouse": "NOWHERE", "lines": {DEMO_SKU: 60}},
    )
    assert refused.status_code == 422
    assert "unknown warehouse 'NOWHERE'" in problem_of(refused)["detail"]
    assert operator.get("/api/v1/purchase-orders").json() == before


def test_finding_10_a_subscription_to_an_unknown_event_type_is_refused(
    admin: httpx.Client,
) -> None:
    before = admin.get("/api/v1/webhooks/subscriptions").json()
    for types, words in (
        (["OrderConfirmd"], "did you mean 'OrderConfirmed'"),
        (["TrendConfirmed", "Nothing*"], "'Nothing*'"),
    ):
        refused = admin.post(
            "/api/v1/webhooks/subscriptions",
            json={"url": "https://erp.example.com/hooks", "event_types": types},
        )
        assert refused.status_code == 422
        detail = problem_of(refused)["detail"]
        assert words in detail
        assert "PurchaseOrderShipped" in detail
    assert admin.get("/api/v1/webhooks/subscriptions").json() == before

    for types in (["OrderConfirmed"], ["Crisis*"], ["*"]):
        created = admin.post(
            "/api/v1/webhooks/subscriptions",
            json={"url": "https://erp.example.com/hooks", "event_types": types},
        )
        assert created.status_code == 201, created.text
        admin.delete(f"/api/v1/webhooks/subscriptions/{created.json()['id']}").raise_for_status()
