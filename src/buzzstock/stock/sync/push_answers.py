"""S-6: applying a channel's answers to pushes (acknowledged, stale, throttled, rejected,
unavailable) and releasing the units an answer freed; the lock order is in ``allotment``'s
docstring.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, insert, update

from buzzstock.core.clock import as_utc
from buzzstock.core.context import Context
from buzzstock.core.events import record
from buzzstock.core.ids import new_id
from buzzstock.stock.events import ChannelPushRejected
from buzzstock.stock.model import Movement
from buzzstock.stock.reservations import channel_region
from buzzstock.stock.store import channel_listings
from buzzstock.stock.sync.allotment import (
    _free_of,
    _not_listed,
    _pending_reserve,
    _release_movements,
)
from buzzstock.stock.sync.publication import (
    channel_bucket,
    exposure_after_ack,
    exposure_after_refusal,
    surplus_units,
)
from buzzstock.stock.sync.push_claims import (
    _PUSH_FIELDS,
    PushTask,
    _lock_quota_rows,
    _locked_push_lanes,
    _move_locked_units,
    _PushLane,
    _QuotaLocks,
)
from buzzstock.stock.sync.settings import SyncSettings
from buzzstock.stock.sync.store import channel_sync_samples


@dataclass(frozen=True)
class PushAnswer:
    """A channel's answer to one push."""

    outcome: str
    """acknowledged, stale, throttled, rejected or unavailable"""
    observed: int | None = None
    retry_after: float | None = None
    detail: str = ""
    adjusted_by: int | None = None
    """Sent as a delta (``sync.raise_by``): the channel shows what it had plus this."""


def record_push_outcome(
    ctx: Context,
    task: PushTask,
    outcome: str,
    *,
    observed: int | None = None,
    retry_after: float | None = None,
    detail: str = "",
    settings: SyncSettings = SyncSettings(),
) -> None:
    """S-6: apply a channel's answer to one push (see ``record_push_outcomes``)."""
    record_push_outcomes(
        ctx, [(task, PushAnswer(outcome, observed, retry_after, detail))], settings
    )


@dataclass(frozen=True)
class _Settling:
    """A listing right after an answer: the allotment units beyond ``exposure`` and
    ``reserve`` are surplus (released to the region quota under ``ref``)."""

    ref: str
    exposure: int
    reserve: int


Unsettled = dict[tuple[str, str], str]
"""Listings ``(sku, channel)`` whose surplus release waits for quota rows held elsewhere, with
the ref of the answer that left it (``record_answers``, ``settle_listings``)."""


def record_push_outcomes(
    ctx: Context,
    answers: list[tuple[PushTask, PushAnswer]],
    settings: SyncSettings = SyncSettings(),
) -> None:
    """S-6: apply channels' answers to pushes (acknowledged, stale, throttled, rejected,
    unavailable), SKUs in order, and give the allotment units no exposure needs any more back
    to the region quota; an answer to a push that lost its lease changes nothing but is safe,
    since the exposure it added stays counted (``record_answers``, then ``settle_listings``)."""
    settle_listings(ctx, record_answers(ctx, answers, settings))


def record_answers(
    ctx: Context,
    answers: list[tuple[PushTask, PushAnswer]],
    settings: SyncSettings = SyncSettings(),
) -> Unsettled:
    """S-6: ``record_push_outcomes`` in one transaction that never waits for a quota row: it
    locks the listings answered, releases the surplus of those whose quota rows are free and
    writes every answer, with a few statements for all SKUs (see the module docstring).
    Returns the listings whose surplus is left for ``settle_listings``; until then it stays in
    the channel's allotment (held back, never published)."""
    if not answers:
        return {}
    now = ctx.clock.now()
    with ctx.engine.begin() as connection:
        regions = {
            channel: channel_region(ctx, connection, channel)
            for channel in sorted({task.channel for task, _ in answers})
        }
        lanes = {
            (lane.sku, lane.channel): lane
            for lane in _locked_push_lanes(
                connection, [(task.sku, task.channel) for task, _ in answers]
            )
        }
        free = _free_of(connection, [(sku, channel_bucket(channel)) for sku, channel in lanes])
        changes: dict[tuple[str, str], dict[str, Any]] = {}
        samples: list[dict[str, Any]] = []
        settling: dict[tuple[str, str], list[_Settling]] = defaultdict(list)
        for task, answer in sorted(answers, key=lambda pair: (pair[0].sku, pair[0].channel)):
            lane = lanes.get((task.sku, task.channel))
            if lane is None:
                raise _not_listed(task.channel, task.sku)
            ref = new_id("ack")
            values = _apply_answer(connection, lane, task, answer, settings, now, samples)
            if values is None:
                continue
            changes.setdefault((task.sku, task.channel), {}).update(values)
            settling[(task.sku, task.channel)].append(
                _Settling(ref, lane.exposure_units, _pending_reserve(lane))
            )
        surplus = {
            key: steps
            for key, steps in settling.items()
            if any(
                surplus_units(free.get((key[0], channel_bucket(key[1])), 0), s.exposure, s.reserve)
                for s in steps
            )
        }
        # Quota rows first: the sooner after the listings, the likelier nobody took them yet.
        left = _release_surplus(connection, regions, surplus, now, wait=False)
        _write_answers(connection, changes)
        if samples:
            connection.execute(insert(channel_sync_samples), samples)
    return {key: surplus[key][-1].ref for key in left}


