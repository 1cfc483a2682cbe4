"""The simulation commands: `buzzstock livesale`, `buzzstock stress` and `buzzstock listen
simulate`. They drive the real engine against simulated buyers, platforms and buzz."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from buzzstock.core.cli import errors, fail, open_scratch_store
from buzzstock.core.limits import MAX_UNITS
from buzzstock.sim.buzz import simulate as run_simulation
from buzzstock.sim.livesale import run_livesale
from buzzstock.sim.livesale_buyers import LiveSaleConfig
from buzzstock.sim.stress import stress as run_stress

console = Console()


def livesale(
    channels: Annotated[int, typer.Option(min=1, max=32, help="sales channels")] = 8,
    max_ack_delay: Annotated[
        float, typer.Option(min=0.0, max=10.0, help="longest push acknowledgement delay, seconds")
    ] = 2.0,
    seed: Annotated[int, typer.Option(min=0, max=2**32 - 1, help="seed of buyers and delays")] = 0,
    units: Annotated[int, typer.Option(min=10, max=100_000, help="units for sale")] = 1000,
    duration: Annotated[
        float, typer.Option(min=1.0, max=120.0, help="length of the sale, seconds")
    ] = 8.0,
    workers: Annotated[int, typer.Option(min=1, max=8, help="hub worker processes")] = 1,
    database_url: Annotated[
        str | None, typer.Option(help="store for the hub side (default: a temporary SQLite file)")
    ] = None,
    json_path: Annotated[
        Path | None, typer.Option("--json", help="write the comparison as JSON here")
    ] = None,
) -> None:
    """Simulate a live sale on several platforms: naive (full stock everywhere) vs buzzstock."""
    config = LiveSaleConfig(
        channels=channels,
        max_ack_delay=max_ack_delay,
        seed=seed,
        units=units,
        duration_seconds=duration,
        worker_processes=workers,
        database_url=database_url,
    )
    with console.status(f"live sale of {units} units on {channels} channels..."):
        report = run_livesale(config)
    console.print(comparison_table(report))
    if json_path is not None:
        json_path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        console.print(f"written to {json_path}")
    if report["hub"]["oversold_units"]:
        sys.exit(2)


def comparison_table(report: dict[str, Any]) -> Table:
    sides = [report["naive"], report["hub"], report["forecast_split"]]
    hub = report["hub"]
    table = Table(
        title=f"Live sale: {report['units']} units, {report['channels']} channels, "
        f"acks 0-{report['max_ack_delay_s']:g} s"
    )
    table.add_column("")
    table.add_column("naive (full stock everywhere)", justify="right")
    table.add_column("buzzstock", justify="right")
    table.add_column("reference: forecast split, instant displays", justify="right")
    table.add_row("units oversold", *(str(side["oversold_units"]) for side in sides))
    table.add_row(
        "demand served", *(f"{side['served_units']} / {side['demand_units']}" for side in sides)
    )
    table.add_row(
        "false sell-out (share of sale time)",
        *(f"{side['false_sellout_share']:.1%}" for side in sides),
    )
    table.add_row("pushes sent / stock changes", "-", f"{hub['pushes']} / {hub['changes']}", "-")
    table.add_row(
        "sync latency p50 / p99",
        "-",
        f"{hub['sync_p50_ms']:.0f} / {hub['sync_p99_ms']:.0f} ms",
        "-",
    )
    return table


def stress(
    channels: Annotated[
        int, typer.Option(min=1, max=64, help="channels the buyers check out on")
    ] = 6,
    processes: Annotated[
        int, typer.Option(min=1, max=64, help="buyer processes racing at once")
    ] = 8,
    attempts: Annotated[
        int, typer.Option(min=1, max=10_000_000, help="checkout attempts in all")
    ] = 20_000,
    units: Annotated[
        int, typer.Option(min=1, max=MAX_UNITS, help="units of the stress SKU for sale")
    ] = 1000,
    database_url: Annotated[
        str | None,
        typer.Option(
            help="an empty store to race on, e.g. a new PostgreSQL database (default: a "
            "temporary SQLite file, deleted afterwards; never your configured store)"
        ),
    ] = None,
    json_path: Annotated[Path | None, typer.Option("--json", help="write the summary here")] = None,
) -> None:
    """S-11: buyers on several channels race for one SKU from several processes."""
    with (
        open_scratch_store(database_url, purpose="the stress test") as ctx,
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


def simulate(
    days: Annotated[
        int, typer.Option(min=21, max=365, help="Days of buzz to generate (21 to 365).")
    ] = 45,
    seed: Annotated[
        int,
        typer.Option(min=0, max=2**32 - 1, help="Random seed: the same seed gives the same buzz."),
    ] = 1,
    out: Annotated[
        Path, typer.Option(help="Folder for mentions.jsonl, truth.json, watchlists.json.")
    ] = Path("buzz"),
    products: Annotated[
        int, typer.Option(min=1, max=12, help="Products in the catalogue (1–12).")
    ] = 8,
) -> None:
    """Generate a deterministic buzz scenario with its ground truth (real trends, demand peaks,
    bot attacks and which mentions are fake)."""
    try:
        simulation = run_simulation(days, seed, products)
    except ValueError as error:
        fail(str(error))
    out.mkdir(parents=True, exist_ok=True)
    with (out / "mentions.jsonl").open("w", encoding="utf-8") as handle:
        for mention in simulation.mentions:
            handle.write(json.dumps(mention.to_json(), ensure_ascii=False) + "\n")
    (out / "truth.json").write_text(
        json.dumps(simulation.truth_json(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    watch_lists = [
        {
            "product_id": watch.product_id,
            "product_keywords": list(watch.product_keywords),
            "competitor_keywords": list(watch.competitor_keywords),
            "category_keywords": list(watch.category_keywords),
            "scene_emotion": [list(pair) for pair in watch.scene_emotion],
        }
        for watch in simulation.watch_lists()
    ]
    (out / "watchlists.json").write_text(
        json.dumps(watch_lists, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    typer.echo(
        f"{len(simulation.mentions)} mentions ({len(simulation.fake_post_ids)} fake) for "
        f"{len(simulation.products)} products over {days} days written to {out}"
    )
