"""Opening stock: the units per warehouse and region quotas a shop file gives a new SKU (S-2,
S-3), applied once; after that stock moves only through the hub."""

from __future__ import annotations

from pydantic import ConfigDict, Field, field_validator
from sqlalchemy import Connection

from buzzstock.core.context import Context
from buzzstock.core.input import Input
from buzzstock.stock.model import MAX_UNITS_PER_SKU
from buzzstock.stock.pool import receive_in, set_buyer_limit_in, set_quotas_in


class StockPlan(Input):
    """Opening stock of a SKU: units per warehouse, quotas per region and the elastic share (S-3).

    ``quotas`` are relative weights: the units left after the elastic share are split between
    regions in these proportions (the seed's 1,200 / 1,000 / 800 with 20 % elastic on 3,000 units
    gives 960 / 800 / 640 and 600 elastic).
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    sku: str = Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
    warehouses: dict[str, int] = Field(min_length=1)
    quotas: dict[str, float] = Field(default_factory=dict)
    elastic_share: float | None = Field(None, ge=0, le=1)
    buyer_limit: int | None = Field(None, ge=1, le=MAX_UNITS_PER_SKU)

    @field_validator("warehouses")
    @classmethod
    def _non_negative_units(cls, value: dict[str, int]) -> dict[str, int]:
        for code, units in value.items():
            if units < 0 or units > 100_000_000:
                raise ValueError(f"units for warehouse {code!r} must be between 0 and 100000000")
        if sum(value.values()) > MAX_UNITS_PER_SKU:
            raise ValueError(
                f"a SKU holds at most {MAX_UNITS_PER_SKU} units over all warehouses; these add "
                f"up to {sum(value.values())}"
            )
        return value

    @field_validator("quotas")
    @classmethod
    def _positive_weights(cls, value: dict[str, float]) -> dict[str, float]:
        for code, weight in value.items():
            if not 0 <= weight <= 1_000_000_000:
                raise ValueError(
                    f"the quota weight of region {code!r} must be a finite number from 0 to "
                    "1000000000"
                )
        return value


def apply_stock_plan(ctx: Context, plan: StockPlan) -> None:
    """Opening stock: receive units per warehouse, then split them into quotas (S-3)."""
    with ctx.engine.begin() as connection:
        apply_stock_plan_in(connection, ctx, plan)


def apply_stock_plan_in(connection: Connection, ctx: Context, plan: StockPlan) -> None:
    """``apply_stock_plan`` inside the caller's transaction (the whole shop file in one)."""
    for warehouse, units in sorted(plan.warehouses.items()):
        if units:
            receive_in(connection, ctx, plan.sku, warehouse, units, bucket="elastic", ref="opening")
    if plan.quotas:
        set_quotas_in(connection, ctx, plan.sku, plan.quotas, plan.elastic_share)
    if plan.buyer_limit is not None:
        set_buyer_limit_in(connection, ctx, plan.sku, plan.buyer_limit)
