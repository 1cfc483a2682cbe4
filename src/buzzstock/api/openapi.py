"""The OpenAPI document as clients meet the API: every problem+json answer a route can give is
documented on it, with one shared Problem schema, so generated clients and fuzzers see exactly
the statuses the server sends."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts

from buzzstock.api.problems import PROBLEM_JSON

_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
_MUTATING = {"post", "put", "patch", "delete"}

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "description": "RFC 9457 problem details; `detail` says what to change before retrying.",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "rule": {"type": "string", "description": "The SPEC rule that refused, if any."},
        "errors": {
            "type": "array",
            "description": "Every invalid field or record at once (422 only).",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": "string"},
                    "message": {"type": "string"},
                    "index": {"type": "integer", "description": "The record's place in a batch."},
                },
                "additionalProperties": True,
            },
        },
    },
    "additionalProperties": True,
}

_WHY = {
    "400": "Malformed JSON or Content-Length",
    "401": "Missing or unknown API key (or, for webhooks, a bad signature)",
    "403": "This API key's role may not do this",
    "404": "A named thing (SKU, order, channel, ...) does not exist",
    "409": "Conflicts with the current state, or the Idempotency-Key is in flight",
    "413": "Request body larger than `api.max_body_bytes`",
    "422": "Invalid input; `errors` lists every field",
}


def _problem_statuses(method: str, operation: dict[str, Any]) -> list[str]:
    """The problem statuses one operation can answer, from how it is reached."""
    takes_input = bool(operation.get("parameters")) or "requestBody" in operation
    statuses = {"404", "422"} if takes_input else set()
    if operation.get("security"):
        statuses |= {"401", "403", "404"}
    if method in _MUTATING:
        statuses |= {"400", "401", "404", "409", "413", "422"}
    return sorted(statuses)


def _upserts(app: FastAPI) -> set[tuple[str, str]]:
    """Creating routes that also update: they set 200 themselves when the thing existed."""
    found: set[tuple[str, str]] = set()
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute) or not context.path_format:
            continue
        if route.status_code == 201 and route.dependant.response_param_name:
            found |= {(context.path_format, method.lower()) for method in route.methods or ()}
    return found


def _document_updates(schema: dict[str, Any], upserts: set[tuple[str, str]]) -> None:
    for path, method in upserts:
        responses = schema["paths"][path][method]["responses"]
        responses["200"] = {**responses["201"], "description": "An existing one was updated"}


def _document_problems(schema: dict[str, Any]) -> None:
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    components["Problem"] = PROBLEM_SCHEMA
    for path_item in schema.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in _MUTATING | {"get"}:
                continue
            responses = operation.setdefault("responses", {})
            for status in _problem_statuses(method, operation):
                responses[status] = {
                    "description": _WHY[status],
                    "content": {PROBLEM_JSON: {"schema": _PROBLEM_REF}},
                }


def install(app: FastAPI) -> None:
    """Replace the app's OpenAPI generator with one that documents problem answers."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            _document_problems(schema)
            _document_updates(schema, _upserts(app))
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
