"""Domain errors that become RFC 9457 problem+json at the API edge and clear messages in the CLI."""

from __future__ import annotations

from typing import Any

PROBLEM_BASE = "https://buzzstock.dev/problems/"


class DomainError(Exception):
    """A refusal a person can act on. ``rule`` names the SPEC rule that refused, if any."""

    status = 400
    slug = "bad-request"
    title = "Bad request"

    def __init__(self, detail: str, *, rule: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.rule = rule
        self.extra = extra

    def problem(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": PROBLEM_BASE + self.slug,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if self.rule:
            body["rule"] = self.rule
        body.update(self.extra)
        return body


class InvalidInput(DomainError):
    status = 422
    slug = "invalid-input"
    title = "The request is not valid"


class NotFound(DomainError):
    status = 404
    slug = "not-found"
    title = "Not found"


class Conflict(DomainError):
    status = 409
    slug = "conflict"
    title = "Conflict with the current state"


class InsufficientStock(Conflict):
    slug = "insufficient-stock"
    title = "Not enough stock"


class BuyerLimitReached(Conflict):
    slug = "buyer-limit"
    title = "Per-buyer purchase limit reached"


class SkuPaused(Conflict):
    slug = "sku-paused"
    title = "The SKU is paused"


class Forbidden(DomainError):
    status = 403
    slug = "forbidden"
    title = "Not allowed for this API key"


class Unauthorized(DomainError):
    status = 401
    slug = "unauthorized"
    title = "Missing or unknown API key"


class IdempotencyMismatch(DomainError):
    status = 422
    slug = "idempotency-key-reused"
    title = "Idempotency-Key reused with a different request"


class IdempotencyInFlight(Conflict):
    slug = "idempotency-key-in-flight"
    title = "A request with this Idempotency-Key is still being processed"


class IdempotencyAnswerLost(Conflict):
    slug = "idempotency-answer-lost"
    title = "The request with this Idempotency-Key was carried out but its answer was lost"


class ConfigurationError(ValueError):
    """The settings, or the store they name, cannot be used. The message names the file or the
    environment variable, the field and the fix; commands print it and exit non-zero."""
