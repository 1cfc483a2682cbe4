"""`buzzstock stock …` and `buzzstock ledger …`: look at and correct stock, check the ledger."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from buzzstock.core.cli import errors, open_store
from buzzstock.core.limits import MAX_UNITS
from buzzstock.core.textfiles import open_text_file
from buzzstock.stock import csvio, ledger, service
from buzzstock.stock.view import stock_view

stock_app = typer.Typer(no_args_is_help=True, help="Look at and correct stock.")
ledger_app = typer.Typer(no_args_is_help=True, help="The hash-chained stock ledger (S-10).")
console = Console()
# A negative count ("-5") is read as the count it is, and refused by its range, instead of
# "no such option: -5".
COUNTS = {"ignore_unknown_options": True}
Quantity = Annotated[
    int, typer.Argument(min=1, max=MAX_UNITS, help="Units, 1 to 100,000,000.", show_default=False)
]


@stock_app.command("show")
def stock_show(sku: str) -> None:
    """Stock of a SKU per warehouse and per region quota, with sell-out ETAs."""
    with open_store() as ctx:
        view = stock_view(ctx, sku)
    head = (
        f"{sku}: on hand {view['on_hand']}, reserved {view['reserved']}, held {view['held']}, "
        f"available {view['available']}, in transit {view['in_transit']}"
    )
    console.print(head + ("  [red]PAUSED[/red]" if view["paused"] else ""))
    warehouses = Table("warehouse", "city", "on hand", "reserved", "free", "in transit", "low")
    for row in view["warehouses"]:
        warehouses.add_row(
            row["warehouse"],
            row["city"],
            str(row["on_hand"]),
            str(row["reserved"]),
            str(row["free"]),
            str(row["in_transit"]),
            "yes" if row["low"] else "",
        )
    console.print(warehouses)
    quotas = Table("quota", "limit", "used", "free", "sold share", "sell-out ETA")
    for row in view["quotas"]:
        quotas.add_row(
            row["bucket"],
            str(row["limit"]),
            str(row["used"]),
            str(row["free"]),
            f"{row['sold_share']:.0%}",
            row["sellout_eta"] or "-",
        )
    console.print(quotas)


@stock_app.command("receive", context_settings=COUNTS)
def stock_receive(sku: str, warehouse: str, quantity: Quantity) -> None:
    """Book units arriving on hand in a warehouse."""
    with open_store() as ctx:
        service.receive(ctx, sku, warehouse, quantity)
        console.print(f"{sku}: available now {stock_view(ctx, sku)['available']}")


@stock_app.command("pause")
def stock_pause(sku: str, reason: Annotated[str, typer.Option(help="why, for the log")]) -> None:
    """Refuse new reservations of a SKU (S-4)."""
    with open_store() as ctx:
        service.set_paused(ctx, sku, True, reason)
    console.print(f"{sku} paused: {reason}")


@stock_app.command("resume")
def stock_resume(sku: str) -> None:
    with open_store() as ctx:
        service.set_paused(ctx, sku, False)
    console.print(f"{sku} takes reservations again")


@stock_app.command("move-quota", context_settings=COUNTS)
def stock_move_quota(sku: str, source: str, target: str, quantity: Quantity) -> None:
    """Move free units between region quotas and the elastic pool (S-3)."""
    with open_store() as ctx:
        service.move_quota(ctx, sku, source, target, quantity)
    console.print(f"moved {quantity} unit(s) of {sku} from {source} to {target}")


@stock_app.command("sweep")
def stock_sweep() -> None:
    """Release every expired hold now (S-4)."""
    with open_store() as ctx:
        console.print(f"released {service.release_expired(ctx)} expired hold(s)")


@stock_app.command("export")
def stock_export(out: Annotated[Path, typer.Option(help="CSV file to write")]) -> None:
    """Write stock per SKU and warehouse to a CSV file (S-10 manual fallback)."""
    with open_store() as ctx:
        out.write_text(csvio.export_csv(ctx), encoding="utf-8")
    console.print(f"wrote {out}")


@stock_app.command("import")
def stock_import(
    path: Annotated[
        Path, typer.Argument(help="CSV as `stock export` writes it (UTF-8, GBK, Excel CSV)")
    ],
    good_rows_only: Annotated[
        bool, typer.Option(help="import the good rows even if some rows are bad")
    ] = False,
) -> None:
    """Set counted units on hand from a CSV file; a file with any bad row changes nothing and
    every problem is listed with its line and column (docs/operations.md)."""
    with open_store() as ctx:
        source = open_text_file(path)
        report = csvio.import_csv(ctx, source, good_rows_only=good_rows_only)
    for problem in report.errors:
        errors.print(escape(problem.describe(source.name)), style="red", highlight=False)
    if report.errors and not good_rows_only:
        errors.print(
            f"{len(report.errors)} problem(s) in {escape(source.name)}: nothing was changed"
        )
        raise typer.Exit(1)
    read_as = "" if source.encoding.startswith("utf-8") else f" (read as {source.encoding} text)"
    console.print(f"{report.applied} row(s) adjusted, {report.unchanged} unchanged{read_as}")


@ledger_app.command("verify")
def ledger_verify(sku: Annotated[str | None, typer.Option(help="only this SKU")] = None) -> None:
    """Check every hash chain and that replaying the ledger rebuilds the counters."""
    with open_store() as ctx:
        report = ledger.verify(ctx.engine, sku)
    for problem in report.broken + report.mismatched:
        errors.print(f"[red]{problem}[/red]", highlight=False)
    if not report.ok:
        errors.print("ledger verified: NO")
        raise typer.Exit(1)
    console.print(f"ledger verified: yes ({report.rows} rows, {report.skus} SKU(s))")
