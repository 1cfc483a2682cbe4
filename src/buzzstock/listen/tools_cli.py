"""``buzzstock listen …`` analysis tools that need no store: sentiment of stdin lines, alert
detection on a count series, the buzz simulator and the pipeline run over a mentions file."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from buzzstock.core.errors import InvalidInput
from buzzstock.core.textfiles import read_text_file
from buzzstock.listen.detect import detect_alerts, parse_count_csv, regular_series


def fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=1)


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
        text = read_text_file(file)
    except InvalidInput as refused:
        fail(refused.detail)
    rows, errors = parse_count_csv(text)
    if errors:
        for error in errors:
            typer.echo(f"error: {file}: {error}", err=True)
        raise typer.Exit(code=1)
    try:
        series = regular_series(rows)
    except ValueError as error:
        fail(f"{file}: {error}")
        return
    alerts = detect_alerts(series)
    json_path.write_text(
        json.dumps({"alerts": [alert.to_json() for alert in alerts]}, indent=2) + "\n",
        encoding="utf-8",
    )
    typer.echo(f"{len(alerts)} alert(s) written to {json_path}")


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
        typer.Option(
            min=-14, max=14, help="UTC offset (hours, -14 to 14) of timestamps written without one."
        ),
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
        fail(f"unknown preset {preset!r}; choose one of {', '.join(PRESETS)}")
    try:
        overrides = ColumnMapping.from_pairs(map_columns or [], utc_offset)
    except ValueError as error:
        fail(str(error))
        return
    mapping = ColumnMapping(
        columns={**PRESETS[preset].columns, **overrides.columns},
        default_timezone=overrides.default_timezone,
    )
    try:
        text = read_text_file(file)
    except InvalidInput as error:
        fail(error.detail)
    result = parse_file_text(file.name, text, mapping)
    if not result.ok:
        for line_error in result.errors:
            typer.echo(f"error: {file}: {line_error}", err=True)
        typer.echo(f"error: {file}: nothing imported ({len(result.errors)} bad rows)", err=True)
        raise typer.Exit(code=1)
    matcher = None
    if watchlist is not None:
        try:
            matcher = Matcher(watch_lists_from_json(json.loads(read_text_file(watchlist))))
        except (InvalidInput, ValueError, KeyError, TypeError) as error:
            fail(f"cannot use watch list {watchlist}: {error}")
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
                        {"type": event.event_type, **event.to_payload()}
                        for event in pipeline.events
                    ],
                },
                indent=2,
                ensure_ascii=False,
            )
            + "\n",
            encoding="utf-8",
        )
