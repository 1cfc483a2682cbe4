"""Channel listings, publication into the push lane and reconciliation (S-1, S-3, S-6).

Every use case is one transaction taking rows in one order: the channel order line, the
channel listing, the quota buckets (``model.bucket_lock_order``), warehouse levels, capacity,
then the SKU pool through ``ledger.append``; every bucket change appends its ledger rows. A
transaction over several SKUs (a batch publication, a booking batch) takes them SKU by SKU in
name order, each SKU's listings by channel, so two of them never wait on each other in a
cycle. The push path (a channel's claims and answers: ``push_claims``, ``push_answers``)
locks all its listings first, in that order, with one statement, then takes the quota rows it
needs without waiting for them (SKIP LOCKED on PostgreSQL): it never waits for a SKU's rows
while holding a later SKU's listing. A SKU whose rows were held is finished by a later
transaction that waits only in the hub's order (a claim's cover right away, a release in
``settle_listings``).

Exposure arithmetic is in ``publication`` (pure); moving allotments between channels, regions
and pools (opening a sale, velocity top-ups, sub-pools, time-zone moves) is in
``rebalancing``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, tuple_, update

from buzzstock.core.context import Context
from buzzstock.core.errors import InsufficientStock, InvalidInput, NotFound
from buzzstock.core.events import record, record_all
from buzzstock.core.ids import new_id
from buzzstock.stock import ledger
from buzzstock.stock.events import (
    ChannelDriftRepaired,
    ChannelOversellExposure,
    ChannelQuantityChanged,
)
from buzzstock.stock.model import Movement, bucket_lock_order
from buzzstock.stock.pool import EMERGENCY_STOP
from buzzstock.stock.reservations import channel_region
from buzzstock.stock.rows import change_bucket_limits, ensure_bucket, ensure_pool
from buzzstock.stock.store import ELASTIC, quota_buckets, stock_pools
from buzzstock.stock.sync.publication import (
    believed_display,
    channel_bucket,
    push_extra,
    reconciled_exposure,
    surplus_units,
)
from buzzstock.stock.sync.store import channel_listings


def connect_listing(
    ctx: Context, channel: str, sku: str, sku_ref: str, *, compare_and_swap: bool
) -> None:
    """S-1: list a SKU on a channel under the platform's own id (``sku_ref``)."""
    now = ctx.clock.now()
    with ctx.engine.begin() as connection:
        channel_region(ctx, connection, channel)
        ensure_pool(connection, sku)
        ensure_bucket(connection, sku, channel_bucket(channel))
        exists = connection.execute(
            select(channel_listings.c.sku).where(
                channel_listings.c.channel == channel, channel_listings.c.sku == sku
            )
        ).first()
        values: dict[str, Any] = {"external_ref": sku_ref, "compare_and_swap": compare_and_swap}
        if exists:
            connection.execute(
                update(channel_listings)
                .where(channel_listings.c.channel == channel, channel_listings.c.sku == sku)
                .values(**values)
            )
            return
        connection.execute(
            insert(channel_listings).values(
                channel=channel,
                sku=sku,
                published_units=0,
                acknowledged_units=0,
                version=0,
                acknowledged_version=0,
                updated_at=now,
                **values,
            )
        )


def _locked_listing(connection: Connection, channel: str, sku: str) -> Any:
    row = connection.execute(
        select(channel_listings)
        .where(channel_listings.c.channel == channel, channel_listings.c.sku == sku)
        .with_for_update()
    ).first()
    if row is None:
        raise _not_listed(channel, sku)
    return row


def _not_listed(channel: str, sku: str) -> NotFound:
    return NotFound(f"SKU {sku!r} is not listed on channel {channel!r}: connect it first")


