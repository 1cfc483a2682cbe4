"""The write steps of a reservation (S-3/S-4/S-5): take units from the region quota then the
elastic pool, refill a selling-out region from the elastic pool, count the buyer's units.

Each step is a conditional write inside the caller's transaction, in the global lock order
(quota buckets, then the SKU pool, then the buyer's row).
"""

from __future__ import annotations

from sqlalchemy import Connection, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from buzzstock.core.context import Context
from buzzstock.core.errors import BuyerLimitReached, InsufficientStock
from buzzstock.core.events import record
from buzzstock.stock import ledger
from buzzstock.stock.events import QuotaRefilled
from buzzstock.stock.model import (
    Movement,
)
from buzzstock.stock.rows import change_bucket, take_from_bucket
from buzzstock.stock.settings import StockSettings
from buzzstock.stock.store import (
    ELASTIC,
    buyer_purchases,
    quota_buckets,
)


def refill_due(ctx: Context, region: str, region_after: tuple[int, int]) -> bool:
    settings = ctx.section(StockSettings, market=region)
    limit_units, used_units = region_after
    return (
        limit_units > 0
        and settings.refill_units > 0
        and used_units >= settings.refill_trigger_share * limit_units
    )


def refill_separately(ctx: Context, sku: str, region: str, ref: str) -> None:
    """S-5 refill in its own transaction (lock order: region bucket, elastic bucket, pool)."""
    now = ctx.clock.now()
    with ctx.engine.begin() as connection:
        state = connection.execute(
            select(quota_buckets.c.limit_units, quota_buckets.c.used_units).where(
                quota_buckets.c.sku == sku, quota_buckets.c.bucket == region
            )
        ).one()
        refill = refill_if_selling_out(
            ctx, connection, sku, region, (state.limit_units, state.used_units)
        )
        if not refill:
            return
        ledger.append(
            connection,
            sku,
            now,
            [
                Movement("refill:S-5", ref, bucket=region, d_limit=refill),
                Movement("refill:S-5", ref, bucket=ELASTIC, d_limit=-refill),
            ],
        )
        record(connection, QuotaRefilled(sku=sku, region=region, units=refill, rule="S-5"), now)


def take_units(
    connection: Connection, sku: str, region: str, quantity: int
) -> tuple[int, int, tuple[int, int] | None]:
    """S-3: region quota first, then the elastic pool, splitting only when neither suffices.

    Returns units from the region, units from the elastic pool, and the region bucket's
    (limit, used) afterwards when the region gave units.
    """
    region_after = take_from_bucket(connection, sku, region, quantity)
    if region_after is not None:
        return quantity, 0, region_after
    if take_from_bucket(connection, sku, ELASTIC, quantity) is not None:
        return 0, quantity, None
    free_in_region = connection.execute(
        select(quota_buckets.c.limit_units - quota_buckets.c.used_units).where(
            quota_buckets.c.sku == sku, quota_buckets.c.bucket == region
        )
    ).scalar()
    part = int(free_in_region or 0)
    if 0 < part < quantity:
        region_after = take_from_bucket(connection, sku, region, part)
        if region_after is not None:
            if take_from_bucket(connection, sku, ELASTIC, quantity - part) is not None:
                return part, quantity - part, region_after
            raise refusal(sku, quantity, region)
    return 0, 0, None


def refill_if_selling_out(
    ctx: Context, connection: Connection, sku: str, region: str, region_after: tuple[int, int]
) -> int:
    """S-5: once a region has sold its trigger share of its quota, move elastic units to it.

    The trigger share and the units moved can differ per region (``[markets.<region>.stock]``).
    The region bucket is changed before the elastic one, in the global lock order.
    """
    if not refill_due(ctx, region, region_after):
        return 0
    elastic_free = connection.execute(
        select(quota_buckets.c.limit_units - quota_buckets.c.used_units).where(
            quota_buckets.c.sku == sku, quota_buckets.c.bucket == ELASTIC
        )
    ).scalar()
    units = min(ctx.section(StockSettings, market=region).refill_units, int(elastic_free or 0))
    if units <= 0:
        return 0
    change_bucket(connection, sku, region, d_limit=units)
    if not change_bucket(connection, sku, ELASTIC, d_limit=-units):
        change_bucket(connection, sku, region, d_limit=-units)
        return 0
    return units


def check_buyer_limit(sku: str, buyer: str, units_now: int, limit: int | None) -> None:
    """S-5: the buyer's tally including this reservation must stay within the limit."""
    if limit is not None and units_now > limit:
        raise BuyerLimitReached(
            f"buyer {buyer!r} may buy at most {limit} unit(s) of {sku!r} across orders",
            rule="S-5",
            limit=limit,
        )


def count_buyer_units(
    connection: Connection, sku: str, buyer: str, quantity: int, limit: int | None
) -> None:
    """S-5: add units to the buyer's tally; refuse if a buyer limit is on and would be passed."""
    cap = limit if limit is not None else 2**31 - 1
    if quantity > cap:
        raise BuyerLimitReached(
            f"buyer {buyer!r} may buy at most {cap} unit(s) of {sku!r}", rule="S-5", limit=cap
        )
    upsert = (
        postgresql_insert(buyer_purchases)
        if connection.dialect.name == "postgresql"
        else sqlite_insert(buyer_purchases)
    )
    statement = upsert.values(sku=sku, buyer=buyer, units=quantity)
    tallied = connection.execute(
        statement.on_conflict_do_update(
            index_elements=[buyer_purchases.c.sku, buyer_purchases.c.buyer],
            set_={"units": buyer_purchases.c.units + statement.excluded.units},
            where=buyer_purchases.c.units + statement.excluded.units <= cap,
        ).returning(buyer_purchases.c.units)
    ).first()
    if tallied is None:
        raise BuyerLimitReached(
            f"buyer {buyer!r} may buy at most {cap} unit(s) of {sku!r} across orders",
            rule="S-5",
            limit=cap,
        )


def refusal(sku: str, quantity: int, region: str) -> InsufficientStock:
    return InsufficientStock(
        f"not enough stock of {sku!r} for {quantity} unit(s) in region {region!r} "
        "or the elastic pool",
        rule="S-4",
        sku=sku,
        region=region,
    )
