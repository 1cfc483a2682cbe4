"""``buzzstock listen …``: the seller's tools for mentions, sentiment, growth alerts and buzz."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from buzzstock.core.context import Context, open_context
from buzzstock.core.errors import DomainError
from buzzstock.listen.detect import detect_alerts, parse_count_csv, regular_series

listen_app = typer.Typer(
    help="Listen: social mentions, sentiment, trend alerts and a buzz simulator (SPEC §1).",
    no_args_is_help=True,
)


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=1)


@listen_app.command()
def sentiment() -> None:
    """Read one text per line on stdin; write one JSON object per line: {"lang", "label", "score"}.

    Offline: VADER for English, the shipped character model for Chinese, emoji for both.
    """
    from buzzstock.listen.sentiment import DEFAULT_SCORER

    out = sys.stdout
    for line in sys.stdin:
        text = line.rstrip("\r\n")
        result = DEFAULT_SCORER.score(text)
        out.write(json.dumps(result.to_json(), ensure_ascii=False) + "\n")
    out.flush()


@listen_app.command()
def detect(
    file: Annotated[Path, typer.Argument(help="CSV of timestamp,count (any regular interval).")],
    json_path: Annotated[
        Path, typer.Option("--json", help='Where to write {"alerts": [...]} as JSON.')
    ],
) -> None:
    """L-5: the alert episodes a streaming detector raises on a mention-count series.

    Each alert's start, tier and growth are decided from data before its start (no look-ahead).
    Growth is a fraction of the product's own expected 24 h volume: 1.5 means +150 %.
    """
    try:
        text = file.read_text(encoding="utf-8-sig")
    except OSError as problem:
        _fail(f"cannot read {file}: {problem.strerror}")
        return
    rows, errors = parse_count_csv(text)
    if errors:
        for error in errors:
            typer.echo(f"error: {file}: {error}", err=True)
        raise typer.Exit(code=1)
    try:
        series = regular_series(rows)
    except ValueError as error:
        _fail(f"{file}: {error}")
        return
    alerts = detect_alerts(series)
    json_path.write_text(
        json.dumps({"alerts": [alert.to_json() for alert in alerts]}, indent=2) + "\n",
        encoding="utf-8",
    )
    typer.echo(f"{len(alerts)} alert(s) written to {json_path}")


@listen_app.command()
def simulate(
    days: Annotated[int, typer.Option(help="Days of buzz to generate (at least 21).")] = 45,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same buzz.")] = 1,
    out: Annotated[
        Path, typer.Option(help="Folder for mentions.jsonl, truth.json, watchlists.json.")
    ] = Path("buzz"),
    products: Annotated[int, typer.Option(help="Products in the catalogue (1–12).")] = 8,
) -> None:
    """Generate a deterministic buzz scenario with its ground truth (real trends, demand peaks,
    bot attacks and which mentions are fake)."""
    from buzzstock.listen.simulate import simulate as run_simulation

    try:
        simulation = run_simulation(days, seed, products)
    except ValueError as error:
        _fail(str(error))
        return
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


SPARK = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[float]) -> str:
    """Daily volumes as a row of block characters (scaled to the row's maximum)."""
    if not values:
        return ""
    top = max(values)
    if top <= 0:
        return SPARK[0] * len(values)
    return "".join(
        SPARK[min(len(SPARK) - 1, int(value / top * (len(SPARK) - 1)))] for value in values
    )


@listen_app.command()
def analyse(
    file: Annotated[Path, typer.Argument(help="Mentions as JSONL or CSV.")],
    watchlist: Annotated[
        Path | None, typer.Option(help="watchlists.json: match mentions that name no product.")
    ] = None,
    preset: Annotated[
        str, typer.Option(help="Column names: canonical, brand24, brandwatch or talkwalker.")
    ] = "canonical",
    map_columns: Annotated[
        list[str] | None,
        typer.Option("--map", help="Override one column: canonical=source (repeatable)."),
    ] = None,
    utc_offset: Annotated[
        float | None,
        typer.Option(help="UTC offset (hours) of timestamps written without one."),
    ] = None,
    json_path: Annotated[
        Path | None, typer.Option("--json", help="Also write trends and events as JSON here.")
    ] = None,
) -> None:
    """Run the listening pipeline over a mentions file and show the trends (L-1 … L-10)."""
    from rich.console import Console
    from rich.table import Table

    from buzzstock.listen.engine import Pipeline
    from buzzstock.listen.mention import PRESETS, ColumnMapping, parse_file_text
    from buzzstock.listen.watchlist import Matcher, watch_lists_from_json

    if preset not in PRESETS:
        _fail(f"unknown preset {preset!r}; choose one of {', '.join(PRESETS)}")
    try:
        overrides = ColumnMapping.from_pairs(map_columns or [], utc_offset)
    except ValueError as error:
        _fail(str(error))
        return
    mapping = ColumnMapping(
        columns={**PRESETS[preset].columns, **overrides.columns},
        default_timezone=overrides.default_timezone,
    )
    try:
        text = file.read_text(encoding="utf-8-sig")
    except OSError as problem:
        _fail(f"cannot read {file}: {problem.strerror}")
        return
    result = parse_file_text(file.name, text, mapping)
    if not result.ok:
        for line_error in result.errors:
            typer.echo(f"error: {file}: {line_error}", err=True)
        typer.echo(f"error: {file}: nothing imported ({len(result.errors)} bad rows)", err=True)
        raise typer.Exit(code=1)
    matcher = None
    if watchlist is not None:
        try:
            matcher = Matcher(watch_lists_from_json(json.loads(watchlist.read_text("utf-8"))))
        except (OSError, ValueError, KeyError, TypeError) as error:
            _fail(f"cannot use watch list {watchlist}: {error}")
            return
    mentions = sorted(result.mentions, key=lambda mention: mention.created_at)
    pipeline = Pipeline(matcher=matcher)
    pipeline.ingest_all(mentions)
    if mentions:
        pipeline.advance_to(mentions[-1].created_at)
    trends = pipeline.trend_states()
    table = Table(title=f"Trends in {file.name} ({len(mentions)} mentions)")
    for column in (
        "product",
        "heat",
        "tier",
        "phase",
        "positive",
        "spread",
        "fake heat",
        "14 days",
    ):
        table.add_column(column, justify="right" if column in ("heat", "positive") else "left")
    for trend in trends:
        table.add_row(
            trend.product_id,
            f"{trend.heat:.0f}",
            (trend.tier or "-") + (" ✓" if trend.confirmed else ""),
            trend.phase.value,
            f"{trend.metrics.positive_share:.0%}",
            str(len(trend.metrics.platforms_rising)),
            f"{trend.fake_heat.probability:.0%}",
            sparkline(trend.daily),
        )
    Console(width=max(Console().width, 120)).print(table)
    typer.echo(f"{len(pipeline.events)} events; ✓ = confirmed (L-6)")
    if json_path is not None:
        json_path.write_text(
            json.dumps(
                {
                    "trends": [trend.to_json() for trend in trends],
                    "events": [
                        {"type": event.event_type, **event.payload()} for event in pipeline.events
                    ],
                },
                indent=2,
                ensure_ascii=False,
            )
            + "\n",
            encoding="utf-8",
        )


# --- the stored service: import, watch lists, trends, review queue ------------------------------

watch_app = typer.Typer(
    help="Watch lists per catalogue SKU: product, competitor, category, scene + emotion (L-2).",
    no_args_is_help=True,
)
listen_app.add_typer(watch_app, name="watch")


@contextmanager
def _service() -> Iterator[Context]:
    """Open the configured store; a refusal becomes clear messages on stderr and exit code 1."""
    from buzzstock.listen.service import BadMentions

    ctx: Context | None = None
    try:
        ctx = open_context()
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
        _fail(f"unknown preset {preset!r}; choose one of {', '.join(PRESETS)}")
    try:
        overrides = ColumnMapping.from_pairs(map_columns or [], utc_offset)
    except ValueError as error:
        _fail(str(error))
    return ColumnMapping(
        columns={**PRESETS[preset].columns, **overrides.columns},
        default_timezone=overrides.default_timezone,
    )


def _read_watch_file(path: Path) -> list[Any]:
    from buzzstock.listen.service import read_watch_lists

    try:
        return read_watch_lists(json.loads(path.read_text(encoding="utf-8")))
    except OSError as problem:
        _fail(f"cannot read {path}: {problem.strerror}")
    except ValueError as error:
        _fail(f"{path}: not JSON: {error}")
    except DomainError as error:
        _fail(f"{path}: {error.detail}")
    return []


def _print_events(events: Sequence[Any]) -> None:
    for event in events:
        detail = event.payload.get("tier") or event.payload.get("probability") or ""
        typer.echo(f"  {event.event_type:<18} {event.sku:<16} {event.at.isoformat()}  {detail}")


@listen_app.command("import")
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
        float | None, typer.Option(help="UTC offset (hours) of timestamps written without one.")
    ] = None,
    watchlist: Annotated[
        Path | None,
        typer.Option(help="A watch-list JSON file to save (per catalogue SKU) before matching."),
    ] = None,
) -> None:
    """L-1: store mentions (re-imported posts only get a new snapshot of their counters), match
    them to products, update trends and record new alerts. A bad file imports nothing."""
    from buzzstock.listen.service import import_file

    mapping = _mapping(preset, map_columns, utc_offset)
    watch = _read_watch_file(watchlist) if watchlist is not None else []
    try:
        text = file.read_text(encoding="utf-8-sig")
    except OSError as problem:
        _fail(f"cannot read {file}: {problem.strerror}")
    with _service() as ctx:
        report = import_file(ctx, file.name, text, mapping, watch)
    typer.echo(
        f"{file.name}: {report.new} new mention(s), {report.updated} updated (new snapshot), "
        f"{report.unmatched} matching no product; products: {', '.join(report.products) or '-'}"
    )
    if report.events:
        typer.echo(f"{len(report.events)} new event(s):")
        _print_events(report.events)


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
    from buzzstock.listen.service import set_watch_lists
    from buzzstock.listen.watchlist import WatchList

    pairs = []
    for pair in scene or []:
        left, sep, right = pair.partition("+")
        if not sep or not left.strip() or not right.strip():
            _fail(f'bad scene + emotion pair {pair!r}: write it as "scene+emotion"')
        pairs.append((left.strip(), right.strip()))
    watch = WatchList(
        product_id=sku,
        product_keywords=tuple(keyword or ()),
        competitor_keywords=tuple(competitor or ()),
        category_keywords=tuple(category or ()),
        scene_emotion=tuple(pairs),
    )
    with _service() as ctx:
        report = set_watch_lists(ctx, [watch])
    typer.echo(f"watch list of {sku} saved")
    if report.events:
        _print_events(report.events)


