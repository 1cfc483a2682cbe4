"""ASGI middleware that refuses NUL characters in the path, the query and the body (422).

PostgreSQL cannot store U+0000 in a text or JSON column and SQLite cuts strings at it in some
tools, so a NUL is refused at the edge on both stores, before any handler runs or any row is
written (issue 11 finding 8)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote_to_bytes

from buzzstock.api.middleware import ASGIApp, Message, Receive, Scope, Send
from buzzstock.api.problems import problem_body

_ESCAPED_NUL = b"\\u0000"


class NulGuard:
    """Answers 422 problem+json when a request carries U+0000 anywhere a string can be."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        where = _nul_in_url(scope)
        if where is None and scope["method"] in ("POST", "PUT", "PATCH", "DELETE"):
            body, receive = await _buffered(receive)
            where = _nul_in_body(body)
        if where is None:
            await self.app(scope, receive, send)
            return
        await _refuse(send, where)


async def _buffered(receive: Receive) -> tuple[bytes, Receive]:
    """The whole body, and a receive that hands it on; the outer RequestGuard has already
    bounded it to the size limit."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return body, replay


def _nul_in_url(scope: Scope) -> str | None:
    path: str = scope.get("path", "")
    if "\x00" in path or b"%00" in scope.get("raw_path", b"").lower():
        return "the path"
    query: bytes = scope.get("query_string", b"")
    if b"\x00" in query or b"\x00" in unquote_to_bytes(query):
        return "the query"
    return None


def _nul_in_body(body: bytes) -> str | None:
    if b"\x00" in body:
        return "the body"
    if _ESCAPED_NUL not in body:
        return None
    try:
        document = json.loads(body)
    except ValueError:
        return None
    return "the body" if _holds_nul(document) else None


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(key) or _holds_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_holds_nul(item) for item in value)
    return False


async def _refuse(send: Send, where: str) -> None:
    payload = json.dumps(
        problem_body(
            422,
            "nul-character",
            "The request holds a NUL character",
            f"{where} holds a NUL character (U+0000), which no text may contain; remove it "
            "and send the request again",
        )
    ).encode()
    start: Message = {
        "type": "http.response.start",
        "status": 422,
        "headers": [
            (b"content-type", b"application/problem+json"),
            (b"content-length", str(len(payload)).encode()),
        ],
    }
    await send(start)
    await send({"type": "http.response.body", "body": payload})
