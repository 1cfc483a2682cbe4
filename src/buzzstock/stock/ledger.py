"""S-10: the hash-chained, append-only ledger of every stock movement, and its checks."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    String,
    bindparam,
    case,
    cast,
    func,
    insert,
    literal,
    select,
    update,
)

from buzzstock.core.db import reading
from buzzstock.core.errors import NotFound
from buzzstock.stock.model import Movement, chain_hash, ledger_line
from buzzstock.stock.rows import paused_refusal
from buzzstock.stock.store import quota_buckets, stock_ledger, stock_levels, stock_pools


@dataclass(frozen=True)
class PoolAfter:
    """The SKU pool's totals right after a movement was appended."""

    units_total: int
    units_used: int
    reference_units: int
    low_alert_active: bool
    buyer_limit: int | None

    @property
    def available(self) -> int:
        return self.units_total - self.units_used


MOVEMENTS_PER_STATEMENT = 20
"""Movements chained in one UPDATE: each nests the head expression one level deeper, and
SQLAlchemy's compiler recurses once per level (a batch of 50 channel orders overflowed it)."""


def _sha256_hex(connection: Connection, value: ColumnElement[str]) -> ColumnElement[str]:
    """SHA-256 as lowercase hex inside the database (SQLite gets it from core.db on connect)."""
    if connection.dialect.name == "postgresql":
        return func.encode(func.sha256(func.convert_to(value, "UTF8")), "hex")
    return func.buzz_sha256(value)


def append(
    connection: Connection,
    sku: str,
    at: datetime,
    movements: list[Movement],
    *,
    require_active: bool = False,
    low_alert_share: float | None = None,
) -> tuple[PoolAfter, bool]:
    """Append movements to the SKU's chain and apply their totals to its pool row.

    One UPDATE of the pool row advances the sequence, computes the new chain head in the
    database and hands back the old head, so the ledger rows' hashes are known without another
    round trip while the row is locked. Must run after the bucket and warehouse rows were
    changed in the same transaction (lock order: buckets, warehouses, capacity, then the pool).
    Returns the pool after the change and whether the low-stock alert (S-5) just switched on.
    """
    starts = range(0, max(1, len(movements)), MOVEMENTS_PER_STATEMENT)
    for start in starts:
        chunk = movements[start : start + MOVEMENTS_PER_STATEMENT]
        pool = _append_chunk(connection, sku, at, chunk, require_active=require_active)
    return update_low_alert(connection, sku, pool, low_alert_share)