@watch_app.command("load")
def watch_load(file: Annotated[Path, typer.Argument(help="watchlists.json")]) -> None:
    """L-2: set the watch lists of a JSON file (a list of objects with sku or product_id)."""
    from buzzstock.listen.service import set_watch_lists

    watch = _read_watch_file(file)
    with _service() as ctx:
        set_watch_lists(ctx, watch)
    typer.echo(f"{len(watch)} watch list(s) saved")


@watch_app.command("list")
def watch_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """L-2: show the watch lists."""
    from buzzstock.listen.service import list_watch_lists, watch_list_json

    with _service() as ctx:
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
    from buzzstock.listen.service import remove_watch_list

    with _service() as ctx:
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
    from buzzstock.listen.service import list_trends

    with _service() as ctx:
        found = list_trends(ctx)
    if as_json:
        typer.echo(json.dumps(found, indent=2, ensure_ascii=False))
        return
    if not found:
        typer.echo("no trends yet: import mentions with `buzzstock listen import FILE`")
        return
    as_of = max(trend["as_of"] for trend in found)
    Console(width=max(Console().width, 120)).print(trends_table(found, f"Trends as of {as_of}"))


listen_app.command("trends")(trends)


@listen_app.command("alerts")
def alerts_list(
    state: Annotated[
        str | None, typer.Option(help="new, acknowledged or dismissed (default: all).")
    ] = "new",
    sku: Annotated[str | None, typer.Option(help="Only this SKU.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """L-6: the review queue, newest first (default: the alerts nobody reviewed yet)."""
    from buzzstock.listen.service import list_alerts

    with _service() as ctx:
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


@listen_app.command("ack")
def alerts_acknowledge(
    alert_id: Annotated[str, typer.Argument(help="Alert id (see `buzzstock listen alerts`).")],
    note: Annotated[str | None, typer.Option(help="What you will do about it.")] = None,
) -> None:
    """L-6: acknowledge an alert."""
    from buzzstock.listen.service import acknowledge

    with _service() as ctx:
        acknowledge(ctx, alert_id, "cli", note)
    typer.echo(f"alert {alert_id} acknowledged")


@listen_app.command("dismiss")
def alerts_dismiss(
    alert_id: Annotated[str, typer.Argument(help="Alert id (see `buzzstock listen alerts`).")],
    reason: Annotated[str, typer.Option(help="Why the alert is wrong or irrelevant (kept).")],
) -> None:
    """L-6: dismiss an alert, with the reason."""
    from buzzstock.listen.service import dismiss

    with _service() as ctx:
        dismiss(ctx, alert_id, reason, "cli")
    typer.echo(f"alert {alert_id} dismissed")


# --- pull connectors: YouTube Data API v3 and Reddit ---------------------------------------------

pull_app = typer.Typer(
    help="Pull mentions from YouTube and Reddit into the store (L-1).", no_args_is_help=True
)
listen_app.add_typer(pull_app, name="pull")


def _store_pulled(platform: str, pulled: Sequence[Any]) -> None:
    from buzzstock.listen.service import ingest

    with _service() as ctx:
        report = ingest(ctx, pulled, source=f"pull:{platform}")
    typer.echo(
        f"{platform}: {report.received} fetched, {report.new} new mention(s), "
        f"{report.updated} updated (new snapshot), {report.unmatched} matching no product; "
        f"products: {', '.join(report.products) or '-'}"
    )
    if report.events:
        typer.echo(f"{len(report.events)} new event(s):")
        _print_events(report.events)


@pull_app.command("youtube")
def pull_youtube(
    api_key: Annotated[str, typer.Option(help="YouTube Data API v3 key.")],
    ids: Annotated[
        str | None, typer.Option(help="Comma-separated video ids (50 per videos.list call).")
    ] = None,
    query: Annotated[
        str | None, typer.Option(help="Find videos with search.list instead (newest first).")
    ] = None,
    pages: Annotated[int | None, typer.Option(min=1, help="search.list pages of 50.")] = None,
    base_url: Annotated[str, typer.Option(help="API host (a local fake in tests).")] = (
        "https://www.googleapis.com"
    ),
) -> None:
    """L-1: fetch videos (statistics, channel subscribers) and store them as mentions; a video
    pulled again only gets a new snapshot of its counters."""
    from buzzstock.listen.connectors import ConnectorError, YouTubeClient

    video_ids = [item.strip() for item in (ids or "").split(",") if item.strip()]
    if bool(video_ids) == bool(query):
        _fail("give either --ids ID,ID or --query TEXT")
    try:
        with YouTubeClient(api_key, base_url=base_url) as client:
            if query:
                video_ids = client.search_video_ids(query, pages)
            pulled = client.mentions(video_ids)
    except ConnectorError as error:
        _fail(f"{error.detail}; nothing stored")
    _store_pulled("youtube", pulled)


@pull_app.command("reddit")
def pull_reddit(
    query: Annotated[str, typer.Option(help="Reddit search query.")],
    token: Annotated[str, typer.Option(help="OAuth bearer token for oauth.reddit.com.")],
    pages: Annotated[
        int | None, typer.Option(min=1, help="Listing pages of 100 posts to follow (default 10).")
    ] = None,
    base_url: Annotated[str, typer.Option(help="API host (a local fake in tests).")] = (
        "https://oauth.reddit.com"
    ),
) -> None:
    """L-1: fetch the newest posts matching the query and store them as mentions; a post pulled
    again only gets a new snapshot of its counters."""
    from buzzstock.listen.connectors import ConnectorError, RedditClient

    try:
        with RedditClient(token, base_url=base_url) as client:
            pulled = client.mentions(query, pages)
    except ConnectorError as error:
        _fail(f"{error.detail}; nothing stored")
    _store_pulled("reddit", pulled)
