"""Request dependencies shared by every router: the context and the caller's API key."""

from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import Depends, Header, Request

from buzzstock.core import idempotency
from buzzstock.core.auth import Principal, authenticate
from buzzstock.core.context import Context

PRINCIPAL_STATE = "buzzstock_principal"


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
    authorization: Annotated[str | None, Header()] = None,
    x_api_key: Annotated[str | None, Header()] = None,
) -> Principal:
    checked = request.scope.get("state", {}).get(PRINCIPAL_STATE)
    if isinstance(checked, Principal):
        return checked
    return authenticate(ctx, bearer_key(authorization, x_api_key))


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