def _append_chunk(
    connection: Connection,
    sku: str,
    at: datetime,
    movements: list[Movement],
    *,
    require_active: bool,
) -> PoolAfter:
    d_total = sum(m.d_limit for m in movements)
    d_used = sum(m.d_used for m in movements)
    conditions = [stock_pools.c.sku == sku]
    if require_active:
        conditions.append(stock_pools.c.paused.is_(False))
    head: ColumnElement[str] = stock_pools.c.ledger_head
    for offset, movement in enumerate(movements, start=1):
        prefix, suffix = ledger_line(sku, 0, at, movement).split("|0|", 1)
        line = (
            literal(prefix + "|")
            + cast(stock_pools.c.ledger_seq + offset, String)
            + literal("|" + suffix)
        )
        head = _sha256_hex(connection, head + literal("|") + line)
    new_total = stock_pools.c.units_total + d_total
    row = connection.execute(
        update(stock_pools)
        .where(*conditions)
        .values(
            ledger_seq=stock_pools.c.ledger_seq + len(movements),
            ledger_prev_head=stock_pools.c.ledger_head,
            ledger_head=head,
            units_total=new_total,
            units_used=stock_pools.c.units_used + d_used,
            reference_units=case(
                (new_total > stock_pools.c.reference_units, new_total),
                else_=stock_pools.c.reference_units,
            )
            if d_total > 0
            else stock_pools.c.reference_units,
        )
        .returning(
            stock_pools.c.ledger_seq,
            stock_pools.c.ledger_prev_head,
            stock_pools.c.ledger_head,
            stock_pools.c.units_total,
            stock_pools.c.units_used,
            stock_pools.c.reference_units,
            stock_pools.c.low_alert_active,
            stock_pools.c.buyer_limit,
        )
    ).first()
    if row is None:
        exists = connection.execute(select(stock_pools.c.paused).where(stock_pools.c.sku == sku))
        if exists.first() is None:
            raise NotFound(f"SKU {sku!r} has no stock pool yet: receive stock or load a catalogue")
        raise paused_refusal(connection, sku)
    first_seq = row.ledger_seq - len(movements) + 1
    chain = row.ledger_prev_head
    rows = []
    for offset, movement in enumerate(movements):
        seq = first_seq + offset
        new_head = chain_hash(chain, ledger_line(sku, seq, at, movement))
        rows.append(
            {
                "sku": sku,
                "seq": seq,
                "at": at,
                "kind": movement.kind,
                "ref": movement.ref,
                "warehouse": movement.warehouse,
                "bucket": movement.bucket,
                "d_on_hand": movement.d_on_hand,
                "d_reserved": movement.d_reserved,
                "d_in_transit": movement.d_in_transit,
                "d_limit": movement.d_limit,
                "d_used": movement.d_used,
                "prev_hash": chain,
                "hash": new_head,
            }
        )
        chain = new_head
    if chain != row.ledger_head:
        raise RuntimeError(f"ledger head of {sku!r} computed by the database differs from ours")
    connection.execute(insert(stock_ledger), rows)
    return PoolAfter(
        units_total=row.units_total,
        units_used=row.units_used,
        reference_units=row.reference_units,
        low_alert_active=row.low_alert_active,
        buyer_limit=row.buyer_limit,
    )


@dataclass(frozen=True)
class LockedPool:
    """A pool row this transaction locked (``lock_pools``): its chain head and totals."""

    seq: int
    head: str
    units_total: int
    units_used: int
    reference_units: int


def lock_pools(
    connection: Connection, skus: Iterable[str], *, skip_locked: bool = False
) -> dict[str, LockedPool]:
    """Lock the SKUs' pool rows, in SKU order, for ``append_locked``; with ``skip_locked`` the
    rows another transaction holds are left out instead of waited for (PostgreSQL; SQLite's
    single writer holds every row already). Pools take the last place in the lock order."""
    wanted = sorted(set(skus))
    if not wanted:
        return {}
    rows = connection.execute(
        select(
            stock_pools.c.sku,
            stock_pools.c.ledger_seq,
            stock_pools.c.ledger_head,
            stock_pools.c.units_total,
            stock_pools.c.units_used,
            stock_pools.c.reference_units,
        )
        .where(stock_pools.c.sku.in_(wanted))
        .order_by(stock_pools.c.sku)
        .with_for_update(skip_locked=skip_locked)
    )
    return {
        str(row.sku): LockedPool(
            int(row.ledger_seq),
            str(row.ledger_head),
            int(row.units_total),
            int(row.units_used),
            int(row.reference_units),
        )
        for row in rows
    }


