"""The reservation as one statement on PostgreSQL: the common case in a single round trip.

A reservation that its region quota can cover is, on PostgreSQL, one statement of chained
data-modifying CTEs: the conditional write on the quota bucket, the pool row's ledger sequence
and hash-chain head (computed by the database), the ledger row, the buyer's tally and the
reservation row. The hot bucket row is then locked for one round trip instead of five, which is
what lets many checkouts share one hot SKU. Every other case (elastic pool, split, SQLite) takes
the general path in ``reservations``; both write exactly the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, text

from buzzstock.stock.ledger import PoolAfter
from buzzstock.stock.model import Movement, chain_hash, ledger_line

_RESERVE = text(
    """
WITH taken AS (
    UPDATE quota_buckets SET used_units = used_units + :quantity
    WHERE sku = :sku AND bucket = :bucket AND limit_units - used_units >= :quantity
    RETURNING limit_units, used_units
), pool AS (
    UPDATE stock_pools SET
        ledger_seq = ledger_seq + 1,
        ledger_prev_head = ledger_head,
        ledger_head = encode(sha256(convert_to(
            ledger_head || '|' || :line_head || (ledger_seq + 1)::text || :line_tail, 'UTF8'
        )), 'hex'),
        units_used = units_used + :quantity
    WHERE sku = :sku AND NOT paused AND EXISTS (SELECT 1 FROM taken)
    RETURNING ledger_seq, ledger_prev_head, ledger_head, units_total, units_used,
              reference_units, low_alert_active, buyer_limit
), entry AS (
    INSERT INTO stock_ledger (sku, seq, at, kind, ref, warehouse, bucket, d_on_hand,
                              d_reserved, d_in_transit, d_limit, d_used, prev_hash, hash)
    SELECT :sku, ledger_seq, :at, 'reserve', :reservation_id, NULL, :bucket, 0, 0, 0, 0,
           :quantity, ledger_prev_head, ledger_head
    FROM pool
), tally AS (
    INSERT INTO buyer_purchases (sku, buyer, units)
    SELECT :sku, :buyer, :quantity FROM pool
    ON CONFLICT (sku, buyer) DO UPDATE SET units = buyer_purchases.units + EXCLUDED.units
    RETURNING units
), held AS (
    INSERT INTO reservations (id, request_key, request_fingerprint, sku, channel, buyer,
                              quantity, primary_bucket, primary_units, elastic_units, state,
                              created_at, expires_at)
    SELECT :reservation_id, :request_key, :fingerprint, :sku, :channel, :buyer, :quantity,
           :bucket, :quantity, 0, 'held', :at, :expires_at
    FROM pool
)
SELECT taken.limit_units AS bucket_limit, taken.used_units AS bucket_used, pool.*,
       (SELECT units FROM tally) AS buyer_units
FROM taken LEFT JOIN pool ON true
"""
)


@dataclass(frozen=True)
class FastReservation:
    bucket_after: tuple[int, int]
    pool: PoolAfter | None
    buyer_units: int


def reserve_in_one_statement(
    connection: Connection,
    *,
    reservation_id: str,
    sku: str,
    bucket: str,
    quantity: int,
    channel: str,
    buyer: str,
    at: datetime,
    expires_at: datetime,
    request_key: str | None,
    fingerprint: str,
) -> FastReservation | None:
    """S-4 on PostgreSQL: take ``quantity`` from one quota bucket and record everything.

    Returns None, having changed nothing, when the bucket has too few free units. When the
    units were taken but the SKU is paused (``pool`` is None) the caller must roll back.
    """
    movement = Movement("reserve", reservation_id, bucket=bucket, d_used=quantity)
    head, tail = ledger_line(sku, 0, at, movement).split("|0|", 1)
    row = connection.execute(
        _RESERVE,
        {
            "reservation_id": reservation_id,
            "sku": sku,
            "bucket": bucket,
            "quantity": quantity,
            "channel": channel,
            "buyer": buyer,
            "at": at,
            "expires_at": expires_at,
            "request_key": request_key,
            "fingerprint": fingerprint,
            "line_head": head + "|",
            "line_tail": "|" + tail,
        },
    ).first()
    if row is None:
        return None
    if row.ledger_seq is None:
        return FastReservation((row.bucket_limit, row.bucket_used), None, 0)
    expected = chain_hash(row.ledger_prev_head, ledger_line(sku, row.ledger_seq, at, movement))
    if expected != row.ledger_head:
        raise RuntimeError(f"ledger head of {sku!r} computed by the database differs from ours")
    return FastReservation(
        bucket_after=(row.bucket_limit, row.bucket_used),
        pool=PoolAfter(
            units_total=row.units_total,
            units_used=row.units_used,
            reference_units=row.reference_units,
            low_alert_active=row.low_alert_active,
            buyer_limit=row.buyer_limit,
        ),
        buyer_units=int(row.buyer_units),
    )
