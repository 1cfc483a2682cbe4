"""ASGI middleware: body size limit and Idempotency-Key replay for every creating POST."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.concurrency import run_in_threadpool

from buzzstock.api.problems import PROBLEM_JSON
from buzzstock.core import idempotency
from buzzstock.core.context import Context
from buzzstock.core.errors import PROBLEM_BASE, DomainError
from buzzstock.core.requests import bearer_key

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
        presented = bearer_key(headers.get("authorization"), headers.get("x-api-key")) or ""
        key_scope = hashlib.sha256(presented.encode()).hexdigest()[:32]
        fingerprint = idempotency.fingerprint(scope["method"], scope["path"], body)
        try:
            stored = await run_in_threadpool(
                idempotency.begin, self.ctx, key_scope, key, fingerprint
            )
        except DomainError as error:
            await _send_json(send, error.status, error.problem(), PROBLEM_JSON)
            return
        if stored is not None:
            await _send_json(
                send,
                stored.status_code,
                stored.body,
                PROBLEM_JSON if stored.status_code >= 400 else "application/json",
                replayed=True,
            )
            return
        held: list[Message] = []

        async def capture(message: Message) -> None:
            held.append(message)

        try:
            await self.app(scope, replay, capture)
        finally:
            starts = [message for message in held if message["type"] == "http.response.start"]
            status = starts[0]["status"] if starts else 500
            raw = b"".join(
                message.get("body", b"")
                for message in held
                if message["type"] == "http.response.body"
            )
            try:
                answer = json.loads(raw) if raw else None
            except ValueError:
                answer = raw.decode(errors="replace")
            await run_in_threadpool(idempotency.finish, self.ctx, key_scope, key, status, answer)
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


async def _send_json(
    send: Send, status: int, body: Any, media_type: str, *, replayed: bool = False
) -> None:
    payload = json.dumps(body).encode()
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
