"""S-6: claiming a channel's due pushes (the push lane's send side).

A claim takes the latest value of each due (channel, SKU) under a lease and covers its extra
exposure with allotment units before it leaves; the lock order is in ``allotment``'s docstring.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Integer, Select, bindparam, case, select, tuple_, update

from buzzstock.core.context import Context
from buzzstock.core.db import reading
from buzzstock.core.errors import NotFound
from buzzstock.core.ids import new_id
from buzzstock.stock import ledger
from buzzstock.stock.model import Movement, bucket_lock_order
from buzzstock.stock.reservations import channel_region
from buzzstock.stock.store import ELASTIC, channel_listings, quota_buckets
from buzzstock.stock.sync.allotment import (
    _allot_movements,
    _change_buckets,
    _cover_deltas,
    _free_of,
)
from buzzstock.stock.sync.publication import (
    believed_display,
    channel_bucket,
    largest_coverable_value,
    push_extra,
)
from buzzstock.stock.sync.settings import SyncSettings


@dataclass(frozen=True)
class PushTask:
    """One claimed push: send ``value`` to the channel, then report the answer."""

    channel: str
    sku: str
    sku_ref: str
    value: int
    expected: int | None
    version: int
    push_id: str


_PUSH_FIELDS = (
    "channel",
    "sku",
    "external_ref",
    "published_units",
    "acknowledged_units",
    "version",
    "acknowledged_version",
    "failed_version",
    "sold_since_ack",
    "compare_and_swap",
    "exposure_units",
    "inflight_version",
    "inflight_extra",
    "inflight_committed_at",
    "lease_until",
    "attempts",
    "pushes_sent",
    "committed_at",
)
_PUSH_COLUMNS = [channel_listings.c[name] for name in _PUSH_FIELDS]


@dataclass
class _PushLane:
    """A locked listing as the push path reads it (``_PUSH_FIELDS``, in that order); answers
    change it in memory before it is written back."""

    channel: str
    sku: str
    external_ref: str | None
    published_units: int
    acknowledged_units: int
    version: int
    acknowledged_version: int
    failed_version: int
    sold_since_ack: int
    compare_and_swap: bool
    exposure_units: int
    inflight_version: int
    inflight_extra: int
    inflight_committed_at: datetime | None
    lease_until: datetime | None
    attempts: int
    pushes_sent: int
    committed_at: datetime | None


def _due(channel: str, now: datetime) -> Select[Any]:
    """The channel's listings with a push to send, in SKU order (the lock order)."""
    listing = channel_listings.c
    return (
        select(*_PUSH_COLUMNS)
        .where(
            listing.channel == channel,
            listing.version > listing.acknowledged_version,
            listing.version > listing.failed_version,
            (listing.inflight_version == 0) | (listing.lease_until < now),
            listing.next_attempt_at.is_(None) | (listing.next_attempt_at <= now),
        )
        .order_by(listing.sku)
    )


def _locked_push_lanes(
    connection: Connection, keys: Iterable[tuple[str, str]], *, skip_locked: bool = False
) -> list[_PushLane]:
    """Lock the listings ``(sku, channel)`` with one statement, SKU by SKU, each by channel;
    with ``skip_locked`` those another transaction holds are left out."""
    wanted = sorted({(channel, sku) for sku, channel in keys})
    rows = connection.execute(
        select(*_PUSH_COLUMNS)
        .where(tuple_(channel_listings.c.channel, channel_listings.c.sku).in_(wanted))
        .order_by(channel_listings.c.sku, channel_listings.c.channel)
        .with_for_update(skip_locked=skip_locked)
    )
    return [_PushLane(*row) for row in rows]


@dataclass
class _QuotaLocks:
    """Quota rows a transaction locked: free units per ``(sku, bucket)`` and pools per SKU."""

    free: dict[tuple[str, str], int] = field(default_factory=dict)
    pools: dict[str, ledger.LockedPool] = field(default_factory=dict)


