"""`buzzstock plan`: the what-if calculators a buyer uses daily (D-2, D-4)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from buzzstock.core.cli import full_id, load_configured_settings, short_ids
from buzzstock.core.context import Context, open_context
from buzzstock.core.errors import DomainError, InvalidInput
from buzzstock.core.limits import MAX_DAYS, MAX_UNITS
from buzzstock.core.textfiles import read_text_file
from buzzstock.decide import actions, cash_store, queue, stops
from buzzstock.decide.proposal import ProposalAction
from buzzstock.decide.quantity import (
    MAX_COST,
    MAX_DEMAND_UNITS,
    MAX_PERIODS,
    Demand,
    DemandKind,
    MismatchCosts,
    newsvendor,
)
from buzzstock.decide.settings import DecideSettings
from buzzstock.decide.split import Milestone, parse_suppliers_csv, plan_split
from buzzstock.decide.store import decisions

plan_app = typer.Typer(
    no_args_is_help=True,
    help="What-if calculators: order quantity (newsvendor) and supplier split.",
)

_MILESTONE = re.compile(r"^\s*(\d+)\s*@\s*(\d+)\s*$")


def _fail(message: str, code: int = 2) -> NoReturn:
    Console(stderr=True, soft_wrap=True).print(f"[bold red]Error:[/] {message}", highlight=False)
    raise typer.Exit(code)


def _costs(
    holding_cost: float | None,
    shortage_cost: float | None,
    unit_cost: float | None,
    price: float | None,
    salvage: float | None,
) -> MismatchCosts:
    holding_form = holding_cost is not None or shortage_cost is not None
    price_form = unit_cost is not None or price is not None or salvage is not None
    if holding_form and price_form:
        _fail(
            "give either --holding-cost and --shortage-cost, or --unit-cost and --price "
            "(with optional --salvage), not both"
        )
    if holding_form:
        if holding_cost is None or shortage_cost is None:
            _fail("--holding-cost and --shortage-cost must be given together")
        return MismatchCosts.from_holding_shortage(holding_cost, shortage_cost)
    if price_form:
        if unit_cost is None or price is None:
            _fail("--unit-cost and --price must be given together (--salvage is optional)")
        return MismatchCosts.from_prices(unit_cost, price, salvage or 0.0)
    _fail(
        "costs are missing: give --holding-cost H --shortage-cost P, or --unit-cost C "
        "--price R [--salvage V]"
    )


def _demand(kind: DemandKind, mean: float, std: float | None) -> Demand:
    if kind is DemandKind.NORMAL:
        if std is None:
            _fail("normal demand needs --std (its standard deviation)")
        return Demand.normal(mean, std)
    if std is not None:
        _fail("Poisson demand is set by --mean alone; drop --std")
    return Demand.poisson(mean)


@plan_app.command()
def quantity(
    demand: Annotated[
        DemandKind, typer.Option(help="Demand distribution per period: normal or poisson.")
    ],
    mean: Annotated[
        float,
        typer.Option(
            min=0, max=MAX_DEMAND_UNITS, help="Mean demand per period, in units (0 to 1,000,000)."
        ),
    ],
    std: Annotated[
        float | None,
        typer.Option(
            min=0,
            max=MAX_DEMAND_UNITS,
            help="Standard deviation per period (normal only; up to 1,000,000).",
        ),
    ] = None,
    holding_cost: Annotated[
        float | None, typer.Option(min=0, max=MAX_COST, help="Cost per unit left over (h).")
    ] = None,
    shortage_cost: Annotated[
        float | None,
        typer.Option(min=0, max=MAX_COST, help="Cost per unit of demand missed (p)."),
    ] = None,
    unit_cost: Annotated[
        float | None, typer.Option(min=0, max=MAX_COST, help="Purchase cost per unit (c).")
    ] = None,
    price: Annotated[
        float | None, typer.Option(min=0, max=MAX_COST, help="Selling price per unit (r).")
    ] = None,
    salvage: Annotated[
        float | None,
        typer.Option(
            min=0, max=MAX_COST, help="Value of a leftover unit, e.g. clearance price (v)."
        ),
    ] = None,
    lead_time: Annotated[
        float,
        typer.Option(
            min=0, max=MAX_PERIODS, help="Periods of demand the order must cover (L), up to 365."
        ),
    ] = 1.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """D-4: recommended order quantity and its expected cost (newsvendor)."""
    try:
        costs = _costs(holding_cost, shortage_cost, unit_cost, price, salvage)
        result = newsvendor(_demand(demand, mean, std), costs, lead_time=lead_time)
    except InvalidInput as error:
        _fail(error.detail)
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "quantity": result.quantity,
                    "expected_cost": result.expected_cost,
                    "critical_ratio": result.critical_ratio,
                }
            )
        )
        return
    covered = result.demand
    spread = f", std {covered.std:,.2f}" if covered.kind is DemandKind.NORMAL else ""
    table = Table(title="Order quantity (newsvendor, D-4)", show_header=False)
    table.add_row("Demand covered", f"{covered.kind} mean {covered.mean:,.2f}{spread}")
    table.add_row("Cost per unit left over", f"{costs.overage:,.2f}")
    table.add_row("Cost per unit short", f"{costs.underage:,.2f}")
    table.add_row("Critical ratio", f"{result.critical_ratio:.4f}")
    table.add_row("[bold]Order quantity[/]", f"[bold]{result.quantity:,} units[/]")
    table.add_row("Expected leftover", f"{result.expected_leftover:,.2f} units")
    table.add_row("Expected shortage", f"{result.expected_shortage:,.2f} units")
    table.add_row("Expected cost", f"{result.expected_cost:,.2f}")
    if result.expected_profit is not None:
        table.add_row("Expected profit", f"{result.expected_profit:,.2f}")
    Console().print(table)


def _milestones(values: list[str]) -> list[Milestone]:
    parsed: list[Milestone] = []
    for value in values:
        match = _MILESTONE.match(value)
        if match is None:
            _fail(f"--need-by expects UNITS@DAY, e.g. 100@4; got {value!r}")
        parsed.append(Milestone(day=int(match.group(2)), quantity=int(match.group(1))))
    return parsed


@plan_app.command()
def split(
    suppliers: Annotated[
        Path,
        typer.Option(
            help="CSV with columns supplier,unit_cost,capacity,moq,lead_time_days,"
            "material_ready_day."
        ),
    ],
    demand: Annotated[
        int, typer.Option(min=1, max=MAX_UNITS, help="Units to buy in total (1 to 100,000,000).")
    ],
    due: Annotated[
        int,
        typer.Option(
            min=0, max=MAX_DAYS, help="Day by which every unit must have arrived (0-365)."
        ),
    ],
    need_by: Annotated[
        list[str] | None,
        typer.Option(help="Earlier deadline UNITS@DAY (repeatable), e.g. 100@4."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """D-2: split an order across suppliers at least cost, meeting the due day."""
    try:
        text = read_text_file(suppliers)
    except InvalidInput as error:
        _fail(f"cannot read suppliers file {error.detail}")
    try:
        offers = parse_suppliers_csv(text)
        plan = plan_split(
            offers, demand, due, _milestones(need_by or []), settings=DecideSettings()
        )
    except InvalidInput as error:
        _fail(error.detail, code=1)
    if as_json:
        typer.echo(json.dumps(plan.as_json()))
        return
    table = Table(title=f"Order split (D-2): {demand:,} units by day {due}")
    table.add_column("Supplier")
    table.add_column("Units", justify="right")
    table.add_column("Unit cost", justify="right")
    table.add_column("Cost", justify="right")
    table.add_column("Arrives day", justify="right")
    for line in plan.lines:
        table.add_row(
            line.supplier,
            f"{line.quantity:,}",
            f"{line.unit_cost:,.2f}",
            f"{line.cost:,.2f}",
            str(line.arrival_day),
        )
    table.add_row("[bold]Total[/]", f"{demand:,}", "", f"[bold]{plan.cost:,.2f}[/]", "")
    console = Console()
    console.print(table)
    for sentence in plan.explanation:
        console.print(sentence, highlight=False)


decisions_app = typer.Typer(
    help="The decision queue (D-6, K-4): list, approve, reject or undo decisions.",
    invoke_without_command=True,
)


@contextmanager
def _store() -> Iterator[Context]:
    ctx: Context | None = None
    try:
        ctx = open_context(load_configured_settings())
        yield ctx
    except DomainError as error:
        rule = f" [{error.rule}]" if error.rule else ""
        _fail(f"{error.detail}{rule}", code=1)
    finally:
        if ctx is not None:
            ctx.close()


@decisions_app.callback()
def decisions_queue(
    typer_context: typer.Context,
    status: Annotated[str | None, typer.Option(help="only this status, e.g. proposed")] = None,
    sku: Annotated[str | None, typer.Option(help="only this SKU")] = None,
    kind: Annotated[
        str | None,
        typer.Option(
            help="only this kind: purchase_order, price, markdown, watch, emergency_stop, exit "
            "or supplier_notice"
        ),
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="newest decisions shown")] = 50,
    wide: Annotated[
        bool,
        typer.Option("--wide", help="whole ids and every column (route, price, orders)"),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Show the queue: every decision with its state and explanation. Ids are shown as their
    shortest unique start, which approve, reject, undo and send take (--wide: whole ids)."""
    if typer_context.invoked_subcommand is not None:
        return
    with _store() as ctx:
        found = queue.list_decisions(ctx, status=status, sku=sku, kind=kind, limit=limit)
        shown = short_ids(ctx, decisions.c.id, [decision["id"] for decision in found])
    if as_json:
        typer.echo(json.dumps(found, indent=2))
        return
    table = Table(title="decision queue")
    table.add_column("id", no_wrap=True)
    names = (
        ("kind", "sku", "route", "status", "units", "price", "orders", "why")
        if wide
        else ("kind", "sku", "status", "units", "why")
    )
    for name in names:
        table.add_column(name, overflow="fold")
    for decision in found:
        cells = {
            "kind": decision["kind"],
            "sku": decision["sku"],
            "route": decision["route"],
            "status": decision["status"],
            "units": "" if decision["quantity"] is None else str(decision["quantity"]),
            "price": "" if decision["price"] is None else f"{decision['price']:,.2f}",
            "orders": ", ".join(
                f"{o['supplier']} {o['state']}" for o in decision["purchase_orders"]
            ),
            "why": decision["explanation"][0] if decision["explanation"] else "",
        }
        table.add_row(
            decision["id"] if wide else shown[decision["id"]],
            *(cells[name] for name in names),
        )
    Console().print(table)