def append_locked(
    connection: Connection,
    at: datetime,
    pools: Mapping[str, LockedPool],
    movements: Mapping[str, Sequence[Movement]],
) -> None:
    """``append`` for several SKUs whose pool rows this transaction locked (``lock_pools``):
    the chains are extended from the heads read under the lock, with one UPDATE of the pool
    rows and one INSERT of the ledger rows for all SKUs. Leaves the low-stock flag alone."""
    pool_rows: list[dict[str, Any]] = []
    ledger_rows: list[dict[str, Any]] = []
    for sku in sorted(sku for sku, moved in movements.items() if moved):
        pool = pools[sku]
        chain = pool.head
        for offset, movement in enumerate(movements[sku], start=1):
            seq = pool.seq + offset
            new_head = chain_hash(chain, ledger_line(sku, seq, at, movement))
            ledger_rows.append(
                {
                    "sku": sku,
                    "seq": seq,
                    "at": at,
                    "kind": movement.kind,
                    "ref": movement.ref,
                    "warehouse": movement.warehouse,
                    "bucket": movement.bucket,
                    "d_on_hand": movement.d_on_hand,
                    "d_reserved": movement.d_reserved,
                    "d_in_transit": movement.d_in_transit,
                    "d_limit": movement.d_limit,
                    "d_used": movement.d_used,
                    "prev_hash": chain,
                    "hash": new_head,
                }
            )
            chain = new_head
        total = pool.units_total + sum(m.d_limit for m in movements[sku])
        pool_rows.append(
            {
                "pool_sku": sku,
                "pool_seq": pool.seq,
                "pool_new_seq": pool.seq + len(movements[sku]),
                "pool_prev_head": pool.head,
                "pool_head": chain,
                "pool_total": total,
                "pool_used": pool.units_used + sum(m.d_used for m in movements[sku]),
                "pool_reference": max(pool.reference_units, total)
                if total > pool.units_total
                else pool.reference_units,
            }
        )
    if not pool_rows:
        return
    changed = connection.execute(
        update(stock_pools)
        .where(
            stock_pools.c.sku == bindparam("pool_sku"),
            stock_pools.c.ledger_seq == bindparam("pool_seq"),
        )
        .values(
            ledger_seq=bindparam("pool_new_seq"),
            ledger_prev_head=bindparam("pool_prev_head"),
            ledger_head=bindparam("pool_head"),
            units_total=bindparam("pool_total"),
            units_used=bindparam("pool_used"),
            reference_units=bindparam("pool_reference"),
        ),
        pool_rows,
    ).rowcount
    if changed != len(pool_rows):
        raise RuntimeError("a pool row locked for the ledger changed meanwhile")
    connection.execute(insert(stock_ledger), ledger_rows)


def update_low_alert(
    connection: Connection, sku: str, pool: PoolAfter, low_alert_share: float | None
) -> tuple[PoolAfter, bool]:
    """S-5: switch the SKU's low-stock flag when available stock crosses the alert share.

    Returns the pool with the flag as it is now, and whether it has just switched on (so the
    caller raises one replenishment alert per crossing).
    """
    if low_alert_share is None or pool.reference_units <= 0:
        return pool, False
    low_now = pool.available < low_alert_share * pool.reference_units
    if low_now == pool.low_alert_active:
        return pool, False
    connection.execute(
        update(stock_pools).where(stock_pools.c.sku == sku).values(low_alert_active=low_now)
    )
    return (
        PoolAfter(
            pool.units_total, pool.units_used, pool.reference_units, low_now, pool.buyer_limit
        ),
        low_now,
    )


@dataclass
class VerifyReport:
    rows: int = 0
    skus: int = 0
    broken: list[str] = field(default_factory=list)
    mismatched: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.broken and not self.mismatched


@dataclass
class Counters:
    levels: dict[tuple[str, str], tuple[int, int, int]]
    buckets: dict[tuple[str, str], tuple[int, int]]


def replay(rows: Iterable[dict[str, object]]) -> Counters:
    """Rebuild every counter from ledger rows alone (S-10)."""
    levels: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    buckets: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        sku = str(row["sku"])
        if row["warehouse"] is not None:
            level = levels[(sku, str(row["warehouse"]))]
            level[0] += int(str(row["d_on_hand"]))
            level[1] += int(str(row["d_reserved"]))
            level[2] += int(str(row["d_in_transit"]))
        if row["bucket"] is not None:
            bucket = buckets[(sku, str(row["bucket"]))]
            bucket[0] += int(str(row["d_limit"]))
            bucket[1] += int(str(row["d_used"]))
    return Counters(
        levels={key: (v[0], v[1], v[2]) for key, v in levels.items()},
        buckets={key: (v[0], v[1]) for key, v in buckets.items()},
    )