def _lock_quota_rows(
    connection: Connection, wanted: Mapping[str, set[str]], *, wait: bool
) -> _QuotaLocks:
    """Lock the quota buckets ``wanted`` per SKU (``bucket_lock_order``), then those SKUs'
    pools, and read their free units and chain heads.

    With ``wait`` the rows are waited for: one SKU at a time, by a transaction holding no row
    that comes later in the hub's order. Without it, rows another transaction holds are
    skipped, and so is the pool of a SKU whose buckets were not all taken: such a SKU is
    missing from ``pools`` and its caller finishes it in a later step. A transaction holding
    a later SKU's listing must not wait here: a batch publication may hold these rows while
    it waits for that listing.
    """
    if not wanted:
        return _QuotaLocks()
    keys = sorted((sku, bucket) for sku, buckets in wanted.items() for bucket in buckets)
    ranks = {
        bucket: rank
        for rank, bucket in enumerate(sorted({bucket for _, bucket in keys}, key=bucket_lock_order))
    }
    rows = connection.execute(
        select(
            quota_buckets.c.sku,
            quota_buckets.c.bucket,
            (quota_buckets.c.limit_units - quota_buckets.c.used_units).label("free"),
        )
        .where(tuple_(quota_buckets.c.sku, quota_buckets.c.bucket).in_(keys))
        .order_by(quota_buckets.c.sku, case(ranks, value=quota_buckets.c.bucket))
        .with_for_update(skip_locked=not wait)
    )
    free = {(str(row.sku), str(row.bucket)): int(row.free) for row in rows}
    taken = [
        sku
        for sku, buckets in wanted.items()
        if wait or all((sku, bucket) in free for bucket in buckets)
    ]
    pools = ledger.lock_pools(connection, taken, skip_locked=not wait)
    if wait and len(pools) < len(taken):
        missing = min(set(taken) - pools.keys())
        raise NotFound(f"SKU {missing!r} has no stock pool yet: receive stock or load a catalogue")
    return _QuotaLocks(free, pools)


def _move_locked_units(
    connection: Connection,
    at: datetime,
    locks: _QuotaLocks,
    movements: Mapping[str, list[Movement]],
) -> None:
    """Apply the movements' limit changes to quota rows locked by ``_lock_quota_rows`` (one
    conditional write per bucket, all in one statement) and append them to the ledger."""
    _change_buckets(connection, movements)
    ledger.append_locked(connection, at, locks.pools, movements)


def claim_pushes(
    ctx: Context, channel: str, settings: SyncSettings = SyncSettings(), *, limit: int = 20
) -> list[PushTask]:
    """S-6: take the channel's due pushes (latest value per SKU) under a lease.

    Before a push leaves, its extra exposure is covered by allotment units; if the pool cannot
    cover it the value is lowered to what it can (never published beyond what exists). One
    transaction locks the due listings and claims them with a few statements for all SKUs; a
    SKU whose cover needs quota rows another transaction holds is claimed right after, in a
    transaction that waits for them (see the module docstring).
    """
    now = ctx.clock.now()
    due = _due(channel, now)
    if not _any_due(ctx, due):
        return []
    with ctx.engine.begin() as connection:
        region = channel_region(ctx, connection, channel)
        lanes = [_PushLane(*row) for row in connection.execute(due.limit(limit).with_for_update())]
        tasks, left = _claim_lanes(connection, region, lanes, now, settings, wait=False)
    if left:
        with ctx.engine.begin() as connection:
            for sku in left:
                query = due.where(channel_listings.c.sku == sku).with_for_update()
                lanes = [_PushLane(*row) for row in connection.execute(query)]
                tasks += _claim_lanes(connection, region, lanes, now, settings, wait=True)[0]
    return sorted(tasks, key=lambda task: task.sku)


def _any_due(ctx: Context, due: Select[Any]) -> bool:
    """An idle worker looks before it writes: on SQLite without taking the write lock, on
    PostgreSQL with a single round trip (no transaction to begin and end)."""
    if ctx.engine.dialect.name == "sqlite":
        with reading(ctx.engine) as connection:
            return connection.execute(due.limit(1)).first() is not None
    with ctx.engine.connect() as connection:
        autocommit = connection.execution_options(isolation_level="AUTOCOMMIT")
        return autocommit.execute(due.limit(1)).first() is not None


