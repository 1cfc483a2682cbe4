"""D-1: the seller's suppliers, stored: tier, grade, capacity, MOQ, lead times, freight modes,
raw-material readiness and the SKUs each one makes."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import Field, model_validator
from sqlalchemy import Connection, delete, insert, select, update

from buzzstock.catalog.service import sku_exists
from buzzstock.core.clock import as_utc
from buzzstock.core.context import Context
from buzzstock.core.db import reading
from buzzstock.core.errors import InvalidInput, NotFound
from buzzstock.core.input import Input
from buzzstock.decide.ladder import Freight
from buzzstock.decide.split import SupplierOffer
from buzzstock.decide.store import supplier_skus, suppliers
from buzzstock.decide.suppliers import Grade, Tier

DAY_SECONDS = 86_400.0


class FreightTerms(Input):
    cost_per_unit: float = Field(
        ge=0, le=1_000_000, description="Freight cost per unit by this mode."
    )
    transit_days: int = Field(ge=0, le=365, description="Days from shipping to the warehouse.")


def _check_moq_within_capacity(moq: int, capacity: int, period_days: int) -> None:
    """D-1: a supplier that cannot make its own minimum order in a period could never be
    ordered from: the order split would skip it for ever, so the typo is refused at once."""
    if moq > capacity:
        raise ValueError(
            f"moq {moq} is more than the capacity of {capacity} units per {period_days} "
            "day(s): no order could ever be placed; lower the moq or raise the capacity"
        )


class SupplierSpec(Input):
    """D-1: what buzzstock knows about one supplier."""

    code: str = Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9._-]+$")
    name: str = Field(min_length=1, max_length=200)
    tier: Tier = Tier.BALANCED
    grade: Grade = Grade.C
    capacity: int = Field(ge=1, le=100_000_000, description="Units it can make per period.")
    capacity_period_days: int = Field(7, ge=1, le=365)
    moq: int = Field(0, ge=0, le=100_000_000, description="Minimum order quantity.")
    lead_time_min_days: int = Field(ge=0, le=365, description="Fastest production time.")
    lead_time_mode_days: int = Field(ge=0, le=365, description="Usual production time.")
    lead_time_max_days: int = Field(ge=0, le=365, description="Slowest production time.")
    unit_cost: float = Field(gt=0, le=1_000_000)
    currency: str = Field("CNY", min_length=3, max_length=3)
    freight: dict[Freight, FreightTerms] = Field(min_length=1)
    material_ready_at: datetime | None = Field(
        None, description="When its raw material is ready; none means ready now."
    )
    skus: list[str] = Field(default_factory=list, max_length=1000)

    @model_validator(mode="after")
    def _lead_times_in_order(self) -> SupplierSpec:
        if not self.lead_time_min_days <= self.lead_time_mode_days <= self.lead_time_max_days:
            raise ValueError("lead times must satisfy min <= mode <= max")
        if self.material_ready_at is not None and self.material_ready_at.tzinfo is None:
            raise ValueError("material_ready_at needs a time zone (e.g. 2026-03-04T00:00:00Z)")
        _check_moq_within_capacity(self.moq, self.capacity, self.capacity_period_days)
        return self


class SupplierEntry(Input):
    """D-1: a supplier as a shop file gives it (``[[suppliers]]``), in the seller's words.

    ``lead_time_days`` is the days from ordering to units in the warehouse. Without ``freight``
    every freight mode delivers in that time at no extra cost; with it (``{air = {cost_per_unit
    = 1.5, transit_days = 2}, sea = {...}}``) ``lead_time_days`` is the production time and each
    mode adds its transit.
    """

    code: str = Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9._-]+$")
    name: str = Field(min_length=1, max_length=200)
    tier: Literal["fast", "balanced", "cost", "cost_optimised"] = "balanced"
    grade: Grade = Grade.C
    skus: list[str] = Field(min_length=1, max_length=1000)
    unit_cost: float = Field(gt=0, le=1_000_000)
    currency: str = Field("CNY", pattern=r"^[A-Za-z]{3}$")
    lead_time_days: int = Field(ge=0, le=365)
    capacity: int = Field(ge=1, le=100_000_000, description="Units it can make per period.")
    capacity_period_days: int = Field(7, ge=1, le=365)
    moq: int = Field(0, ge=0, le=100_000_000)
    material_ready_days: int | None = Field(
        None, ge=0, le=365, description="Days until its raw material is ready; none: ready now."
    )
    freight: dict[Freight, FreightTerms] | None = None

    @model_validator(mode="after")
    def _moq_within_capacity(self) -> SupplierEntry:
        _check_moq_within_capacity(self.moq, self.capacity, self.capacity_period_days)
        return self

    def spec(self, now: datetime) -> SupplierSpec:
        freight = self.freight or {
            mode: FreightTerms(cost_per_unit=0.0, transit_days=0) for mode in Freight
        }
        return SupplierSpec(
            code=self.code,
            name=self.name,
            tier=Tier.COST_OPTIMISED
            if self.tier in ("cost", "cost_optimised")
            else Tier(self.tier),
            grade=self.grade,
            capacity=self.capacity,
            capacity_period_days=self.capacity_period_days,
            moq=self.moq,
            lead_time_min_days=self.lead_time_days,
            lead_time_mode_days=self.lead_time_days,
            lead_time_max_days=self.lead_time_days,
            unit_cost=self.unit_cost,
            currency=self.currency.upper(),
            freight=freight,
            material_ready_at=None
            if self.material_ready_days is None
            else now + timedelta(days=self.material_ready_days),
            skus=self.skus,
        )


def _values(spec: SupplierSpec, now: datetime) -> dict[str, Any]:
    return {
        "name": spec.name,
        "tier": spec.tier.value,
        "grade": spec.grade.value,
        "capacity": spec.capacity,
        "capacity_period_days": spec.capacity_period_days,
        "moq": spec.moq,
        "lead_time_min_days": spec.lead_time_min_days,
        "lead_time_mode_days": spec.lead_time_mode_days,
        "lead_time_max_days": spec.lead_time_max_days,
        "unit_cost": spec.unit_cost,
        "currency": spec.currency.upper(),
        "freight": {mode.value: terms.model_dump() for mode, terms in spec.freight.items()},
        "material_ready_at": spec.material_ready_at,
        "active": True,
        "updated_at": now,
    }


def save_supplier(ctx: Context, spec: SupplierSpec) -> tuple[dict[str, Any], bool]:
    """D-1: create or replace a supplier; returns (supplier, created). Unknown SKUs are refused."""
    with ctx.engine.begin() as connection:
        created = save_supplier_in(connection, ctx, spec)
    return get_supplier(ctx, spec.code), created


def save_supplier_in(connection: Connection, ctx: Context, spec: SupplierSpec) -> bool:
    """``save_supplier`` inside the caller's transaction (the whole shop file in one); True if
    the supplier is new."""
    for sku in spec.skus:
        if not sku_exists(connection, sku):
            raise NotFound(f"no sku {sku!r}")
    now = ctx.clock.now()
    exists = connection.execute(
        select(suppliers.c.code).where(suppliers.c.code == spec.code)
    ).first()
    if exists is None:
        connection.execute(
            insert(suppliers).values(code=spec.code, created_at=now, **_values(spec, now))
        )
    else:
        connection.execute(
            update(suppliers).where(suppliers.c.code == spec.code).values(**_values(spec, now))
        )
    connection.execute(delete(supplier_skus).where(supplier_skus.c.supplier == spec.code))
    for sku in sorted(set(spec.skus)):
        connection.execute(insert(supplier_skus).values(supplier=spec.code, sku=sku))
    return exists is None


def deactivate_supplier(ctx: Context, code: str) -> None:
    """A supplier that is let go keeps its history (orders) but gets no new orders."""
    with ctx.engine.begin() as connection:
        if not connection.execute(
            update(suppliers)
            .where(suppliers.c.code == code)
            .values(active=False, updated_at=ctx.clock.now())
        ).rowcount:
            raise NotFound(f"no supplier {code!r}")


def _public(row: Any, skus: list[str]) -> dict[str, Any]:
    return {
        "code": row.code,
        "name": row.name,
        "tier": row.tier,
        "grade": row.grade,
        "capacity": row.capacity,
        "capacity_period_days": row.capacity_period_days,
        "moq": row.moq,
        "lead_time_min_days": row.lead_time_min_days,
        "lead_time_mode_days": row.lead_time_mode_days,
        "lead_time_max_days": row.lead_time_max_days,
        "unit_cost": row.unit_cost,
        "currency": row.currency,
        "freight": row.freight,
        "material_ready_at": None
        if row.material_ready_at is None
        else as_utc(row.material_ready_at).isoformat(),
        "skus": skus,
        "active": row.active,
    }


def _skus_by_supplier(connection: Connection, codes: list[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {code: [] for code in codes}
    for row in connection.execute(
        select(supplier_skus)
        .where(supplier_skus.c.supplier.in_(codes))
        .order_by(supplier_skus.c.supplier, supplier_skus.c.sku)
    ):
        found[row.supplier].append(row.sku)
    return found


def list_suppliers(ctx: Context, *, only: str | None = None) -> list[dict[str, Any]]:
    """Suppliers by code; ``only`` restricts the list to one supplier (a supplier's own key)."""
    query = select(suppliers).order_by(suppliers.c.code)
    if only is not None:
        query = query.where(suppliers.c.code == only)
    with reading(ctx.engine) as connection:
        rows = list(connection.execute(query))
        skus = _skus_by_supplier(connection, [row.code for row in rows])
    return [_public(row, skus[row.code]) for row in rows]


def get_supplier(ctx: Context, code: str) -> dict[str, Any]:
    found = list_suppliers(ctx, only=code)
    if not found:
        raise NotFound(f"no supplier {code!r}")
    return found[0]


def skus_of_supplier(connection: Connection, supplier: str) -> list[str]:
    return [
        row.sku
        for row in connection.execute(
            select(supplier_skus.c.sku)
            .where(supplier_skus.c.supplier == supplier)
            .order_by(supplier_skus.c.sku)
        )
    ]


def suppliers_of_sku(connection: Connection, sku: str) -> list[str]:
    return [
        row.supplier
        for row in connection.execute(
            select(supplier_skus.c.supplier)
            .join(suppliers, suppliers.c.code == supplier_skus.c.supplier)
            .where(supplier_skus.c.sku == sku, suppliers.c.active.is_(True))
            .order_by(supplier_skus.c.supplier)
        )
    ]


def days_until(moment: datetime | None, now: datetime) -> int:
    """Whole days from ``now`` until ``moment`` (0 when it is past or unknown)."""
    if moment is None:
        return 0
    return max(0, math.ceil((as_utc(moment) - now).total_seconds() / DAY_SECONDS - 1e-9))


def supplier_offers(
    connection: Connection, sku: str, freight: Freight, now: datetime
) -> list[SupplierOffer]:
    """D-1/D-2: every active supplier of ``sku`` that ships by ``freight``, as split offers.

    A batch lands ``material ready + usual production time + transit`` days from now and costs
    the unit cost plus the freight per unit.
    """
    offers = []
    for row in connection.execute(
        select(suppliers)
        .join(supplier_skus, supplier_skus.c.supplier == suppliers.c.code)
        .where(supplier_skus.c.sku == sku, suppliers.c.active.is_(True))
        .order_by(suppliers.c.code)
    ):
        terms = row.freight.get(freight.value)
        if terms is None:
            continue
        offers.append(
            SupplierOffer(
                supplier=row.code,
                unit_cost=round(row.unit_cost + terms["cost_per_unit"], 6),
                capacity=row.capacity,
                moq=row.moq,
                lead_time_days=row.lead_time_mode_days + terms["transit_days"],
                material_ready_day=days_until(row.material_ready_at, now),
            )
        )
    return offers


def freight_terms(connection: Connection, supplier: str, freight: Freight) -> FreightTerms:
    row = connection.execute(
        select(suppliers.c.freight).where(suppliers.c.code == supplier)
    ).first()
    if row is None:
        raise NotFound(f"no supplier {supplier!r}")
    terms = row.freight.get(freight.value)
    if terms is None:
        raise InvalidInput(
            f"supplier {supplier!r} does not ship by {freight.value}; it ships by "
            f"{', '.join(sorted(row.freight))}",
            rule="D-1",
        )
    return FreightTerms(**terms)
