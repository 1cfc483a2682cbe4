"""The `buzzstock` command."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from buzzstock.catalog.service import load_catalogue, read_catalogue_file
from buzzstock.core import auth
from buzzstock.core.context import Context, open_context
from buzzstock.core.errors import DomainError
from buzzstock.core.settings import describe, load_settings
from buzzstock.decide.cli import decisions_app, plan_app
from buzzstock.listen.cli import listen_app, trends
from buzzstock.stock import csvio, ledger, service
from buzzstock.stock.stress import stress as run_stress
from buzzstock.stock.sync_cli import livesale, sync_worker
from buzzstock.stock.view import stock_view

app = typer.Typer(
    no_args_is_help=True,
    help="buzzstock: social buzz to stock, on every channel, with zero oversell.",
)
config_app = typer.Typer(no_args_is_help=True, help="Show the effective settings.")
catalog_app = typer.Typer(no_args_is_help=True, help="Load and show the catalogue.")
stock_app = typer.Typer(no_args_is_help=True, help="Look at and correct stock.")
ledger_app = typer.Typer(no_args_is_help=True, help="The hash-chained stock ledger (S-10).")
keys_app = typer.Typer(no_args_is_help=True, help="API keys and their roles.")
db_app = typer.Typer(no_args_is_help=True, help="The database schema.")
app.add_typer(config_app, name="config")
app.add_typer(catalog_app, name="catalog")
app.add_typer(stock_app, name="stock")
app.add_typer(ledger_app, name="ledger")
app.add_typer(keys_app, name="keys")
app.add_typer(db_app, name="db")
app.add_typer(plan_app, name="plan")
app.command("livesale")(livesale)
app.command("sync-worker")(sync_worker)
app.add_typer(decisions_app, name="decisions")
app.add_typer(listen_app, name="listen")
app.command("trends")(trends)

console = Console()
errors = Console(stderr=True, soft_wrap=True)


@contextmanager
def hub() -> Iterator[Context]:
    """Open the configured store; a refusal becomes a clear message and exit code 1."""
    ctx: Context | None = None
    try:
        ctx = open_context()
        yield ctx
    except DomainError as error:
        rule = f" [{error.rule}]" if error.rule else ""
        errors.print(f"[red]error{rule}:[/red] {error.detail}", highlight=False)
        raise typer.Exit(1) from error
    finally:
        if ctx is not None:
            ctx.close()


@config_app.command("show")
def config_show() -> None:
    """Print every effective setting, its value, where it came from and the rule it implements."""
    table = Table(title="buzzstock settings")
    for column in ("setting", "value", "source", "meaning"):
        table.add_column(column, overflow="fold")
    for name, value, source, description in describe(load_settings()):
        table.add_row(name, value, source, description)
    console.print(table)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the schema of the configured database."""
    with hub() as ctx:
        console.print(f"schema is up to date on {ctx.backend}")


@catalog_app.command("load")
def catalog_load(path: Annotated[Path, typer.Argument(help="TOML or YAML catalogue file")]) -> None:
    """Create or update regions, markets, warehouses, channels, SKUs and opening stock."""
    with hub() as ctx:
        report = load_catalogue(ctx, read_catalogue_file(path))
    console.print(f"created: {report.created or 'nothing'}; updated: {report.updated or 'nothing'}")
    if report.stocked:
        console.print(f"opening stock set for: {', '.join(report.stocked)}")
    if report.skipped_stock:
        console.print(
            f"opening stock skipped (already stocked, use the hub to change it): "
            f"{', '.join(report.skipped_stock)}"
        )


@stock_app.command("show")
def stock_show(sku: str) -> None:
    """Stock of a SKU per warehouse and per region quota, with sell-out ETAs."""
    with hub() as ctx:
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


@stock_app.command("receive")
def stock_receive(sku: str, warehouse: str, quantity: int) -> None:
    """Book units arriving on hand in a warehouse."""
    with hub() as ctx:
        service.receive(ctx, sku, warehouse, quantity)
        console.print(f"{sku}: available now {stock_view(ctx, sku)['available']}")


@stock_app.command("pause")
def stock_pause(sku: str, reason: Annotated[str, typer.Option(help="why, for the log")]) -> None:
    """Refuse new reservations of a SKU (S-4)."""
    with hub() as ctx:
        service.set_paused(ctx, sku, True, reason)
    console.print(f"{sku} paused: {reason}")


@stock_app.command("resume")
def stock_resume(sku: str) -> None:
    with hub() as ctx:
        service.set_paused(ctx, sku, False)
    console.print(f"{sku} takes reservations again")


@stock_app.command("move-quota")
def stock_move_quota(sku: str, source: str, target: str, quantity: int) -> None:
    """Move free units between region quotas and the elastic pool (S-3)."""
    with hub() as ctx:
        service.move_quota(ctx, sku, source, target, quantity)
    console.print(f"moved {quantity} unit(s) of {sku} from {source} to {target}")


@stock_app.command("sweep")
def stock_sweep() -> None:
    """Release every expired hold now (S-4)."""
    with hub() as ctx:
        console.print(f"released {service.release_expired(ctx)} expired hold(s)")


