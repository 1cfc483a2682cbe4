"""The listen API through the FastAPI app on SQLite and PostgreSQL: pushed batches, trends,
the review queue and watch lists; staff keys only; bad batches change nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from buzzstock.api.app import create_app
from buzzstock.catalog.service import create
from buzzstock.core.auth import create_key
from buzzstock.core.context import Context
from buzzstock.demo.listen_stage import DECOY, SKU, demo_mentions
from buzzstock.demo.run import catalogue_path
from buzzstock.shop import load_shop, read_shop_file

Client = tuple[TestClient, dict[str, str], dict[str, str]]


@pytest.fixture
def api(ctx: Context) -> Iterator[Client]:
    load_shop(ctx, read_shop_file(catalogue_path()))
    create(ctx, DECOY)
    staff = {"Authorization": f"Bearer {create_key(ctx, 'ops', 'operator')[1]}"}
    channel = {
        "Authorization": f"Bearer {create_key(ctx, 'tt', 'channel', channel='tiktok-us')[1]}"
    }
    with TestClient(create_app(ctx)) as client:
        yield client, staff, channel


def test_a_bad_batch_is_refused_whole_as_problem_json(api: Client) -> None:
    client, staff, channel = api
    good = {
        "platform": "TikTok",
        "post_id": "v1",
        "author_id": "amy",
        "created_at": "2026-03-01T10:00:00+00:00",
        "text": "my smart bracelet is so cool",
        "products": [SKU],
    }
    bad = [good, {**good, "post_id": "v2", "likes": "lots"}, {**good, "created_at": "soon"}]
    response = client.post("/api/v1/mentions", json={"mentions": bad}, headers=staff)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert [item["index"] for item in problem["errors"]] == [1, 2]
    assert "likes" in problem["errors"][0]["message"]
    assert client.get("/api/v1/trends", headers=staff).json() == []
    assert client.post("/api/v1/mentions", json={"mentions": []}, headers=staff).status_code == 422
    refused = client.post("/api/v1/mentions", json={"mentions": [good]}, headers=channel)
    assert refused.status_code == 403
    stored = client.post("/api/v1/mentions", json={"mentions": [good]}, headers=staff)
    assert stored.status_code == 200 and stored.json()["new"] == 1
    again = client.post("/api/v1/mentions", json={"mentions": [good]}, headers=staff).json()
    assert (again["new"], again["updated"]) == (0, 1)


def test_trends_alerts_review_and_watch_lists(api: Client, ctx: Context) -> None:
    client, staff, _ = api
    batch = [json.loads(json.dumps(item.to_json())) for item in demo_mentions(ctx.clock.now())]
    events = []
    for start in range(0, len(batch), 500):
        chunk = {"mentions": batch[start : start + 500]}
        response = client.post("/api/v1/mentions", json=chunk, headers=staff)
        assert response.status_code == 200
        events.extend(response.json()["events"])
    types = {(event["type"], event["sku"]) for event in events}
    assert ("TrendConfirmed", SKU) in types and ("FakeHeatSuspected", DECOY.code) in types
    trends = client.get("/api/v1/trends", headers=staff).json()
    assert trends[0]["sku"] == SKU and trends[0]["confirmed"]
    detail = client.get(f"/api/v1/trends/{SKU}", headers=staff).json()
    assert detail["attribute_requests"] and detail["detail"]["metrics"]["layers"]
    assert client.get("/api/v1/trends/NOPE", headers=staff).status_code == 404
    queue = client.get("/api/v1/alerts", params={"state": "new"}, headers=staff).json()
    fake = next(alert for alert in queue if alert["type"] == "FakeHeatSuspected")
    no_reason = client.post(f"/api/v1/alerts/{fake['id']}/dismiss", json={}, headers=staff)
    assert no_reason.status_code == 422
    dismissed = client.post(
        f"/api/v1/alerts/{fake['id']}/dismiss", json={"reason": "bots"}, headers=staff
    )
    assert dismissed.json()["state"] == "dismissed"
    other = queue[0]["id"] if queue[0]["id"] != fake["id"] else queue[1]["id"]
    acked = client.post(f"/api/v1/alerts/{other}/acknowledge", headers=staff)
    assert acked.status_code == 200 and acked.json()["state"] == "acknowledged"
    assert client.post(f"/api/v1/alerts/{fake['id']}/acknowledge", headers=staff).status_code == 409
    assert client.get("/api/v1/alerts", params={"state": "odd"}, headers=staff).status_code == 422
    put = client.put(
        f"/api/v1/watchlists/{SKU}",
        json={
            "product_keywords": ["smart bracelet", "智能手环"],
            "scene_emotion": [["夏天", "清凉"]],
        },
        headers=staff,
    )
    assert put.status_code == 200
    assert client.get("/api/v1/watchlists", headers=staff).json()[0]["sku"] == SKU
    unknown = client.put("/api/v1/watchlists/NOPE", json={"product_keywords": ["x"]}, headers=staff)
    assert unknown.status_code == 404
    assert client.delete(f"/api/v1/watchlists/{SKU}", headers=staff).status_code == 204
    assert client.get("/api/v1/watchlists", headers=staff).json() == []
