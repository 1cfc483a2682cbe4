"""JSON `false` is no amount and the number 0 is no time: refused, field by field, and nothing
changes (issue 11 finding 15, found by the schemathesis run)."""

from __future__ import annotations

import httpx

from .helpers import problem_of


def test_finding_15_a_boolean_sent_as_money_is_refused_and_nothing_changes(
    admin: httpx.Client,
) -> None:
    before = admin.get("/api/v1/cash").json()
    answer = admin.put("/api/v1/cash", json={"liquid_funds": False, "currency": "CNY"})
    assert answer.status_code == 422
    problem = problem_of(answer)
    assert problem["errors"][0]["field"] == "liquid_funds"
    assert "not true or false" in problem["errors"][0]["message"]
    assert admin.get("/api/v1/cash").json() == before


def test_finding_15_a_number_sent_as_a_time_is_refused(admin: httpx.Client) -> None:
    answer = admin.post("/api/v1/cash/flows", json={"amount": 10.0, "due_at": 0, "label": "rent"})
    assert answer.status_code == 422
    assert "ISO 8601" in problem_of(answer)["detail"]
    flows = admin.post(
        "/api/v1/cash/flows",
        json={"amount": 10.0, "due_at": "2026-12-20T00:00:00Z", "label": "rent"},
    )
    assert flows.status_code == 201


def test_finding_15_numbers_and_flags_must_be_sent_as_what_they_are(admin: httpx.Client) -> None:
    proposal = {"sku": "BREEZE-BAND", "price": 21.9, "heat": 120, "stock_days": 10.0}
    as_text = admin.post("/api/v1/prices", json={**proposal, "price": "21.9"})
    assert as_text.status_code == 422
    assert problem_of(as_text)["errors"][0]["field"] == "price"
    flag_as_number = admin.post("/api/v1/prices", json={**proposal, "declining": 0})
    assert flag_as_number.status_code == 422
    assert "true or false" in problem_of(flag_as_number)["detail"]
