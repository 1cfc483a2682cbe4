"""The `buzzstock` command: the composition root that mounts every capability's commands."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from buzzstock import __version__, keys
from buzzstock.core import auth
from buzzstock.core.cli import (
    GuardedGroup,
    fail,
    full_id,
    open_store,
    short_ids,
    use_settings_loader,
)
from buzzstock.core.settings import describe
from buzzstock.decide.cli import decisions_app, plan_app
from buzzstock.listen.cli import listen_app, trends
from buzzstock.settings import load_settings
from buzzstock.shop import load_shop_file
from buzzstock.sim.cli import livesale, simulate, stress
from buzzstock.stock.cli import ledger_app, stock_app
from buzzstock.stock.sync.cli import sync_worker

use_settings_loader(load_settings)

app = typer.Typer(
    cls=GuardedGroup,
    no_args_is_help=True,
    help="buzzstock: social buzz to stock, on every channel, with zero oversell.",
)
config_app = typer.Typer(no_args_is_help=True, help="Show the effective settings.")
catalog_app = typer.Typer(no_args_is_help=True, help="Load and show the catalogue.")
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
app.command("stress")(stress)
app.command("sync-worker")(sync_worker)
app.add_typer(decisions_app, name="decisions")
listen_app.command("simulate")(simulate)
app.add_typer(listen_app, name="listen")
app.command("trends")(trends)

console = Console()


def _print_version(value: bool) -> None:
    if value:
        console.print(f"buzzstock {__version__}", highlight=False)
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_print_version,
            is_eager=True,
            help="print the version and exit",
        ),
    ] = False,
) -> None:
    """buzzstock: social buzz to stock, on every channel, with zero oversell."""


@config_app.command("show")
def config_show(
    prefix: Annotated[
        str | None,
        typer.Argument(
            help="only the settings whose name starts with this, e.g. `stock.` or "
            "`decide.first_order`",
            show_default=False,
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="print JSON: one object per setting")
    ] = False,
) -> None:
    """Print every effective setting, its value, where it came from and the rule it implements."""
    rows = [row for row in describe(load_settings()) if row[0].startswith(prefix or "")]
    if not rows:
        fail(f"no setting starts with {prefix!r}; `buzzstock config show` lists them all")
    if as_json:
        keys = ("setting", "value", "source", "meaning")
        typer.echo(json.dumps([dict(zip(keys, row, strict=True)) for row in rows], indent=2))
        return
    table = Table(title="buzzstock settings" + (f" starting with {prefix}" if prefix else ""))
    for column in ("setting", "value", "source", "meaning"):
        table.add_column(column, overflow="fold")
    for name, value, source, description in rows:
        table.add_row(name, value, source, description)
    console.print(table)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the schema of the configured database."""
    with open_store() as ctx:
        console.print(f"schema is up to date on {ctx.backend}")


@catalog_app.command("load")
def catalog_load(path: Annotated[Path, typer.Argument(help="TOML or YAML catalogue file")]) -> None:
    """Create or update regions, markets, warehouses, channels, SKUs, suppliers, opening stock
    and opening cash from one shop file (docs/quickstart.md). A file with any problem changes
    nothing: every problem is listed with its line."""
    with open_store() as ctx:
        report = load_shop_file(ctx, path)
    console.print(f"created: {report.created or 'nothing'}; updated: {report.updated or 'nothing'}")
    if report.stocked:
        console.print(f"opening stock set for: {', '.join(report.stocked)}")
    if report.skipped_stock:
        console.print(
            f"opening stock skipped (already stocked, use the hub to change it): "
            f"{', '.join(report.skipped_stock)}"
        )
    console.print(f"cash: {report.cash}")


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Option(help="a name you will recognise")],
    role: Annotated[str, typer.Option(help="admin, operator, channel or supplier")],
    channel: Annotated[str | None, typer.Option(help="the channel of a channel key")] = None,
    supplier: Annotated[str | None, typer.Option(help="the supplier of a supplier key")] = None,
) -> None:
    """Create an API key. The key is printed once; only its hash is stored."""
    with open_store() as ctx:
        key_id, key = keys.create_key(ctx, name, role, channel=channel, supplier=supplier)
    console.print(f"id: {key_id}\nkey: {key}", highlight=False)


@keys_app.command("list")
def keys_list(
    wide: Annotated[
        bool, typer.Option("--wide", help="show whole ids and when each key was created")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON with whole ids")] = False,
) -> None:
    """The API keys; ids are shown as their shortest unique start, which `keys revoke` takes."""
    with open_store() as ctx:
        rows = auth.list_keys(ctx)
        shown = short_ids(ctx, auth.api_keys.c.id, [row["id"] for row in rows])
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    table = Table(title="API keys")
    table.add_column("id", no_wrap=True)
    for column in ("name", "role", "channel", "supplier", "revoked"):
        table.add_column(column, overflow="fold")
    if wide:
        table.add_column("created", overflow="fold")
    for row in rows:
        cells = [
            row["id"] if wide else shown[row["id"]],
            row["name"],
            row["role"],
            row["channel"] or "",
            row["supplier"] or "",
            "yes" if row["revoked"] else "",
        ]
        table.add_row(*cells, *([row["created_at"]] if wide else []))
    console.print(table)


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[
        str, typer.Argument(help="the key's id, or its start as `keys list` shows it")
    ],
) -> None:
    """Revoke an API key: it is refused from now on."""
    with open_store() as ctx:
        found = full_id(ctx, auth.api_keys.c.id, key_id, what="API key")
        auth.revoke_key(ctx, found)
    console.print(f"revoked {found}", highlight=False)


@app.command()
def serve(
    host: Annotated[
        str, typer.Option(help="address to listen on (0.0.0.0: every interface)")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port to listen on")] = 8000,
    background: Annotated[
        bool, typer.Option(help="also run the expiry sweeper and outbox dispatcher")
    ] = True,
) -> None:
    """Run the HTTP API (SQLite by default; see docs/configuration.md)."""
    from buzzstock.api.server import run_server

    run_server(host, port, background=background)


@app.command()
def worker(
    processes: Annotated[
        int, typer.Option(min=1, max=32, help="worker processes (PostgreSQL shares the outbox)")
    ] = 1,
    poll_interval: Annotated[
        float, typer.Option(min=0.05, max=3600, help="seconds to wait when nothing is due")
    ] = 1.0,
    until_idle: Annotated[
        bool,
        typer.Option(
            "--until-idle",
            help="process every pending event and due job, then exit 0 (for scripts and checks)",
        ),
    ] = False,
) -> None:
    """Deliver outbox events to every capability and run the due jobs (expired holds, live-sale
    rules, auto-executed orders whose undo window passed) until stopped (Ctrl-C or SIGTERM)."""
    from buzzstock.worker import run_until_idle, run_workers

    if until_idle:
        with open_store() as ctx:
            passes = run_until_idle(ctx)
        console.print(f"nothing left to do after {passes} pass(es)")
        return
    run_workers(processes, poll_interval)


@app.command()
def demo(
    database_url: Annotated[
        str | None,
        typer.Option(
            help="an empty store to run the demo in (default: a fresh buzzstock-demo.db); "
            "a store that holds data is refused"
        ),
    ] = None,
) -> None:
    """The main job: the seed's multi-channel live sale through the real hub."""
    from buzzstock.demo.run import run_demo

    sys.exit(run_demo(console, database_url))


def main() -> None:
    app()