DecisionId = Annotated[
    str,
    typer.Argument(help="the decision's id, or its start as `buzzstock decisions` shows it"),
]


def _act(decision_id: str, action: ProposalAction, note: str) -> None:
    with _store() as ctx:
        found = full_id(ctx, decisions.c.id, decision_id, what="decision")
        decision = actions.act(ctx, found, action, note=note)
    Console().print(f"{decision['id']}: {decision['status']}", highlight=False)


@decisions_app.command("approve")
def decisions_approve(
    decision_id: DecisionId,
    note: Annotated[str, typer.Option(help="why, kept with the decision")] = "",
) -> None:
    """Approve a decision (a purchase commits its cash within the D-5 limits)."""
    _act(decision_id, ProposalAction.APPROVE, note)


@decisions_app.command("reject")
def decisions_reject(
    decision_id: DecisionId,
    note: Annotated[str, typer.Option(help="why, kept with the decision")] = "",
) -> None:
    """Reject a proposed (or paused) decision; its draft orders are cancelled."""
    _act(decision_id, ProposalAction.REJECT, note)


@decisions_app.command("undo")
def decisions_undo(
    decision_id: DecisionId,
    note: Annotated[str, typer.Option(help="why, kept with the decision")] = "",
) -> None:
    """Undo an approved or scheduled (auto-executed) decision before it is sent."""
    _act(decision_id, ProposalAction.UNDO, note)