def verify(engine: Engine, sku: str | None = None) -> VerifyReport:
    """Check every SKU's hash chain and that replaying the ledger gives the stored counters."""
    report = VerifyReport()
    with reading(engine) as connection:
        pools_query = select(stock_pools.c.sku, stock_pools.c.ledger_seq, stock_pools.c.ledger_head)
        ledger_query = select(stock_ledger).order_by(stock_ledger.c.sku, stock_ledger.c.seq)
        levels_query = select(stock_levels)
        buckets_query = select(quota_buckets)
        if sku is not None:
            pools_query = pools_query.where(stock_pools.c.sku == sku)
            ledger_query = ledger_query.where(stock_ledger.c.sku == sku)
            levels_query = levels_query.where(stock_levels.c.sku == sku)
            buckets_query = buckets_query.where(quota_buckets.c.sku == sku)
        pools = {row.sku: row for row in connection.execute(pools_query)}
        ledger_rows = [dict(row._mapping) for row in connection.execute(ledger_query)]
        levels = list(connection.execute(levels_query))
        buckets = list(connection.execute(buckets_query))
    if sku is not None and not pools:
        raise NotFound(f"SKU {sku!r} has no stock pool")
    report.skus = len(pools)
    report.rows = len(ledger_rows)
    report.broken = _broken_chains(pools, ledger_rows)
    counters = replay(ledger_rows)
    for level in levels:
        expected = counters.levels.get((level.sku, level.warehouse), (0, 0, 0))
        actual = (level.on_hand, level.reserved, level.in_transit)
        if expected != actual:
            report.mismatched.append(
                f"{level.sku}@{level.warehouse}: counters (on hand, reserved, in transit) = "
                f"{actual}, ledger replay gives {expected}"
            )
    for bucket in buckets:
        expected_bucket = counters.buckets.get((bucket.sku, bucket.bucket), (0, 0))
        actual_bucket = (bucket.limit_units, bucket.used_units)
        if expected_bucket != actual_bucket:
            report.mismatched.append(
                f"{bucket.sku} quota {bucket.bucket}: counters (limit, used) = {actual_bucket}, "
                f"ledger replay gives {expected_bucket}"
            )
    return report


def _broken_chains(pools: dict[str, Any], ledger_rows: list[dict[str, object]]) -> list[str]:
    broken: list[str] = []
    by_sku: dict[str, list[dict[str, object]]] = defaultdict(list)
    for row in ledger_rows:
        by_sku[str(row["sku"])].append(row)
    for sku, pool in pools.items():
        head = "0" * 64
        expected_seq = 1
        for row in by_sku.get(sku, []):
            movement = Movement(
                kind=str(row["kind"]),
                ref=str(row["ref"]),
                warehouse=None if row["warehouse"] is None else str(row["warehouse"]),
                bucket=None if row["bucket"] is None else str(row["bucket"]),
                d_on_hand=int(str(row["d_on_hand"])),
                d_reserved=int(str(row["d_reserved"])),
                d_in_transit=int(str(row["d_in_transit"])),
                d_limit=int(str(row["d_limit"])),
                d_used=int(str(row["d_used"])),
            )
            seq = int(str(row["seq"]))
            at = row["at"]
            assert isinstance(at, datetime)
            recomputed = chain_hash(head, ledger_line(sku, seq, at, movement))
            if seq != expected_seq or row["prev_hash"] != head or row["hash"] != recomputed:
                broken.append(
                    f"{sku}: ledger row {seq} does not match the chain (edited or missing)"
                )
                break
            head = recomputed
            expected_seq += 1
        else:
            if pool.ledger_head != head:
                broken.append(f"{sku}: the pool's ledger head does not match its last row")
    return broken


def has_movement(connection: Connection, sku: str, kind: str, ref: str) -> bool:
    """Whether the SKU's ledger already holds a movement of ``kind`` with reference ``ref``."""
    found = connection.execute(
        select(stock_ledger.c.seq)
        .where(stock_ledger.c.sku == sku, stock_ledger.c.kind == kind, stock_ledger.c.ref == ref)
        .limit(1)
    ).first()
    return found is not None