def settle_listings(ctx: Context, unsettled: Unsettled) -> None:
    """Release the surplus ``record_answers`` left, waiting for the quota rows: first by
    ``_settle_quota_first`` (a few tries), then in the hub's order."""
    if not unsettled:
        return
    now = ctx.clock.now()
    refs = dict(unsettled)
    regions = {channel: channel_region(ctx, None, channel) for _, channel in sorted(refs)}
    for _ in range(QUOTA_FIRST_ATTEMPTS):
        with ctx.engine.begin() as connection:
            refs = _settle_quota_first(connection, regions, refs, now)
        if not refs:
            return
    with ctx.engine.begin() as connection:
        for sku in sorted({sku for sku, _ in refs}):
            lanes = _locked_push_lanes(connection, [key for key in refs if key[0] == sku])
            steps = {
                (lane.sku, lane.channel): [
                    _Settling(
                        refs[(lane.sku, lane.channel)],
                        lane.exposure_units,
                        _pending_reserve(lane),
                    )
                ]
                for lane in lanes
            }
            _release_surplus(connection, regions, steps, now, wait=True)


QUOTA_FIRST_ATTEMPTS = 3
"""Tries of ``_settle_quota_first`` before a release waits for its listings in the hub's order."""


def _settle_quota_first(
    connection: Connection,
    regions: Mapping[str, str],
    refs: Mapping[tuple[str, str], str],
    now: datetime,
) -> dict[tuple[str, str], str]:
    """Release the surplus of listings ``(sku, channel) -> ref`` whose quota rows were held
    elsewhere. SKU by SKU it waits for the quota buckets, then the pool, and takes the listings
    only if nobody holds them (SKIP LOCKED): it never waits for a listing, nor for a row that
    comes before one it holds in the hub's order (no cycle). Returns the listings that were
    held in turn."""
    locks = _QuotaLocks()
    movements: dict[str, list[Movement]] = defaultdict(list)
    busy: dict[tuple[str, str], str] = {}
    for sku in sorted({sku for sku, _ in refs}):
        keys = sorted(key for key in refs if key[0] == sku)
        buckets = {
            bucket for _, channel in keys for bucket in (channel_bucket(channel), regions[channel])
        }
        taken = _lock_quota_rows(connection, {sku: buckets}, wait=True)
        locks.free.update(taken.free)
        locks.pools.update(taken.pools)
        lanes = {
            (lane.sku, lane.channel): lane
            for lane in _locked_push_lanes(connection, keys, skip_locked=True)
        }
        for key in keys:
            lane = lanes.get(key)
            if lane is None:
                busy[key] = refs[key]
                continue
            free = locks.free.get((sku, channel_bucket(lane.channel)), 0)
            units = surplus_units(free, lane.exposure_units, _pending_reserve(lane))
            movements[sku] += _release_movements(
                lane.channel, regions[lane.channel], units, refs[key]
            )
    _move_locked_units(connection, now, locks, movements)
    return busy


