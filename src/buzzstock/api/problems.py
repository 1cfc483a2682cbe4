"""RFC 9457 problem+json for every error, with a message a person can act on."""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError
from starlette.exceptions import HTTPException

from buzzstock.core.errors import PROBLEM_BASE, DomainError

PROBLEM_JSON = "application/problem+json"
logger = logging.getLogger(__name__)


def problem_body(status: int, slug: str, title: str, detail: str, **extra: Any) -> dict[str, Any]:
    body = {"type": PROBLEM_BASE + slug, "title": title, "status": status, "detail": detail}
    body.update(extra)
    return body


def problem_response(status: int, slug: str, title: str, detail: str, **extra: Any) -> JSONResponse:
    return JSONResponse(
        problem_body(status, slug, title, detail, **extra),
        status_code=status,
        media_type=PROBLEM_JSON,
    )


def _validation_detail(errors: list[dict[str, Any]]) -> tuple[int, str, list[dict[str, Any]]]:
    if any(error.get("type") == "json_invalid" for error in errors):
        return 400, "the request body is not valid JSON", []
    problems = []
    for error in errors:
        location = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
        problems.append({"field": location or "(body)", "message": error.get("msg", "invalid")})
    summary = "; ".join(f"{item['field']}: {item['message']}" for item in problems)
    return 422, summary, problems


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(_request: Request, error: DomainError) -> JSONResponse:
        return JSONResponse(error.problem(), status_code=error.status, media_type=PROBLEM_JSON)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, error: RequestValidationError) -> JSONResponse:
        status, detail, problems = _validation_detail(list(error.errors()))
        if status == 400:
            return problem_response(400, "malformed-json", "Malformed JSON", detail)
        return problem_response(
            422, "invalid-input", "The request is not valid", detail, errors=problems
        )

    @app.exception_handler(IntegrityError)
    async def conflicting_write(_request: Request, error: IntegrityError) -> JSONResponse:
        logger.warning("refused by a database constraint: %s", error.orig)
        if "foreign key" in str(error.orig).lower():
            return problem_response(
                422,
                "unknown-reference",
                "The request names something that does not exist",
                "the request names a SKU, warehouse, channel, region or supplier that is not in "
                "the catalogue; add it first or correct the code. Nothing was changed",
            )
        return problem_response(
            409,
            "conflict",
            "Conflict with the current state",
            "the change conflicts with what is stored (it may have been made already); read "
            "the current state and retry if still needed. Nothing was changed",
        )

    @app.exception_handler(DataError)
    async def value_out_of_range(_request: Request, error: DataError) -> JSONResponse:
        logger.warning("refused by the database: %s", error.orig)
        return problem_response(
            422,
            "out-of-range",
            "A value does not fit the store",
            "a number or text in the request, or a total it would lead to, is out of range for "
            "the store (counts fit 0 to 2,147,483,647; see docs/api.md, Ranges). Nothing was "
            "changed",
        )

    @app.exception_handler(OverflowError)
    async def number_too_large(_request: Request, _error: OverflowError) -> JSONResponse:
        return problem_response(
            422,
            "out-of-range",
            "A value does not fit the store",
            "a number in the request is out of range for the store (counts fit 0 to "
            "2,147,483,647; see docs/api.md, Ranges). Nothing was changed",
        )

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, error: Exception) -> JSONResponse:
        logger.exception("unexpected error", exc_info=error)
        return problem_response(
            500,
            "internal-error",
            "Internal error",
            "the server failed unexpectedly; nothing was confirmed, retry with the same "
            "Idempotency-Key, and tell the operator if it persists",
        )

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> JSONResponse:
        title = detail = str(error.detail)
        headers = dict(error.headers or {})
        if error.status_code == 404:
            title = detail = "no such endpoint; see /docs for the API"
        if error.status_code == 405:
            headers["Allow"] = ", ".join(allowed_methods(request))
            detail = f"this path answers {headers['Allow']}"
        answer = problem_response(error.status_code, f"http-{error.status_code}", title, detail)
        answer.headers.update(headers)
        return answer


def allowed_methods(request: Request) -> list[str]:
    """Every method the request's path answers (RFC 9110 Allow), read from the OpenAPI document:
    Starlette lists only the first matching route's methods, while a path here is often served by
    one route per method. Among templates that match, the most literal one wins, as in routing."""
    paths: dict[str, dict[str, Any]] = request.app.openapi().get("paths", {})
    matching = [template for template in paths if _template_matches(template, request.url.path)]
    if not matching:
        return []
    template = min(matching, key=lambda path: (path.count("{"), path))
    return sorted(method.upper() for method in paths[template] if method in _HTTP_METHODS)


_HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


def _template_matches(template: str, path: str) -> bool:
    pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
    return re.fullmatch(pattern, path) is not None
