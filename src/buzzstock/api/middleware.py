"""ASGI middleware: body size limit and Idempotency-Key replay for every creating POST.

A key is claimed only for a request whose API key is valid, so bad keys write nothing."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.concurrency import run_in_threadpool

from buzzstock.api.problems import PROBLEM_JSON
from buzzstock.core import idempotency
from buzzstock.core.auth import authenticate
from buzzstock.core.context import Context
from buzzstock.core.errors import PROBLEM_BASE, DomainError, Unauthorized
from buzzstock.core.requests import PRINCIPAL_STATE, bearer_key

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class _TooLarge(Exception):
    pass


class RequestGuard:
    """Buffers request bodies up to the size limit, and answers retried POSTs from storage."""

    def __init__(self, app: ASGIApp, ctx: Context) -> None:
        self.app = app
        self.ctx = ctx

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH", "DELETE"):
            await self.app(scope, receive, send)
            return
        limit = self.ctx.settings.api.max_body_bytes
        headers = {key.decode().lower(): value.decode() for key, value in scope["headers"]}
        try:
            if int(headers.get("content-length", "0") or 0) > limit:
                raise _TooLarge
            body = await _read_body(receive, limit)
        except _TooLarge:
            await _send_problem(
                send,
                413,
                "body-too-large",
                "Request body too large",
                f"the request body is larger than {limit} bytes; send smaller batches",
            )
            return
        except ValueError:
            await _send_problem(
                send,
                400,
                "bad-content-length",
                "Bad Content-Length",
                "Content-Length is not a number",
            )
            return
        replay = _replayer(body)
        key = headers.get("idempotency-key")
        if scope["method"] != "POST" or key is None:
            await self.app(scope, replay, send)
            return
        presented = bearer_key(headers.get("authorization"), headers.get("x-api-key"))
        try:
            principal = await run_in_threadpool(authenticate, self.ctx, presented)
        except Unauthorized:
            # The route answers 401 itself; an unauthenticated request claims no key.
            await self.app(scope, replay, send)
            return
        scope.setdefault("state", {})[PRINCIPAL_STATE] = principal
        fingerprint = idempotency.fingerprint(scope["method"], scope["path"], body)
        try:
            claimed = await run_in_threadpool(
                idempotency.begin, self.ctx, principal.key_id, key, fingerprint
            )
        except DomainError as error:
            await _send_json(send, error.status, error.problem(), PROBLEM_JSON)
            return
        if isinstance(claimed, idempotency.StoredAnswer):
            await _send_bytes(
                send, claimed.status_code, claimed.body, claimed.content_type, replayed=True
            )
            return
        await self._run_claimed(scope, replay, send, claimed)

    async def _run_claimed(
        self, scope: Scope, receive: Receive, send: Send, claim: idempotency.Claim
    ) -> None:
        held: list[Message] = []

        async def capture(message: Message) -> None:
            held.append(message)

        token = idempotency.running(claim)
        try:
            await self.app(scope, receive, capture)
        finally:
            idempotency.done_running(token)
            starts = [message for message in held if message["type"] == "http.response.start"]
            status = starts[0]["status"] if starts else 500
            content_type = next(
                (
                    value.decode()
                    for name, value in (starts[0]["headers"] if starts else [])
                    if name.lower() == b"content-type"
                ),
                PROBLEM_JSON,
            )
            raw = b"".join(
                message.get("body", b"")
                for message in held
                if message["type"] == "http.response.body"
            )
            await run_in_threadpool(idempotency.finish, self.ctx, claim, status, raw, content_type)
        # The answer leaves only once it is stored: a client that retries as soon as it has
        # read it must get it replayed, not "the first request is still running" (409).
        for message in held:
            await send(message)


async def _read_body(receive: Receive, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _TooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replayer(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive


async def _send_json(send: Send, status: int, body: Any, media_type: str) -> None:
    await _send_bytes(send, status, json.dumps(body).encode(), media_type)


async def _send_bytes(
    send: Send, status: int, payload: bytes, media_type: str, *, replayed: bool = False
) -> None:
    headers = [
        (b"content-type", media_type.encode()),
        (b"content-length", str(len(payload)).encode()),
    ]
    if replayed:
        headers.append((b"idempotent-replayed", b"true"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


async def _send_problem(send: Send, status: int, slug: str, title: str, detail: str) -> None:
    body = {"type": PROBLEM_BASE + slug, "title": title, "status": status, "detail": detail}
    await _send_json(send, status, body, PROBLEM_JSON)
