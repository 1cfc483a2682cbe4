"""``buzzstock listen …`` commands over the stored service: import mentions, watch lists per
catalogue SKU, the trends table and the alert review queue."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from buzzstock.core.cli import full_id, load_configured_settings
from buzzstock.core.context import Context, open_context
from buzzstock.core.errors import DomainError
from buzzstock.core.textfiles import open_text_file, read_text_file
from buzzstock.listen.store import alerts
from buzzstock.listen.tools_cli import fail, sparkline

watch_app = typer.Typer(
    help="Watch lists per catalogue SKU: product, competitor, category, scene + emotion (L-2).",
    no_args_is_help=True,
)


@contextmanager
def open_service() -> Iterator[Context]:
    """Open the configured store; a refusal becomes clear messages on stderr and exit code 1."""
    from buzzstock.listen.ingest import BadMentions

    ctx: Context | None = None
    try:
        ctx = open_context(load_configured_settings())
        yield ctx
    except BadMentions as error:
        for item in error.extra.get("errors", []):
            where = f"line {item['line']}" if "line" in item else f"item {item['index']}"
            typer.echo(f"error: {where}: {item['message']}", err=True)
        typer.echo(f"error: {error.detail.split(':')[0]}: nothing imported", err=True)
        raise typer.Exit(code=1) from None
    except DomainError as error:
        typer.echo(f"error: {error.detail}", err=True)
        raise typer.Exit(code=1) from None
    finally:
        if ctx is not None:
            ctx.close()


def _mapping(preset: str, map_columns: list[str] | None, utc_offset: float | None) -> Any:
    from buzzstock.listen.mention import PRESETS, ColumnMapping

    if preset not in PRESETS:
        fail(f"unknown preset {preset!r}; choose one of {', '.join(PRESETS)}")
    try:
        overrides = ColumnMapping.from_pairs(map_columns or [], utc_offset)
    except ValueError as error:
        fail(str(error))
    return ColumnMapping(
        columns={**PRESETS[preset].columns, **overrides.columns},
        default_timezone=overrides.default_timezone,
    )


def _read_watch_file(path: Path) -> list[Any]:
    from buzzstock.listen.watch_store import read_watch_lists

    try:
        text = read_text_file(path)
    except DomainError as error:
        fail(error.detail)
    try:
        return read_watch_lists(json.loads(text))
    except ValueError as error:
        fail(f"{path}: not JSON: {error}")
    except DomainError as error:
        fail(f"{path}: {error.detail}")
    return []


def print_batch(batch: str | None) -> None:
    if batch is not None:
        typer.echo(f"batch {batch} (undo it with `buzzstock listen delete --batch {batch}`)")


def print_events(events: Sequence[Any]) -> None:
    for event in events:
        detail = event.payload.get("tier") or event.payload.get("probability") or ""
        typer.echo(f"  {event.event_type:<18} {event.sku:<16} {event.at.isoformat()}  {detail}")


def import_mentions(
    file: Annotated[Path, typer.Argument(help="Mentions as JSONL or CSV (a tool's export).")],
    preset: Annotated[
        str,
        typer.Option(
            "--mapping", "--preset", help="canonical, brand24, brandwatch or talkwalker columns."
        ),
    ] = "canonical",
    map_columns: Annotated[
        list[str] | None,
        typer.Option("--map", help="Override one column: canonical=source (repeatable)."),
    ] = None,
    utc_offset: Annotated[
        float | None,
        typer.Option(
            min=-14, max=14, help="UTC offset (hours, -14 to 14) of timestamps written without one."
        ),
    ] = None,
    watchlist: Annotated[
        Path | None,
        typer.Option(help="A watch-list JSON file to save (per catalogue SKU) before matching."),
    ] = None,
) -> None:
    """L-1: store mentions (re-imported posts only get a new snapshot of their counters), match
    them to products, update trends and record new alerts. A bad file imports nothing."""
    from buzzstock.listen.ingest import import_file

    mapping = _mapping(preset, map_columns, utc_offset)
    watch = _read_watch_file(watchlist) if watchlist is not None else []
    with open_service() as ctx:
        source = open_text_file(file)
        report = import_file(ctx, file.name, source.lines(), mapping, watch)
    typer.echo(
        f"{file.name}: {report.new} new mention(s), {report.updated} updated (new snapshot), "
        f"{report.unmatched} matching no product; products: {', '.join(report.products) or '-'}"
    )
    print_batch(report.batch)
    if report.events:
        typer.echo(f"{len(report.events)} new event(s):")
        print_events(report.events)


@watch_app.command("set")
def watch_set(
    sku: Annotated[str, typer.Argument(help="Catalogue SKU code.")],
    keyword: Annotated[
        list[str] | None, typer.Option("--keyword", "-k", help="Product keyword (repeatable).")
    ] = None,
    competitor: Annotated[
        list[str] | None, typer.Option(help="Competitor keyword (repeatable).")
    ] = None,
    category: Annotated[list[str] | None, typer.Option(help="Category word (repeatable).")] = None,
    scene: Annotated[
        list[str] | None,
        typer.Option(help='Scene + emotion pair as "scene+emotion", e.g. "office+cozy".'),
    ] = None,
) -> None:
    """L-2: set (replace) the watch list of a SKU; stored mentions that match are linked."""
    from buzzstock.listen.watch_store import set_watch_lists
    from buzzstock.listen.watchlist import WatchList

    pairs = []
    for pair in scene or []:
        left, sep, right = pair.partition("+")
        if not sep or not left.strip() or not right.strip():
            fail(f'bad scene + emotion pair {pair!r}: write it as "scene+emotion"')
        pairs.append((left.strip(), right.strip()))
    watch = WatchList(
        product_id=sku,
        product_keywords=tuple(keyword or ()),
        competitor_keywords=tuple(competitor or ()),
        category_keywords=tuple(category or ()),
        scene_emotion=tuple(pairs),
    )
    with open_service() as ctx:
        report = set_watch_lists(ctx, [watch])
    typer.echo(f"watch list of {sku} saved")
    if report.events:
        print_events(report.events)


@watch_app.command("load")
def watch_load(file: Annotated[Path, typer.Argument(help="watchlists.json")]) -> None:
    """L-2: set the watch lists of a JSON file (a list of objects with sku or product_id)."""
    from buzzstock.listen.watch_store import set_watch_lists

    watch = _read_watch_file(file)
    with open_service() as ctx:
        set_watch_lists(ctx, watch)
    typer.echo(f"{len(watch)} watch list(s) saved")


@watch_app.command("list")
def watch_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """L-2: show the watch lists."""
    from buzzstock.listen.watch_store import list_watch_lists, watch_list_json

    with open_service() as ctx:
        found = [watch_list_json(watch) for watch in list_watch_lists(ctx)]
    if as_json:
        typer.echo(json.dumps(found, indent=2, ensure_ascii=False))
        return
    table = Table(title="Watch lists")
    for column in ("sku", "product", "competitor", "category", "scene + emotion"):
        table.add_column(column)
    for item in found:
        table.add_row(
            item["sku"],
            ", ".join(item["product_keywords"]),
            ", ".join(item["competitor_keywords"]),
            ", ".join(item["category_keywords"]),
            ", ".join("+".join(pair) for pair in item["scene_emotion"]),
        )
    Console(width=max(Console().width, 120)).print(table)


@watch_app.command("remove")
def watch_remove(sku: Annotated[str, typer.Argument(help="Catalogue SKU code.")]) -> None:
    """L-2: stop matching new mentions to a SKU (stored trends stay)."""
    from buzzstock.listen.watch_store import remove_watch_list

    with open_service() as ctx:
        remove_watch_list(ctx, sku)
    typer.echo(f"watch list of {sku} removed")


def trends_table(found: Sequence[dict[str, Any]], title: str = "Trends") -> Table:
    """The seller's trends table: product, heat, tier (✓ confirmed), phase, positive share,
    spread, fake-heat probability and a 14-day sparkline."""
    table = Table(title=title)
    for column in ("product", "heat", "tier", "phase", "positive", "spread", "fake heat"):
        table.add_column(column, justify="right" if column in ("heat", "positive") else "left")
    table.add_column("14 days")
    for trend in found:
        table.add_row(
            trend["sku"],
            f"{trend['heat']:.0f}",
            (trend["tier"] or "-") + (" ✓" if trend["confirmed"] else ""),
            trend["phase"],
            f"{trend['positive_share']:.0%}",
            str(trend["spread"]),
            f"{trend['fake_heat_probability']:.0%}",
            sparkline(trend["daily"]),
        )
    return table


def trends(
    as_json: Annotated[bool, typer.Option("--json", help="Print the trends as JSON.")] = False,
) -> None:
    """The trends table of the stored mentions (L-3 … L-9): ✓ = confirmed after cooling-off."""
    from buzzstock.listen.review import list_trends

    with open_service() as ctx:
        found = list_trends(ctx)
    if as_json:
        typer.echo(json.dumps(found, indent=2, ensure_ascii=False))
        return
    if not found:
        typer.echo("no trends yet: import mentions with `buzzstock listen import FILE`")
        return
    as_of = max(trend["as_of"] for trend in found)
    Console(width=max(Console().width, 120)).print(trends_table(found, f"Trends as of {as_of}"))


def alerts_list(
    state: Annotated[
        str | None, typer.Option(help="new, acknowledged or dismissed (default: all).")
    ] = "new",
    sku: Annotated[str | None, typer.Option(help="Only this SKU.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """L-6: the review queue, newest first (default: the alerts nobody reviewed yet)."""
    from buzzstock.listen.review import list_alerts

    with open_service() as ctx:
        found = list_alerts(ctx, state=state or None, sku=sku)
    if as_json:
        typer.echo(json.dumps(found, indent=2, ensure_ascii=False))
        return
    table = Table(title=f"Alerts ({state or 'all'})")
    for column in ("id", "sku", "type", "tier", "at", "state", "note"):
        table.add_column(column)
    for alert in found:
        table.add_row(
            alert["id"],
            alert["sku"],
            alert["type"],
            alert["tier"] or "-",
            alert["at"],
            alert["state"],
            alert["note"] or "",
        )
    Console(width=max(Console().width, 140)).print(table)


def alerts_acknowledge(
    alert_id: Annotated[
        str, typer.Argument(help="Alert id, or its start (see `buzzstock listen alerts`).")
    ],
    note: Annotated[str | None, typer.Option(help="What you will do about it.")] = None,
) -> None:
    """L-6: acknowledge an alert."""
    from buzzstock.listen.review import acknowledge

    with open_service() as ctx:
        found = full_id(ctx, alerts.c.id, alert_id, what="alert")
        acknowledge(ctx, found, "cli", note)
    typer.echo(f"alert {found} acknowledged")


def alerts_dismiss(
    alert_id: Annotated[
        str, typer.Argument(help="Alert id, or its start (see `buzzstock listen alerts`).")
    ],
    reason: Annotated[str, typer.Option(help="Why the alert is wrong or irrelevant (kept).")],
) -> None:
    """L-6: dismiss an alert, with the reason."""
    from buzzstock.listen.review import dismiss

    with open_service() as ctx:
        found = full_id(ctx, alerts.c.id, alert_id, what="alert")
        dismiss(ctx, found, reason, "cli")
    typer.echo(f"alert {found} dismissed")


def delete_mentions(
    post: Annotated[
        list[str] | None,
        typer.Option(help="A post to delete, as PLATFORM:POST_ID (repeatable)."),
    ] = None,
    batch: Annotated[
        str | None,
        typer.Option(help="An import batch id: delete every post it first stored."),
    ] = None,
) -> None:
    """L-1: delete stored mentions by post or by import batch, then recompute the trends they
    fed. An unknown post or batch deletes nothing."""
    from buzzstock.listen.removal import delete_batch, delete_posts, parse_post

    if bool(post) == (batch is not None):
        fail("give either --post PLATFORM:POST_ID (repeatable) or --batch ID")
    with open_service() as ctx:
        if batch is not None:
            report = delete_batch(ctx, batch)
        else:
            report = delete_posts(ctx, [parse_post(item) for item in post or []])
    typer.echo(
        f"deleted {report.deleted} mention(s); trends recomputed: "
        f"{', '.join(report.products) or '-'}"
    )
    if report.events:
        typer.echo(f"{len(report.events)} new event(s):")
        print_events(report.events)


def list_batches(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """L-1: the import batches that stored mentions, newest first (ids for `listen delete`)."""
    from buzzstock.listen.removal import list_batches as stored_batches

    with open_service() as ctx:
        found = stored_batches(ctx)
    if as_json:
        typer.echo(json.dumps(found, indent=2, ensure_ascii=False))
        return
    table = Table(title="Import batches")
    for column in ("batch", "source", "imported_at", "mentions"):
        table.add_column(column, overflow="fold")
    for item in found:
        table.add_row(item["batch"], item["source"], item["imported_at"], str(item["mentions"]))
    Console(width=max(Console().width, 120)).print(table)
