"""Issue 11 finding 15: the OpenAPI document gives every answer a response model.

A seller (or a generated client) reading ``/openapi.json`` of the running server must see what
each operation returns: every 2xx body is a named component with declared fields, never a bare
``object``. Answers without a body (204, the webhook intake's empty 200) need none.
"""

from __future__ import annotations

from typing import Any

import httpx

COMPONENTS = "#/components/schemas/"


def _component(ref: str, components: dict[str, Any]) -> dict[str, Any] | None:
    if not ref.startswith(COMPONENTS):
        return None
    found: dict[str, Any] | None = components.get(ref.removeprefix(COMPONENTS))
    return found


def _declares_its_fields(component: dict[str, Any], components: dict[str, Any]) -> bool:
    """An object with declared properties, a map whose values are declared, or a choice
    between such models (one catalogue route answers a region, a market, ...)."""
    if component.get("properties"):
        return True
    choices = component.get("anyOf") or component.get("oneOf")
    if choices:
        return all(
            (chosen := _component(choice.get("$ref", ""), components)) is not None
            and _declares_its_fields(chosen, components)
            for choice in choices
        )
    values = component.get("additionalProperties")
    return isinstance(values, dict) and bool(values.get("$ref") or values.get("items"))


def _is_named_model(schema: dict[str, Any], components: dict[str, Any]) -> bool:
    if schema.get("type") == "array":
        schema = schema.get("items", {})
    component = _component(schema.get("$ref", ""), components)
    return component is not None and _declares_its_fields(component, components)


def test_finding_15_every_2xx_answer_is_a_named_model(anonymous: httpx.Client) -> None:
    response = anonymous.get("/openapi.json")
    assert response.status_code == 200, response.text
    document = response.json()
    components = document["components"]["schemas"]
    untyped = []
    operations = 0
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            operations += 1
            for status, answer in operation["responses"].items():
                content = answer.get("content")
                if not status.startswith("2") or not content:
                    continue
                schema = content.get("application/json", {}).get("schema", {})
                if not _is_named_model(schema, components):
                    untyped.append(f"{method.upper()} {path} {status}: {schema}")
    assert operations >= 80
    assert untyped == [], "\n".join(untyped)