@decisions_app.command("stop")
def decisions_stop(
    sku: Annotated[str, typer.Argument(help="the SKU to stop")],
    reason: Annotated[str, typer.Option(help="why, for the log (e.g. 'battery overheats')")],
) -> None:
    """D-6 emergency stop: pause all related replenishment and stop selling the SKU on every
    channel (reservations refused, 0 shown) until `buzzstock decisions resume SKU`."""
    with _store() as ctx:
        stop = stops.raise_stop(ctx, sku, reason, by="a person (CLI)")
    Console().print(f"{sku} stopped (D-6): {stop['reason']}", highlight=False)


@decisions_app.command("resume")
def decisions_resume(
    sku: Annotated[str, typer.Argument(help="the stopped SKU")],
    reason: Annotated[str, typer.Option(help="why it is safe again, for the log")] = (
        "lifted by a person"
    ),
) -> None:
    """Lift the D-6 emergency stop: paused orders resume, the channels show stock again."""
    with _store() as ctx:
        stops.lift_stop(ctx, sku, reason, by="a person (CLI)")
    Console().print(f"{sku}: emergency stop lifted", highlight=False)


@decisions_app.command("stops")
def decisions_stops(
    every: Annotated[bool, typer.Option("--all", help="also stops already lifted")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """The SKUs under a D-6 emergency stop."""
    with _store() as ctx:
        found = stops.list_stops(ctx, active_only=not every)
    if as_json:
        typer.echo(json.dumps(found, indent=2))
        return
    table = Table(title="emergency stops (D-6)")
    for column in ("sku", "active", "reason", "raised by", "raised at", "lifted at"):
        table.add_column(column, overflow="fold")
    for stop in found:
        table.add_row(
            stop["sku"],
            "yes" if stop["active"] else "",
            stop["reason"],
            stop["raised_by"],
            stop["raised_at"],
            stop["lifted_at"] or "",
        )
    Console().print(table)


@decisions_app.command("send")
def decisions_send(
    decision_id: DecisionId, note: Annotated[str, typer.Option(help="kept with the decision")] = ""
) -> None:
    """Send an approved purchase to its suppliers (pays them from liquid funds)."""
    _act(decision_id, ProposalAction.SEND, note)


@decisions_app.command("cash")
def decisions_cash(
    funds: Annotated[
        float | None,
        typer.Option(min=0, max=1e12, help="set liquid funds to this amount (0 to 1e12)"),
    ] = None,
    currency: Annotated[
        str, typer.Option(help="ISO 4217 code of the funds set with --funds")
    ] = "CNY",
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """D-5: show (or set) liquid funds, today's room and the 7-day cash forecast."""
    with _store() as ctx:
        overview = (
            cash_store.set_liquid_funds(ctx, funds, currency)
            if funds is not None
            else cash_store.cash_overview(ctx)
        )
    if as_json:
        typer.echo(json.dumps(overview, indent=2))
        return
    if overview["liquid_funds"] is None:
        Console().print("liquid funds are not set: buzzstock decisions cash --funds AMOUNT")
        return
    table = Table(title=f"cash ({overview['currency']})")
    table.add_column("day")
    table.add_column("closing balance", justify="right")
    for day in overview["forecast"]:
        table.add_row(day["day"], f"{day['balance']:,.2f}")
    console = Console()
    console.print(
        f"liquid funds {overview['liquid_funds']:,.2f}; one order up to "
        f"{overview['order_limit']:,.2f}; room left today {overview['daily_room']:,.2f}"
    )
    console.print(table)
    for warning in overview["warnings"]:
        console.print(f"[yellow]D-5 warning:[/yellow] {warning}", highlight=False)
