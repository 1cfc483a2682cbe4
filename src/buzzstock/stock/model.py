"""Pure stock rules: quota split, ledger hashing, distances, sell-out ETA. No I/O, no clock."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime

from buzzstock.core.clock import as_utc

GENESIS_HASH = "0" * 64
MAX_UNITS_PER_SKU = 1_000_000_000
"""The most units a count may give a warehouse, and a SKU may hold over all its warehouses: each
quota bucket may come to hold all of a SKU's units and its counters are 32-bit columns."""


@dataclass(frozen=True)
class Movement:
    """One counter change of one row, as written to the ledger (S-10)."""

    kind: str
    ref: str
    warehouse: str | None = None
    bucket: str | None = None
    d_on_hand: int = 0
    d_reserved: int = 0
    d_in_transit: int = 0
    d_limit: int = 0
    d_used: int = 0


def ledger_line(sku: str, seq: int, at: datetime, movement: Movement) -> str:
    """The canonical text of a ledger row that its hash covers."""
    return "|".join(
        (
            sku,
            str(seq),
            as_utc(at).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            movement.kind,
            movement.ref,
            movement.warehouse or "",
            movement.bucket or "",
            str(movement.d_on_hand),
            str(movement.d_reserved),
            str(movement.d_in_transit),
            str(movement.d_limit),
            str(movement.d_used),
        )
    )


def chain_hash(prev_hash: str, line: str) -> str:
    """S-10: each ledger row's hash covers the previous row's hash, so edits break the chain."""
    return hashlib.sha256(f"{prev_hash}|{line}".encode()).hexdigest()


def split_quotas(total: int, weights: dict[str, float], elastic_share: float) -> dict[str, int]:
    """S-3: units per region bucket after setting aside the elastic share, largest remainder.

    Returns region -> units; the elastic pool gets ``total - sum(result)``.
    """
    if not weights or sum(weights.values()) <= 0:
        return {}
    regional = total - round(total * elastic_share)
    weight_sum = sum(weights.values())
    exact = {region: regional * weight / weight_sum for region, weight in weights.items()}
    shares = {region: math.floor(value) for region, value in exact.items()}
    leftover = regional - sum(shares.values())
    for region in sorted(exact, key=lambda r: (shares[r] - exact[r], r))[:leftover]:
        shares[region] += 1
    return shares


def bucket_lock_order(bucket: str) -> tuple[bool, str]:
    """Buckets are always locked in this order (regions and sub-pools by name, elastic last)."""
    return (bucket == "elastic", bucket)


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine), for S-7's nearest warehouse."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(min(1.0, a)))


@dataclass(frozen=True)
class WarehouseOption:
    warehouse: str
    free_units: int
    distance_km: float


@dataclass(frozen=True)
class AllocationLine:
    warehouse: str
    quantity: int
    day_offset: int
    distance_km: float


def plan_fulfilment(
    quantity: int,
    options: list[WarehouseOption],
    free_capacity: dict[tuple[str, int], int],
    horizon_days: int,
) -> list[AllocationLine] | None:
    """S-7: ship from the nearest warehouse that has both stock and shipping capacity.

    Goes day by day (today first) and, within a day, nearest warehouse first, taking what stock
    and that day's remaining capacity allow, so an order splits across warehouses (and days) only
    when it must. ``free_capacity[(warehouse, day_offset)]`` is the capacity left. Returns None if
    the horizon cannot cover the order.
    """
    need = quantity
    stock_left = {option.warehouse: option.free_units for option in options}
    lines: dict[tuple[str, int], AllocationLine] = {}
    nearest_first = sorted(options, key=lambda option: (option.distance_km, option.warehouse))
    for day in range(horizon_days):
        for option in nearest_first:
            if need == 0:
                break
            take = min(
                need, stock_left[option.warehouse], free_capacity.get((option.warehouse, day), 0)
            )
            if take <= 0:
                continue
            stock_left[option.warehouse] -= take
            need -= take
            lines[(option.warehouse, day)] = AllocationLine(
                option.warehouse, take, day, option.distance_km
            )
        if need == 0:
            return list(lines.values())
    return None


def sellout_minutes(
    remaining_units: int, units_sold_in_window: int, window_minutes: int
) -> float | None:
    """Minutes until a region sells out at its recent velocity; None when it is not selling."""
    if remaining_units <= 0:
        return 0.0
    if units_sold_in_window <= 0:
        return None
    return remaining_units / (units_sold_in_window / window_minutes)