@stock_app.command("export")
def stock_export(out: Annotated[Path, typer.Option(help="CSV file to write")]) -> None:
    """Write stock per SKU and warehouse to a CSV file (S-10 manual fallback)."""
    with hub() as ctx:
        out.write_text(csvio.export_csv(ctx), encoding="utf-8")
    console.print(f"wrote {out}")


@stock_app.command("import")
def stock_import(
    path: Path,
    good_rows_only: Annotated[
        bool, typer.Option(help="import the good rows even if some rows are bad")
    ] = False,
) -> None:
    """Set counted units on hand from a CSV file; bad rows are reported with line numbers."""
    if not path.exists():
        errors.print(f"[red]error:[/red] {path} does not exist")
        raise typer.Exit(1)
    with hub() as ctx:
        report = csvio.import_csv(
            ctx, path.read_text(encoding="utf-8"), good_rows_only=good_rows_only
        )
    for problem in report.errors:
        errors.print(f"[red]{problem}[/red]", highlight=False)
    if report.errors and not good_rows_only:
        errors.print(f"{len(report.errors)} bad row(s): nothing was imported")
        raise typer.Exit(1)
    console.print(f"{report.applied} row(s) adjusted, {report.unchanged} unchanged")


@ledger_app.command("verify")
def ledger_verify(sku: Annotated[str | None, typer.Option(help="only this SKU")] = None) -> None:
    """Check every hash chain and that replaying the ledger rebuilds the counters."""
    with hub() as ctx:
        report = ledger.verify(ctx.engine, sku)
    for problem in report.broken + report.mismatched:
        errors.print(f"[red]{problem}[/red]", highlight=False)
    if not report.ok:
        errors.print("ledger verified: NO")
        raise typer.Exit(1)
    console.print(f"ledger verified: yes ({report.rows} rows, {report.skus} SKU(s))")


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Option(help="a name you will recognise")],
    role: Annotated[str, typer.Option(help="admin, operator, channel or supplier")],
    channel: Annotated[str | None, typer.Option(help="the channel of a channel key")] = None,
    supplier: Annotated[str | None, typer.Option(help="the supplier of a supplier key")] = None,
) -> None:
    """Create an API key. The key is printed once; only its hash is stored."""
    with hub() as ctx:
        key_id, key = auth.create_key(ctx, name, role, channel=channel, supplier=supplier)
    console.print(f"id: {key_id}\nkey: {key}", highlight=False)


@keys_app.command("list")
def keys_list() -> None:
    with hub() as ctx:
        rows = auth.list_keys(ctx)
    table = Table("id", "name", "role", "channel", "supplier", "revoked")
    for row in rows:
        table.add_row(
            row["id"],
            row["name"],
            row["role"],
            row["channel"] or "",
            row["supplier"] or "",
            "yes" if row["revoked"] else "",
        )
    console.print(table)


@keys_app.command("revoke")
def keys_revoke(key_id: str) -> None:
    with hub() as ctx:
        auth.revoke_key(ctx, key_id)
    console.print(f"revoked {key_id}")


@app.command()
def stress(
    channels: Annotated[int, typer.Option(min=1, max=64)] = 6,
    processes: Annotated[int, typer.Option(min=1, max=64)] = 8,
    attempts: Annotated[int, typer.Option(min=1)] = 20_000,
    units: Annotated[int, typer.Option(min=1)] = 1000,
    json_path: Annotated[Path | None, typer.Option("--json", help="write the summary here")] = None,
) -> None:
    """S-11: buyers on several channels race for one SKU from several processes."""
    with (
        hub() as ctx,
        Progress(
            TextColumn("[bold]stress[/bold]"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
            console=errors,
            transient=True,
        ) as progress,
    ):
        task = progress.add_task("attempts", total=attempts)
        summary = run_stress(
            ctx,
            channels=channels,
            processes=processes,
            attempts=attempts,
            units=units,
            on_progress=lambda done: progress.update(task, completed=done),
        )
    table = Table(title=f"stress test on {summary['backend']}")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for key in (
        "channels",
        "processes",
        "attempts",
        "units",
        "granted_units",
        "refused",
        "oversold_units",
        "reservations_per_second",
        "p50_ms",
        "p99_ms",
    ):
        table.add_row(key.replace("_", " "), str(summary[key]))
    console.print(table)
    if json_path is not None:
        json_path.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    if summary["oversold_units"]:
        raise typer.Exit(2)


@app.command()
def serve(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
    background: Annotated[
        bool, typer.Option(help="also run the expiry sweeper and outbox dispatcher")
    ] = True,
) -> None:
    """Run the HTTP API (SQLite by default; see docs/configuration.md)."""
    from buzzstock.api.server import run_server

    run_server(host, port, background=background)


@app.command()
def worker(
    processes: Annotated[int, typer.Option(min=1, max=32)] = 1,
    poll_interval: Annotated[float, typer.Option(min=0.05)] = 1.0,
) -> None:
    """Deliver outbox events and release expired holds until stopped (Ctrl-C)."""
    from buzzstock.api.server import run_workers

    run_workers(processes, poll_interval)


@app.command()
def demo(
    database_url: Annotated[
        str | None, typer.Option(help="store to use (default: a fresh demo SQLite file)")
    ] = None,
) -> None:
    """The main job: the seed's multi-channel live sale through the real hub."""
    from buzzstock.demo.run import run_demo

    sys.exit(run_demo(console, database_url))


def main() -> None:
    app()
