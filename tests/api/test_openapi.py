"""What a client generator or a person at /docs reads: security schemes, problem answers and the
methods a path answers (issue 11 finding 15)."""

from __future__ import annotations

import httpx

from .helpers import problem_of


def test_finding_15_openapi_declares_both_ways_to_send_the_api_key(
    anonymous: httpx.Client,
) -> None:
    document = anonymous.get("/openapi.json").json()
    schemes = document["components"]["securitySchemes"]
    assert schemes["bearer"] == {**schemes["bearer"], "type": "http", "scheme": "bearer"}
    assert schemes["apiKey"] == {**schemes["apiKey"], "in": "header", "name": "X-API-Key"}
    reservations = document["paths"]["/api/v1/reservations"]["post"]
    assert {"bearer": []} in reservations["security"]
    assert {"apiKey": []} in reservations["security"]
    assert "security" not in document["paths"]["/api/v1/health"]["get"]


def test_finding_15_every_operation_documents_its_problem_answers(
    anonymous: httpx.Client,
) -> None:
    document = anonymous.get("/openapi.json").json()
    assert "HTTPValidationError" not in document["components"]["schemas"]
    for path, item in document["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            if operation.get("security"):
                assert {"401", "403"} <= responses.keys(), f"{method} {path}"
            if method in {"post", "put", "patch", "delete"}:
                assert {"400", "409", "413", "422"} <= responses.keys(), f"{method} {path}"
            for status, response in responses.items():
                if status.startswith(("4", "5")):
                    content = response["content"]
                    assert list(content) == ["application/problem+json"], f"{method} {path}"


def test_finding_15_an_upsert_documents_both_created_and_updated(
    anonymous: httpx.Client,
) -> None:
    document = anonymous.get("/openapi.json").json()
    responses = document["paths"]["/api/v1/skus"]["post"]["responses"]
    assert {"200", "201"} <= responses.keys()


def test_finding_15_a_wrong_method_answers_405_with_every_method_of_the_path(
    admin: httpx.Client,
) -> None:
    answer = admin.request("TRACE", "/api/v1/stops")
    assert answer.status_code == 405
    assert answer.headers["allow"] == "GET, POST"
    assert "GET, POST" in problem_of(answer)["detail"]
    literal = admin.delete("/api/v1/stock/release-expired")
    assert literal.headers["allow"] == "POST"
