"""S-6: the push worker. One loop per channel sends the latest value per SKU from the channel's
push lane, within the adapter's token bucket, honouring ``Retry-After``, retrying with backoff,
and recording sync latency from commit to acknowledgement.

Pushes are never lost: the lane is written in the transaction of the change (``allotment``),
a claimed push carries a lease, and a push whose worker died is claimed again after it.
Several workers (threads or processes) may serve the same channel: claims are conditional.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select

from buzzstock.catalog.service import channels
from buzzstock.channels.base import ChannelAdapter, Platform, PushOutcome
from buzzstock.channels.latency import summarize_sync_latency
from buzzstock.channels.registry import build_adapter
from buzzstock.channels.settings import ChannelSettings
from buzzstock.core.context import Context
from buzzstock.core.db import reading
from buzzstock.core.errors import InvalidInput, NotFound
from buzzstock.stock.store import channel_listings
from buzzstock.stock.sync.push_answers import PushAnswer, Unsettled, record_answers, settle_listings
from buzzstock.stock.sync.push_claims import PushTask, claim_pushes
from buzzstock.stock.sync.settings import SyncSettings
from buzzstock.stock.sync.store import channel_sync_samples

ADAPTER_SETTINGS_KEY = "adapter"


def adapter_for(
    ctx: Context, channel: str, settings: ChannelSettings = ChannelSettings()
) -> ChannelAdapter:
    """The adapter of a catalogue channel, built from ``settings.adapter`` of the channel."""
    with reading(ctx.engine) as connection:
        row = connection.execute(
            select(channels.c.platform, channels.c.settings).where(channels.c.code == channel)
        ).first()
    if row is None:
        raise NotFound(f"unknown channel {channel!r}")
    stored: Mapping[str, Any] = row.settings or {}
    config: Mapping[str, Any] = stored.get(ADAPTER_SETTINGS_KEY) or {}
    return build_channel_adapter(ctx, channel, row.platform, config, settings)


def build_channel_adapter(
    ctx: Context,
    channel: str,
    platform: str,
    config: Mapping[str, Any],
    settings: ChannelSettings,
) -> ChannelAdapter:
    """The adapter of ``channel`` from its adapter configuration ``config``."""
    if not config:
        raise InvalidInput(
            f"channel {channel!r} has no adapter configuration: set settings.adapter "
            "(see docs/channels.md)"
        )
    try:
        return build_adapter(Platform(platform), config, settings, ctx.clock)
    except ValidationError as error:
        # The error's own text quotes the values, credentials among them: name the fields only.
        problems = "; ".join(
            f"{'.'.join(str(part) for part in item['loc'])}: {item['msg']}"
            for item in error.errors()
        )
        raise InvalidInput(
            f"channel {channel!r} has an invalid settings.adapter: {problems} "
            "(see docs/channels.md)"
        ) from None


@dataclass(frozen=True)
class PushRound:
    sent: int
    blind_acknowledged: int
    """Blind sets the channel acknowledged: the display they overwrote is still counted
    until a reconciliation reads the channel back."""


def raise_by(task: PushTask, adapter: ChannelAdapter) -> int | None:
    """S-6: the delta to send instead of an absolute value: a raise on a platform that adds
    deltas lands whatever sold meanwhile (its exposure is the same as the compare-and-swap
    raise it replaces). None: push the absolute value."""
    if (
        adapter.capabilities.delta_adjust
        and task.expected is not None
        and task.value > task.expected
    ):
        return task.value - task.expected
    return None


async def push_once(
    ctx: Context, channel: str, adapter: ChannelAdapter, settings: SyncSettings
) -> PushRound:
    """Claim and send the channel's due pushes once, then record every answer and release the
    allotment units they freed."""
    pushed, unsettled = await _push_round(ctx, channel, adapter, settings)
    if unsettled:
        await asyncio.to_thread(settle_listings, ctx, unsettled)
    return pushed


async def _push_round(
    ctx: Context, channel: str, adapter: ChannelAdapter, settings: SyncSettings
) -> tuple[PushRound, Unsettled]:
    """Claim and send the channel's due pushes once, then record every answer in one
    transaction; returns the listings whose surplus release waits for quota rows held
    elsewhere (``allotment.record_answers``)."""
    tasks = await asyncio.to_thread(claim_pushes, ctx, channel, settings)
    if not tasks:
        return PushRound(0, 0), {}
    deltas = [raise_by(task, adapter) for task in tasks]
    results = await asyncio.gather(
        *(
            adapter.set_quantity(
                task.sku_ref, task.value, expected_previous=task.expected, push_id=task.push_id
            )
            if delta is None
            else adapter.adjust_quantity(task.sku_ref, delta, push_id=task.push_id)
            for task, delta in zip(tasks, deltas, strict=True)
        )
    )
    answers = [
        (
            task,
            PushAnswer(
                result.outcome.value,
                result.observed_quantity,
                result.retry_after,
                result.detail,
                adjusted_by=delta,
            ),
        )
        for task, result, delta in zip(tasks, results, deltas, strict=True)
    ]
    unsettled = await asyncio.to_thread(record_answers, ctx, answers, settings)
    blind = sum(
        task.expected is None and answer.outcome == PushOutcome.ACKNOWLEDGED.value
        for task, answer in answers
    )
    return PushRound(len(tasks), blind), unsettled


class PushWorker:
    """Runs ``push_once`` for one channel until stopped; ``poke`` wakes it after a change.
    ``blind_acknowledged`` is set whenever the channel acknowledged a blind set (S-6: the
    reconciliation loop reads the channel back then, to free the overwritten display).

    Surplus releases that wait for quota rows (a batch publication holds them until it
    commits) run beside the next rounds instead of delaying them, one at a time; the worker
    finishes them before it stops."""

    def __init__(
        self,
        ctx: Context,
        channel: str,
        adapter: ChannelAdapter,
        settings: SyncSettings = SyncSettings(),
    ) -> None:
        self.ctx = ctx
        self.channel = channel
        self.adapter = adapter
        self.settings = settings
        self._wake = asyncio.Event()
        self.blind_acknowledged = asyncio.Event()

    def poke(self) -> None:
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        unsettled: Unsettled = {}
        settling: asyncio.Future[None] | None = None
        try:
            while not stop.is_set():
                pushed, left = await _push_round(
                    self.ctx, self.channel, self.adapter, self.settings
                )
                unsettled.update(left)
                if settling is not None and settling.done():
                    settling.result()
                    settling = None
                if unsettled and settling is None:
                    settling = asyncio.ensure_future(
                        asyncio.to_thread(settle_listings, self.ctx, unsettled)
                    )
                    unsettled = {}
                if pushed.blind_acknowledged:
                    self.blind_acknowledged.set()
                if pushed.sent:
                    continue
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.settings.worker_poll_seconds)
        finally:
            if settling is not None:
                await settling
            if unsettled:
                await asyncio.to_thread(settle_listings, self.ctx, unsettled)


def sync_status(ctx: Context, channel: str | None = None) -> list[dict[str, Any]]:
    """S-6: per channel, pushes waiting, pushes sent vs changes, and sync latency
    commit -> acknowledged (p50/p99 and the shares within the 0.5 s goal and 1.5 s standard)."""
    with reading(ctx.engine) as connection:
        query = select(
            channel_listings.c.channel,
            func.count().label("skus"),
            func.sum(channel_listings.c.pushes_sent).label("pushes"),
            func.sum(channel_listings.c.changes).label("changes"),
            func.sum(channel_listings.c.exposure_units).label("exposure"),
        ).group_by(channel_listings.c.channel)
        pending_query = (
            select(channel_listings.c.channel, func.count().label("pending"))
            .where(channel_listings.c.version > channel_listings.c.acknowledged_version)
            .where(channel_listings.c.version > channel_listings.c.failed_version)
            .group_by(channel_listings.c.channel)
        )
        if channel is not None:
            query = query.where(channel_listings.c.channel == channel)
            pending_query = pending_query.where(channel_listings.c.channel == channel)
        rows = list(connection.execute(query))
        pending = {row.channel: int(row.pending) for row in connection.execute(pending_query)}
        samples: dict[str, list[float]] = {}
        sample_query = select(channel_sync_samples.c.channel, channel_sync_samples.c.seconds)
        if channel is not None:
            sample_query = sample_query.where(channel_sync_samples.c.channel == channel)
        for sample in connection.execute(sample_query):
            samples.setdefault(sample.channel, []).append(float(sample.seconds))
    if channel is not None and not rows:
        raise NotFound(f"channel {channel!r} has no listings")
    report = []
    for row in rows:
        summary = summarize_sync_latency(samples.get(row.channel, []))
        report.append(
            {
                "channel": row.channel,
                "skus": int(row.skus),
                "pushes": int(row.pushes or 0),
                "changes": int(row.changes or 0),
                "pending": pending.get(row.channel, 0),
                "exposure_units": int(row.exposure or 0),
                "sync_latency": {
                    "count": summary.count,
                    "p50_ms": round(summary.p50_ms, 1),
                    "p99_ms": round(summary.p99_ms, 1),
                    "max_ms": round(summary.max_ms, 1),
                    "within_goal_share": round(summary.within_goal_share, 4),
                    "within_standard_share": round(summary.within_standard_share, 4),
                },
            }
        )
    return report