def _claim_lanes(
    connection: Connection,
    region: str,
    lanes: list[_PushLane],
    now: datetime,
    settings: SyncSettings,
    *,
    wait: bool,
) -> tuple[list[PushTask], list[str]]:
    """S-6/S-3: claim due listings of one channel, locked by ``_due`` (PostgreSQL re-checks
    its conditions on a row it waited for); returns the tasks and the SKUs left because their
    cover needs quota rows held elsewhere (only without ``wait``)."""
    if not lanes:
        return [], []
    channel = lanes[0].channel
    allotment = channel_bucket(channel)
    free = _free_of(
        connection,
        [(lane.sku, bucket) for lane in lanes for bucket in (allotment, region, ELASTIC)],
    )
    covering = {}
    for lane in lanes:
        deltas = _cover_deltas(
            {source: free.get((lane.sku, source), 0) for source in (region, ELASTIC)},
            channel,
            region,
            _shortfall(lane, free.get((lane.sku, allotment), 0)),
        )
        if deltas:
            covering[lane.sku] = set(deltas)
    locks = _lock_quota_rows(connection, covering, wait=wait)
    left = sorted(covering.keys() - locks.pools.keys())
    lease = now + timedelta(seconds=settings.push_lease_seconds)
    movements: dict[str, list[Movement]] = {}
    claims: list[dict[str, Any]] = []
    waits: list[dict[str, Any]] = []
    tasks: list[PushTask] = []
    for lane in lanes:
        if lane.sku in left:
            continue
        cas = bool(lane.compare_and_swap)
        expected = believed_display(lane.acknowledged_units, lane.sold_since_ack) if cas else None
        free_units = free.get((lane.sku, allotment), 0)
        if lane.sku in covering:
            free_units = locks.free.get((lane.sku, allotment), 0)
            deltas = _cover_deltas(
                {source: locks.free.get((lane.sku, source), 0) for source in (region, ELASTIC)},
                channel,
                region,
                _shortfall(lane, free_units),
            )
            movements[lane.sku] = _allot_movements(channel, new_id("psh"), deltas)
            free_units += deltas.get(allotment, 0)
        value = largest_coverable_value(
            lane.published_units, expected, cas, free_units - lane.exposure_units
        )
        shown = believed_display(lane.acknowledged_units, lane.sold_since_ack)
        if shown < lane.published_units and value < shown:
            # A raise the pool cannot cover yet would go out as a lowering (a blind set
            # needs its whole value): wait for units instead of emptying a selling channel.
            waits.append({"lane_sku": lane.sku})
            continue
        extra = push_extra(value, expected, cas)
        claims.append(
            {
                "lane_sku": lane.sku,
                "lane_added": extra,
                "lane_version": lane.version,
                "lane_value": value,
                "lane_expected": expected,
                "lane_extra": extra,
                "lane_committed_at": lane.committed_at,
            }
        )
        tasks.append(
            PushTask(
                channel=channel,
                sku=lane.sku,
                sku_ref=str(lane.external_ref),
                value=value,
                expected=expected,
                version=lane.version,
                push_id=f"{channel}:{lane.sku}:{lane.version}:{lane.pushes_sent + 1}",
            )
        )
    _move_locked_units(connection, now, locks, movements)
    listing = channel_listings.c
    lane_of_channel = (listing.channel == channel, listing.sku == bindparam("lane_sku"))
    if claims:
        connection.execute(
            update(channel_listings)
            .where(*lane_of_channel)
            .values(
                exposure_units=listing.exposure_units + bindparam("lane_added", type_=Integer),
                inflight_version=bindparam("lane_version"),
                inflight_units=bindparam("lane_value"),
                inflight_expected=bindparam("lane_expected"),
                inflight_extra=bindparam("lane_extra"),
                inflight_committed_at=bindparam("lane_committed_at"),
                lease_until=lease,
                pushes_sent=listing.pushes_sent + 1,
            ),
            claims,
        )
    if waits:
        connection.execute(
            update(channel_listings)
            .where(*lane_of_channel)
            .values(next_attempt_at=now + timedelta(seconds=settings.worker_poll_seconds)),
            waits,
        )
    return tasks, left


def _shortfall(lane: _PushLane, free_units: int) -> int:
    """Units the listing's allotment lacks to cover its published value's extra exposure."""
    cas = bool(lane.compare_and_swap)
    expected = believed_display(lane.acknowledged_units, lane.sold_since_ack) if cas else None
    return lane.exposure_units + push_extra(lane.published_units, expected, cas) - free_units