def _free_of(connection: Connection, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """Free units of the quota buckets ``(sku, bucket)`` that exist (one read, no lock)."""
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    rows = connection.execute(
        select(
            quota_buckets.c.sku,
            quota_buckets.c.bucket,
            (quota_buckets.c.limit_units - quota_buckets.c.used_units).label("free"),
        ).where(tuple_(quota_buckets.c.sku, quota_buckets.c.bucket).in_(wanted))
    )
    return {(str(row.sku), str(row.bucket)): int(row.free) for row in rows}


def _free(connection: Connection, sku: str, bucket: str) -> int:
    return _free_of(connection, [(sku, bucket)]).get((sku, bucket), 0)


def _cover_deltas(
    free: Mapping[str, int], channel: str, region: str, needed: int
) -> dict[str, int]:
    """S-3: the bucket changes moving up to ``needed`` of the ``free`` units into the channel's
    allotment, region quota first, then the elastic pool (empty when nothing moves)."""
    deltas: dict[str, int] = {}
    left = max(0, needed)
    for source in (region, ELASTIC):
        take = min(left, free.get(source, 0))
        if take > 0:
            deltas[source] = -take
            left -= take
    if deltas:
        deltas[channel_bucket(channel)] = needed - left
    return deltas


def _allot_movements(channel: str, ref: str, deltas: Mapping[str, int]) -> list[Movement]:
    return [
        Movement(f"allot:{channel}", ref, bucket=bucket, d_limit=deltas[bucket])
        for bucket in sorted(deltas, key=bucket_lock_order)
    ]


def _change_buckets(connection: Connection, movements: Mapping[str, Sequence[Movement]]) -> None:
    """Apply the limit changes of the movements of each SKU, one conditional write per bucket
    in lock order, all with one statement."""
    totals: dict[tuple[str, str], int] = defaultdict(int)
    for sku, moved in movements.items():
        for movement in moved:
            totals[(sku, str(movement.bucket))] += movement.d_limit
    if not change_bucket_limits(connection, totals):
        raise InsufficientStock(
            f"a quota of {', '.join(sorted(movements))} changed meanwhile", rule="S-3"
        )


def _cover(
    connection: Connection, sku: str, channel: str, region: str, needed: int, ref: str
) -> tuple[int, list[Movement]]:
    """S-3: move up to ``needed`` free units into the channel's allotment, region quota first,
    then the elastic pool. Returns the units moved and their ledger movements."""
    if needed <= 0:
        return 0, []
    free = {source: _free(connection, sku, source) for source in (region, ELASTIC)}
    deltas = _cover_deltas(free, channel, region, needed)
    movements = _allot_movements(channel, ref, deltas)
    _change_buckets(connection, {sku: movements})
    return deltas.get(channel_bucket(channel), 0), movements


def _release_movements(channel: str, region: str, units: int, ref: str) -> list[Movement]:
    """The movements giving ``units`` of the channel's allotment back to its region quota."""
    if units <= 0:
        return []
    source = channel_bucket(channel)
    return [
        Movement(
            f"release:{channel}", ref, bucket=bucket, d_limit=-units if bucket == source else units
        )
        for bucket in sorted((source, region), key=bucket_lock_order)
    ]


def _release(
    connection: Connection, sku: str, channel: str, region: str, units: int, ref: str
) -> list[Movement]:
    """Give allotment units nobody needs back to the channel's region quota."""
    movements = _release_movements(channel, region, units, ref)
    _change_buckets(connection, {sku: movements})
    return movements


def _pending_reserve(listing: Any) -> int:
    """Units a waiting (not yet claimed) push will need, kept out of surplus releases."""
    if listing.version <= max(listing.acknowledged_version, listing.failed_version):
        return 0
    if listing.inflight_version == listing.version:
        return 0
    expected = believed_display(listing.acknowledged_units, listing.sold_since_ack)
    return push_extra(listing.published_units, expected, listing.compare_and_swap)


def _settle(
    connection: Connection,
    ctx: Context,
    channel: str,
    sku: str,
    region: str,
    exposure: int,
    pending_reserve: int,
    ref: str,
) -> list[Movement]:
    free = _free(connection, sku, channel_bucket(channel))
    return _release(
        connection, sku, channel, region, surplus_units(free, exposure, pending_reserve), ref
    )


def publish(ctx: Context, channel: str, sku: str, units: int) -> int:
    """S-6: ask the channel to show ``units``; returns the new version (coalesced per SKU).

    Raising takes units from the region quota then the elastic pool at once; lowering frees
    units only once the channel acknowledged (see ``publication``). The push itself goes
    through the channel's push lane, written in this transaction.
    """
    (version,) = publish_many(ctx, [(channel, sku, units)])
    return version


def publish_many(ctx: Context, changes: Sequence[tuple[str, str, int]]) -> list[int]:
    """S-6: ``publish`` many ``(channel, sku, units)`` changes in one transaction; returns the
    version of each change, in the order given.

    The listings, quotas and events end as if ``publish`` had been called for each change in
    the given order (a later change to the same listing sees the earlier one, gets the next
    version and its own ``ChannelQuantityChanged`` event), except that all take one timestamp
    and a bad change (a negative quantity, an unknown channel, a SKU not listed on the channel)
    raises before anything is kept. Rows are taken SKU by SKU (see the module docstring): each
    SKU's listings, one conditional write of its buckets (one movement per bucket and channel
    for the whole batch), then its pool row; the pool rows, ledger rows, listings and events of
    all SKUs are then written with one statement each.
    """
    for channel, sku, units in changes:
        if units < 0:
            raise InvalidInput(
                f"a published quantity cannot be negative ({units} for {sku!r} on {channel!r})"
            )
    if not changes:
        return []
    with ctx.engine.begin() as connection:
        return publish_many_in(connection, ctx, changes)


def publish_many_in(
    connection: Connection, ctx: Context, changes: Sequence[tuple[str, str, int]]
) -> list[int]:
    """``publish_many`` inside the caller's transaction.

    A SKU held by the emergency stop (D-6) shows 0 everywhere: what is asked for it is kept as
    the listing's ``held_units`` and published when the stop is lifted.
    """
    now = ctx.clock.now()
    ref = new_id("pub")
    by_sku: dict[str, list[int]] = defaultdict(list)
    for index, (_, sku, _) in enumerate(changes):
        by_sku[sku].append(index)
    versions = [0] * len(changes)
    published: list[int] = []
    stopped = _stopped_skus(connection, by_sku)
    regions = {
        channel: channel_region(ctx, connection, channel)
        for channel in sorted({channel for channel, _, _ in changes})
    }
    lanes: list[_Lane] = []
    movements: dict[str, list[Movement]] = {}
    pools: dict[str, ledger.LockedPool] = {}
    for sku in sorted(by_sku):
        sku_lanes = _locked_lanes(connection, sku, {changes[i][0] for i in by_sku[sku]})
        buckets = (
            {ELASTIC}
            | {regions[channel] for channel in sku_lanes}
            | {channel_bucket(channel) for channel in sku_lanes}
        )
        free = {
            bucket: units
            for (_, bucket), units in _free_of(
                connection, [(sku, bucket) for bucket in buckets]
            ).items()
        }
        if sku in stopped:
            _hold(connection, [changes[index] for index in by_sku[sku]])
        for index in by_sku[sku]:
            channel, _, units = changes[index]
            units = 0 if sku in stopped else units
            lane = sku_lanes[channel]
            if _publish_step(lane, units, regions[channel], free):
                published.append(index)
            versions[index] = lane.version
        movements[sku] = [
            movement
            for channel in sorted(sku_lanes)
            for movement in _allot_movements(channel, ref, sku_lanes[channel].allotted)
        ]
        if movements[sku]:
            _change_buckets(connection, {sku: movements[sku]})
            pools.update(ledger.lock_pools(connection, [sku]))
        lanes += sku_lanes.values()
    ledger.append_locked(connection, now, pools, movements)
    _write_lanes(connection, [lane for lane in lanes if lane.changes], now)
    record_all(
        connection,
        [
            ChannelQuantityChanged(
                channel=changes[index][0],
                sku=changes[index][1],
                units=0 if changes[index][1] in stopped else changes[index][2],
                version=versions[index],
                rule="S-6",
            )
            for index in sorted(published)
        ],
        now,
    )
    return versions


@dataclass
class _Lane:
    """A locked listing, the publication changes applied to it so far and the units they
    moved between buckets to cover them."""

    row: Any
    published_units: int
    version: int
    changes: int = 0
    allotted: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def _publish_step(lane: _Lane, units: int, region: str, free: dict[str, int]) -> bool:
    """S-6: one change of ``publish`` on a locked listing; False if it changes nothing.

    ``free`` holds the free units of the SKU's buckets and follows the units moved."""
    row = lane.row
    if units == lane.published_units and lane.version > row.failed_version:
        return False
    expected = believed_display(row.acknowledged_units, row.sold_since_ack)
    extra = push_extra(units, expected, row.compare_and_swap)
    allotment = channel_bucket(row.channel)
    needed = row.exposure_units + extra - free.get(allotment, 0)
    for bucket, delta in _cover_deltas(free, row.channel, region, needed).items():
        free[bucket] = free.get(bucket, 0) + delta
        lane.allotted[bucket] += delta
    lane.published_units = units
    lane.version += 1
    lane.changes += 1
    return True


# Only what a publication reads: whole rows make each lock a third slower on PostgreSQL.
_LANE_COLUMNS = [
    channel_listings.c[name]
    for name in (
        "channel",
        "sku",
        "published_units",
        "version",
        "failed_version",
        "acknowledged_units",
        "sold_since_ack",
        "compare_and_swap",
        "exposure_units",
    )
]


def _locked_lanes(connection: Connection, sku: str, channels: set[str]) -> dict[str, _Lane]:
    """Lock the SKU's listings on ``channels``, in channel order."""
    rows = connection.execute(
        select(*_LANE_COLUMNS)
        .where(channel_listings.c.sku == sku, channel_listings.c.channel.in_(sorted(channels)))
        .order_by(channel_listings.c.channel)
        .with_for_update()
    )
    lanes = {row.channel: _Lane(row, int(row.published_units), int(row.version)) for row in rows}
    missing = sorted(channels - lanes.keys())
    if missing:
        raise _not_listed(missing[0], sku)
    return lanes


def _write_lanes(connection: Connection, lanes: list[_Lane], now: datetime) -> None:
    """Write the published values to the push lanes (one statement for all listings)."""
    if not lanes:
        return
    connection.execute(
        update(channel_listings)
        .where(
            channel_listings.c.channel == bindparam("lane_channel"),
            channel_listings.c.sku == bindparam("lane_sku"),
        )
        .values(
            published_units=bindparam("lane_units"),
            version=bindparam("lane_version"),
            committed_at=now,
            next_attempt_at=None,
            changes=channel_listings.c.changes + bindparam("lane_changes"),
            updated_at=now,
        ),
        [
            {
                "lane_channel": lane.row.channel,
                "lane_sku": lane.row.sku,
                "lane_units": lane.published_units,
                "lane_version": lane.version,
                "lane_changes": lane.changes,
            }
            for lane in lanes
        ],
    )


def apply_reconciliation(
    ctx: Context,
    channel: str,
    sku: str,
    read_units: int,
    sold_after_read: int,
    pushes_sent_before_read: int,
) -> int | None:
    """S-6: the channel was read back and every order booked: set the exact exposure.

    Returns the drift (exposure counted minus exposure found; positive means units the hub
    held for a display the channel no longer had, now released), or None when a push was in
    flight or left after ``pushes_sent_before_read`` was taken (the read may or may not show
    it; the next pass reconciles). A push still waiting to leave does not matter: the read
    shows what the channel had, and the units the waiting push needs stay reserved.
    """
    now = ctx.clock.now()
    ref = new_id("rec")
    with ctx.engine.begin() as connection:
        region = channel_region(ctx, connection, channel)
        listing = _locked_listing(connection, channel, sku)
        if listing.inflight_version != 0 or listing.pushes_sent != pushes_sent_before_read:
            return None
        exact = reconciled_exposure(read_units, sold_after_read)
        drift = int(listing.exposure_units) - exact
        movements: list[Movement] = []
        if exact > listing.exposure_units:
            free = _free(connection, sku, channel_bucket(channel))
            moved, movements = _cover(connection, sku, channel, region, exact - free, ref)
            shortfall = max(0, exact - free - moved)
            if shortfall:
                record(
                    connection,
                    ChannelOversellExposure(
                        channel=channel,
                        sku=sku,
                        units=shortfall,
                        action="lower_display",
                        rule="S-1",
                    ),
                    now,
                )
        connection.execute(
            update(channel_listings)
            .where(channel_listings.c.channel == channel, channel_listings.c.sku == sku)
            .values(
                exposure_units=exact,
                acknowledged_units=read_units,
                sold_since_ack=sold_after_read,
                reconciled_at=now,
                drift_units=drift,
            )
        )
        after = _locked_listing(connection, channel, sku)
        movements += _settle(
            connection, ctx, channel, sku, region, exact, _pending_reserve(after), ref
        )
        if movements:
            ledger.append(connection, sku, now, movements)
        if drift:
            record(
                connection,
                ChannelDriftRepaired(channel=channel, sku=sku, drift_units=drift, rule="S-6"),
                now,
            )
    return drift


def _stopped_skus(connection: Connection, skus: Iterable[str]) -> set[str]:
    """The SKUs held by the emergency stop (D-6)."""
    return {
        row.sku
        for row in connection.execute(
            select(stock_pools.c.sku).where(
                stock_pools.c.sku.in_(sorted(skus)),
                stock_pools.c.paused.is_(True),
                stock_pools.c.pause_rule == EMERGENCY_STOP,
            )
        )
    }


def _hold(connection: Connection, changes: Sequence[tuple[str, str, int]]) -> None:
    """Remember what was asked for a stopped SKU's listings (already locked by the caller),
    to publish it when the stop is lifted."""
    for channel, sku, units in changes:
        connection.execute(
            update(channel_listings)
            .where(channel_listings.c.channel == channel, channel_listings.c.sku == sku)
            .values(held_units=units)
        )
