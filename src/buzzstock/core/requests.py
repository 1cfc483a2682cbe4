"""Request dependencies shared by every router: the context and the caller's API key."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from buzzstock.core.auth import Principal, authenticate
from buzzstock.core.context import Context


def get_ctx(request: Request) -> Context:
    ctx = request.app.state.ctx
    assert isinstance(ctx, Context)
    return ctx


def bearer_key(authorization: str | None, x_api_key: str | None) -> str | None:
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    return x_api_key


def get_principal(
    ctx: Annotated[Context, Depends(get_ctx)],
    authorization: Annotated[str | None, Header()] = None,
    x_api_key: Annotated[str | None, Header()] = None,
) -> Principal:
    return authenticate(ctx, bearer_key(authorization, x_api_key))


Ctx = Annotated[Context, Depends(get_ctx)]
Caller = Annotated[Principal, Depends(get_principal)]
