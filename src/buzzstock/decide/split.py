"""D-2: split one order across suppliers, exactly, as a small mixed-integer programme.

Each supplier makes one batch. A batch can start only when the supplier's raw material is ready,
so it arrives on ``material_ready_day + lead_time_days``. The split buys exactly the demand, has
every batch arrive by the due day (and enough units by each earlier milestone), keeps each batch
within capacity and at or above the supplier's MOQ, and minimises purchase cost plus a small
penalty per supplier used, because over-fragmented orders are hard to quality-control (seed 000).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from buzzstock.core.errors import InvalidInput
from buzzstock.decide.settings import DecideSettings

SUPPLIER_COLUMNS = (
    "supplier",
    "unit_cost",
    "capacity",
    "moq",
    "lead_time_days",
    "material_ready_day",
)


class NoSplitPossible(InvalidInput):
    """No combination of the suppliers can meet the demand by the due day(s)."""

    slug = "no-split-possible"
    title = "No supplier split meets the demand in time"


@dataclass(frozen=True)
class SupplierOffer:
    supplier: str
    unit_cost: float
    capacity: int
    moq: int
    lead_time_days: int
    material_ready_day: int

    def __post_init__(self) -> None:
        if not self.supplier.strip():
            raise InvalidInput("supplier name must not be empty", rule="D-2")
        if not math.isfinite(self.unit_cost) or self.unit_cost < 0:
            raise InvalidInput(f"{self.supplier}: unit cost must be >= 0", rule="D-2")
        for name in ("capacity", "moq", "lead_time_days", "material_ready_day"):
            if getattr(self, name) < 0:
                raise InvalidInput(f"{self.supplier}: {name} must be >= 0", rule="D-2")

    @property
    def arrival_day(self) -> int:
        """Production starts when material is ready; the batch lands a lead time later."""
        return self.material_ready_day + self.lead_time_days


@dataclass(frozen=True)
class Milestone:
    """At least ``quantity`` units in total must have arrived by ``day``."""

    day: int
    quantity: int


@dataclass(frozen=True)
class SplitLine:
    supplier: str
    quantity: int
    arrival_day: int
    unit_cost: float

    @property
    def cost(self) -> float:
        return self.quantity * self.unit_cost


@dataclass(frozen=True)
class SplitPlan:
    lines: tuple[SplitLine, ...]
    cost: float
    fragmentation_penalty: float
    explanation: tuple[str, ...]

    @property
    def objective(self) -> float:
        return self.cost + self.fragmentation_penalty * len(self.lines)

    def as_json(self) -> dict[str, object]:
        return {
            "lines": [
                {"supplier": ln.supplier, "quantity": ln.quantity, "arrival_day": ln.arrival_day}
                for ln in self.lines
            ],
            "cost": round(self.cost, 2),
        }


def parse_suppliers_csv(text: str) -> list[SupplierOffer]:
    """Suppliers from CSV text with the columns of ``SUPPLIER_COLUMNS``; errors name the line."""
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [name for name in SUPPLIER_COLUMNS if name not in header]
    if missing:
        raise InvalidInput(
            f"suppliers file lacks column(s) {', '.join(missing)}; expected "
            f"{','.join(SUPPLIER_COLUMNS)}",
            rule="D-2",
        )
    offers: list[SupplierOffer] = []
    for line_number, raw in enumerate(reader, start=2):
        row = {(key or "").strip(): (value or "").strip() for key, value in raw.items()}
        try:
            offers.append(
                SupplierOffer(
                    supplier=row["supplier"],
                    unit_cost=float(row["unit_cost"]),
                    capacity=_whole(row["capacity"]),
                    moq=_whole(row["moq"] or "0"),
                    lead_time_days=_whole(row["lead_time_days"]),
                    material_ready_day=_whole(row["material_ready_day"] or "0"),
                )
            )
        except (ValueError, InvalidInput) as error:
            raise InvalidInput(f"suppliers file line {line_number}: {error}", rule="D-2") from error
    if not offers:
        raise InvalidInput("suppliers file has no supplier rows", rule="D-2")
    names = [offer.supplier for offer in offers]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise InvalidInput(f"supplier(s) listed twice: {', '.join(duplicates)}", rule="D-2")
    return offers


def _whole(text: str) -> int:
    value = float(text)
    if not value.is_integer():
        raise ValueError(f"{text!r} is not a whole number")
    return int(value)


def plan_split(
    suppliers: Sequence[SupplierOffer],
    demand: int,
    due_day: int,
    milestones: Sequence[Milestone] = (),
    settings: DecideSettings | None = None,
) -> SplitPlan:
    """D-2: the cheapest split (cost + fragmentation penalty) that meets every deadline."""
    settings = settings or DecideSettings()
    _check_request(suppliers, demand, due_day, milestones)
    deadlines = sorted({*milestones, Milestone(due_day, demand)}, key=lambda m: (m.day, m.quantity))
    usable = [s for s in suppliers if s.arrival_day <= due_day and s.capacity >= max(s.moq, 1)]
    if not usable:
        raise NoSplitPossible(_shortfall_text(suppliers, deadlines), rule="D-2")
    penalty = settings.split_fragmentation_penalty
    count = len(usable)
    capacities = np.array([s.capacity for s in usable], dtype=float)
    minimums = np.array([max(s.moq, 1) for s in usable], dtype=float)
    identity = np.eye(count)
    rows = [
        np.hstack([np.ones(count), np.zeros(count)]),
        *np.hstack([identity, -np.diag(capacities)]),
        *np.hstack([identity, -np.diag(minimums)]),
    ]
    lower = [float(demand)] + [-np.inf] * count + [0.0] * count
    upper = [float(demand)] + [0.0] * count + [np.inf] * count
    for deadline in deadlines:
        in_time = [1.0 if s.arrival_day <= deadline.day else 0.0 for s in usable]
        rows.append(np.hstack([in_time, np.zeros(count)]))
        lower.append(float(deadline.quantity))
        upper.append(np.inf)
    objective = np.hstack([[s.unit_cost for s in usable], np.full(count, penalty)])
    result = milp(
        objective,
        integrality=np.ones(2 * count),
        bounds=Bounds(np.zeros(2 * count), np.hstack([capacities, np.ones(count)])),
        constraints=LinearConstraint(np.vstack(rows), lower, upper),
        options={"mip_rel_gap": 0.0},
    )
    if result.status != 0 or result.x is None:
        raise NoSplitPossible(_shortfall_text(suppliers, deadlines), rule="D-2")
    quantities = [round(value) for value in result.x[:count]]
    lines = tuple(
        sorted(
            (
                SplitLine(s.supplier, q, s.arrival_day, s.unit_cost)
                for s, q in zip(usable, quantities, strict=True)
                if q > 0
            ),
            key=lambda ln: (ln.arrival_day, ln.supplier),
        )
    )
    cost = sum(line.cost for line in lines)
    explanation = _explain(suppliers, lines, deadlines, cost, penalty)
    return SplitPlan(lines, cost, penalty, explanation)


def _check_request(
    suppliers: Sequence[SupplierOffer], demand: int, due_day: int, milestones: Sequence[Milestone]
) -> None:
    if demand <= 0:
        raise InvalidInput(f"demand must be at least 1 unit, got {demand}", rule="D-2")
    if due_day < 0:
        raise InvalidInput(f"due day must be >= 0, got {due_day}", rule="D-2")
    if not suppliers:
        raise InvalidInput("at least one supplier is needed", rule="D-2")
    names = [s.supplier for s in suppliers]
    if len(set(names)) != len(names):
        raise InvalidInput("supplier names must be unique", rule="D-2")
    for milestone in milestones:
        if not 0 <= milestone.day <= due_day:
            raise InvalidInput(
                f"milestone day {milestone.day} must lie between 0 and the due day {due_day}",
                rule="D-2",
            )
        if not 0 < milestone.quantity <= demand:
            raise InvalidInput(
                f"milestone of {milestone.quantity} units must be between 1 and the demand "
                f"{demand}",
                rule="D-2",
            )


def _shortfall_text(suppliers: Sequence[SupplierOffer], deadlines: Sequence[Milestone]) -> str:
    for deadline in deadlines:
        reachable = sum(
            s.capacity
            for s in suppliers
            if s.arrival_day <= deadline.day and s.capacity >= max(s.moq, 1)
        )
        if reachable < deadline.quantity:
            return (
                f"D-2: {deadline.quantity} units are needed by day {deadline.day}, but the "
                f"suppliers that can deliver by then have only {reachable} units of capacity"
            )
    return (
        "D-2: capacity is sufficient, but no combination of batches within each supplier's "
        "minimum order quantity (MOQ) and capacity adds up to exactly the demand in time"
    )


def _explain(
    suppliers: Sequence[SupplierOffer],
    lines: Sequence[SplitLine],
    deadlines: Sequence[Milestone],
    cost: float,
    penalty: float,
) -> tuple[str, ...]:
    total = sum(line.quantity for line in lines)
    plural = "supplier" if len(lines) == 1 else "suppliers"
    text = [
        f"D-2: {total} units from {len(lines)} {plural} for {cost:,.2f}, the least cost "
        f"that meets every deadline (each extra supplier counts {penalty:,.2f} against "
        "fragmentation)."
    ]
    by_name = {s.supplier: s for s in suppliers}
    for line in lines:
        offer = by_name[line.supplier]
        text.append(
            f"{line.supplier}: {line.quantity} units at {line.unit_cost:,.2f} = "
            f"{line.cost:,.2f}; material ready day {offer.material_ready_day} + "
            f"{offer.lead_time_days} days production -> arrives day {line.arrival_day} "
            f"(capacity {offer.capacity}, MOQ {offer.moq})."
        )
    for deadline in deadlines:
        arrived = sum(line.quantity for line in lines if line.arrival_day <= deadline.day)
        text.append(f"By day {deadline.day}: {arrived} units arrive, {deadline.quantity} needed.")
    used = {line.supplier for line in lines}
    due_day = max(deadline.day for deadline in deadlines)
    for offer in suppliers:
        if offer.supplier in used:
            continue
        if offer.arrival_day > due_day:
            reason = f"its batch would arrive on day {offer.arrival_day}, after day {due_day}"
        elif offer.capacity < max(offer.moq, 1):
            reason = f"its capacity {offer.capacity} is below its MOQ {offer.moq}"
        else:
            reason = "the chosen suppliers cover the demand more cheaply"
        text.append(f"{offer.supplier} not used: {reason}.")
    return tuple(text)
