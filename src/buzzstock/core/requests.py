"""Request dependencies shared by every router: the context and the caller's API key."""

from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from buzzstock.core import idempotency
from buzzstock.core.auth import Principal, authenticate
from buzzstock.core.context import Context

PRINCIPAL_STATE = "buzzstock_principal"

# Either header carries the API key; declared as security schemes so /docs offers "Authorize".
_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    description="`Authorization: Bearer <API key>` (create keys with `buzzstock keys create`).",
)
_api_key_header = APIKeyHeader(
    name="X-API-Key",
    auto_error=False,
    scheme_name="apiKey",
    description="The same API key in an `X-API-Key` header, for clients that cannot set a bearer.",
)


def get_ctx(request: Request) -> Context:
    ctx = request.app.state.ctx
    assert isinstance(ctx, Context)
    return ctx


def bearer_key(authorization: str | None, x_api_key: str | None) -> str | None:
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    return x_api_key


def get_principal(
    request: Request,
    ctx: Annotated[Context, Depends(get_ctx)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    x_api_key: Annotated[str | None, Depends(_api_key_header)],
) -> Principal:
    checked = request.scope.get("state", {}).get(PRINCIPAL_STATE)
    if isinstance(checked, Principal):
        return checked
    return authenticate(ctx, bearer.credentials if bearer else x_api_key)


Ctx = Annotated[Context, Depends(get_ctx)]
Caller = Annotated[Principal, Depends(get_principal)]


def get_request_key(
    caller: Caller,
    idempotency_key: Annotated[
        str | None,
        Header(
            max_length=255,
            description="Send the same key to retry safely: the first answer is replayed.",
        ),
    ] = None,
) -> str | None:
    """The Idempotency-Key as the domain's own request key, scoped to the caller's API key: a
    route that stores it with its change finds that change again when retried after a crash."""
    if idempotency_key is None:
        return None
    idempotency.reruns_safely()
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:40]
    return f"{caller.key_id}:{digest}"


RequestKey = Annotated[str | None, Depends(get_request_key)]
