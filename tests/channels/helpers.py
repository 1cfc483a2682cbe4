"""Shared scaffolding: a webhook receiver standing in for the hub's inbound route."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from buzzstock.channels.base import ChannelAdapter, InboundNotification, InvalidSignature
from buzzstock.channels.settings import ChannelSettings
from buzzstock.sim.channel_fakes import serve

FAST = ChannelSettings(backoff_base_seconds=0.01, backoff_cap_seconds=0.05, max_attempts=3)


@dataclass
class WebhookSink:
    """Verifies each delivery with the adapter, answers like the hub will (401 / 200 empty),
    and keeps one inbox row per provider event id."""

    adapter: ChannelAdapter
    url: str = ""
    inbox: dict[str, InboundNotification] = field(default_factory=dict)
    deliveries: int = 0
    refused: int = 0

    async def receive(self, request: Request) -> Response:
        self.deliveries += 1
        body = await request.body()
        try:
            notification = self.adapter.parse_webhook(
                request.headers, body, url=self.url, now=datetime.now(UTC)
            )
        except InvalidSignature:
            self.refused += 1
            return Response(status_code=401)
        self.inbox.setdefault(notification.event_id, notification)
        return Response(status_code=200)


@contextmanager
def webhook_sink(adapter: ChannelAdapter) -> Iterator[WebhookSink]:
    sink = WebhookSink(adapter)
    app = Starlette(routes=[Route("/hook", sink.receive, methods=["POST"])])
    with serve(app) as base_url:
        sink.url = f"{base_url}/hook"
        yield sink