def _apply_answer(
    connection: Connection,
    lane: _PushLane,
    task: PushTask,
    answer: PushAnswer,
    settings: SyncSettings,
    now: datetime,
    samples: list[dict[str, Any]],
) -> dict[str, Any] | None:
    """S-6: one answer on a locked listing: applies it to ``lane`` and returns the listing
    values to write (None: the push lost its lease, nothing changes). An acknowledgement adds
    its sync-latency sample to ``samples``; a rejection records ``ChannelPushRejected``."""
    if lane.inflight_version != task.version:
        return None
    outcome, observed, retry_after, detail = (
        answer.outcome,
        answer.observed,
        answer.retry_after,
        answer.detail,
    )
    cas = bool(lane.compare_and_swap)
    extra = int(lane.inflight_extra)
    values: dict[str, Any] = {
        "inflight_version": 0,
        "inflight_extra": 0,
        "lease_until": None,
        "updated_at": now,
    }
    exposure = int(lane.exposure_units)
    if outcome == "acknowledged":
        exposure = exposure_after_ack(exposure, extra, task.value, task.expected, cas)
        values.update(acknowledged_version=task.version, attempts=0, last_error=None)
        if answer.adjusted_by is None:
            values.update(acknowledged_units=task.value, sold_since_ack=0)
        else:
            # Sales booked while the delta was in flight stay subtracted from the new display.
            values["acknowledged_units"] = lane.acknowledged_units + answer.adjusted_by
        if task.version == lane.version:
            values["published_units"] = task.value
        committed = lane.inflight_committed_at or now
        samples.append(
            {
                "channel": task.channel,
                "sku": task.sku,
                "version": task.version,
                "committed_at": committed,
                "acknowledged_at": now,
                "seconds": max(0.0, (now - as_utc(committed)).total_seconds()),
            }
        )
    elif outcome == "stale":
        exposure = exposure_after_refusal(exposure, extra)
        display = observed if observed is not None else 0
        values.update(sold_since_ack=lane.acknowledged_units - display, next_attempt_at=now)
    elif outcome == "throttled":
        exposure = exposure_after_refusal(exposure, extra)
        values["next_attempt_at"] = now + timedelta(seconds=retry_after or 1.0)
    elif outcome == "rejected":
        exposure = exposure_after_refusal(exposure, extra)
        values.update(failed_version=task.version, last_error=detail[:1000])
        record(
            connection,
            ChannelPushRejected(channel=task.channel, sku=task.sku, detail=detail, rule="S-6"),
            now,
        )
    else:
        attempts = int(lane.attempts) + 1
        delay = min(
            settings.push_backoff_cap_seconds,
            settings.push_backoff_base_seconds * 2 ** min(attempts, 20),
        )
        values.update(
            attempts=attempts,
            next_attempt_at=now + timedelta(seconds=delay),
            last_error=detail[:1000],
        )
    values["exposure_units"] = exposure
    for name, value in values.items():
        if name in _PUSH_FIELDS:
            setattr(lane, name, value)
    return values


def _write_answers(
    connection: Connection, changes: Mapping[tuple[str, str], dict[str, Any]]
) -> None:
    """Write the answered listings back: one statement per set of columns changed."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for (sku, channel), values in sorted(changes.items()):
        groups[tuple(sorted(values))].append(
            {
                "answer_channel": channel,
                "answer_sku": sku,
                **{f"answer_{name}": value for name, value in values.items()},
            }
        )
    for names, rows in groups.items():
        connection.execute(
            update(channel_listings)
            .where(
                channel_listings.c.channel == bindparam("answer_channel"),
                channel_listings.c.sku == bindparam("answer_sku"),
            )
            .values({name: bindparam(f"answer_{name}") for name in names}),
            rows,
        )


def _release_surplus(
    connection: Connection,
    regions: Mapping[str, str],
    settling: Mapping[tuple[str, str], list[_Settling]],
    now: datetime,
    *,
    wait: bool,
) -> list[tuple[str, str]]:
    """Release each listing's surplus allotment units (``(sku, channel)`` locked) to its
    channel's region quota, step by step; returns the listings left because their quota rows
    are held elsewhere (only without ``wait``, see ``_lock_quota_rows``)."""
    wanted: dict[str, set[str]] = defaultdict(set)
    for sku, channel in settling:
        wanted[sku] |= {channel_bucket(channel), regions[channel]}
    locks = _lock_quota_rows(connection, wanted, wait=wait)
    movements: dict[str, list[Movement]] = defaultdict(list)
    left = []
    for sku, channel in sorted(settling):
        if sku not in locks.pools:
            left.append((sku, channel))
            continue
        free = locks.free.get((sku, channel_bucket(channel)), 0)
        for step in settling[(sku, channel)]:
            units = surplus_units(free, step.exposure, step.reserve)
            free -= units
            movements[sku] += _release_movements(channel, regions[channel], units, step.ref)
    _move_locked_units(connection, now, locks, movements)
    return left
