"""S-6 webhook intake: who may sign a channel's deliveries, read from the store on each one.

The adapters that verify a channel's deliveries are kept per process (an adapter holds an HTTP
client and a rate limiter) and rebuilt as soon as the channel's stored settings change, so a
rotated secret takes effect at once in every process, without a restart (issue 11). A delivery
the current secret refuses is tried with each secret replaced within
``channels.secret_grace_seconds`` (the platform may still sign with the old one for a while);
after that window the old secret is refused.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from starlette.concurrency import run_in_threadpool

from buzzstock.catalog.service import Channel, RetiredSecret, get_entry, retired_secrets
from buzzstock.channels.base import ChannelAdapter, InboundNotification, InvalidSignature
from buzzstock.channels.secrets import ADAPTER_KEY
from buzzstock.channels.settings import ChannelSettings
from buzzstock.core.context import Context
from buzzstock.core.errors import InvalidInput
from buzzstock.stock.sync.worker import build_channel_adapter


@dataclass
class _Verifiers:
    fingerprint: str
    current: ChannelAdapter
    previous: list[tuple[datetime, ChannelAdapter]] = field(default_factory=list)
    """Adapters holding a replaced secret, with the instant their grace ends."""

    def adapters(self) -> list[ChannelAdapter]:
        return [self.current, *(adapter for _, adapter in self.previous)]


_verifiers: dict[tuple[str, str], _Verifiers] = {}


def _stored(ctx: Context, channel: str) -> tuple[dict[str, Any], list[RetiredSecret], str]:
    """The channel's row, the secrets replaced within the grace window and their fingerprint."""
    row = get_entry(ctx, Channel, channel)
    grace = timedelta(seconds=ctx.section(ChannelSettings).secret_grace_seconds)
    retired = retired_secrets(ctx, channel, ctx.clock.now() - grace)
    fingerprint = hashlib.sha256(
        json.dumps(
            [
                row["platform"],
                row["settings"],
                [[list(old.path), old.secret, old.retired_at.isoformat()] for old in retired],
            ],
            sort_keys=True,
            default=str,
        ).encode()
    ).hexdigest()
    return row, retired, fingerprint


def _with_secret(config: Mapping[str, Any], path: tuple[str, ...], secret: str) -> dict[str, Any]:
    replaced = copy.deepcopy(dict(config))
    node = replaced
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = secret
    return replaced


def _build(
    ctx: Context, channel: str, row: dict[str, Any], retired: list[RetiredSecret], fingerprint: str
) -> _Verifiers:
    settings = ctx.section(ChannelSettings)
    config: Mapping[str, Any] = (row["settings"] or {}).get(ADAPTER_KEY) or {}
    verifiers = _Verifiers(
        fingerprint, build_channel_adapter(ctx, channel, row["platform"], config, settings)
    )
    grace = timedelta(seconds=settings.secret_grace_seconds)
    for old in retired:
        if len(old.path) < 2 or old.path[0] != ADAPTER_KEY:
            continue
        previous = _with_secret(config, old.path[1:], old.secret)
        verifiers.previous.append(
            (
                old.retired_at + grace,
                build_channel_adapter(ctx, channel, row["platform"], previous, settings),
            )
        )
    return verifiers


async def channel_verifiers(ctx: Context, channel: str) -> _Verifiers:
    """The adapters that verify ``channel``'s deliveries, as its settings stand now."""
    row, retired, fingerprint = await run_in_threadpool(_stored, ctx, channel)
    key = (str(ctx.engine.url), channel)
    cached = _verifiers.get(key)
    if cached is not None and cached.fingerprint == fingerprint:
        return cached
    built = _build(ctx, channel, row, retired, fingerprint)
    _verifiers[key] = built
    if cached is not None:
        for adapter in cached.adapters():
            await adapter.aclose()
    return built


async def verified_delivery(
    ctx: Context, channel: str, platform: str, headers: Mapping[str, str], body: bytes, *, url: str
) -> InboundNotification:
    """S-6: verify a delivery with the channel's secret, or with a replaced one still within its
    grace window; raises the current secret's ``InvalidSignature`` when none verifies."""
    verifiers = await channel_verifiers(ctx, channel)
    expected = verifiers.current.platform.value
    if platform != expected:
        raise InvalidInput(
            f"channel {channel!r} is a {expected} channel: post its webhooks to "
            f"/api/v1/channels/{channel}/webhooks/{expected}"
        )
    now = ctx.clock.now()
    try:
        return verifiers.current.parse_webhook(headers, body, url=url, now=now)
    except InvalidSignature as refused:
        for until, previous in verifiers.previous:
            if now >= until:
                continue
            try:
                return previous.parse_webhook(headers, body, url=url, now=now)
            except InvalidSignature:
                continue
        raise refused from None
