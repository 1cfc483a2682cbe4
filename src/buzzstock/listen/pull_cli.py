"""``buzzstock listen pull …``: pull mentions from the YouTube Data API v3 and Reddit into the
store (L-1)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

import typer

from buzzstock.listen.store_cli import open_service, print_batch, print_events
from buzzstock.listen.tools_cli import fail

pull_app = typer.Typer(
    help="Pull mentions from YouTube and Reddit into the store (L-1).", no_args_is_help=True
)


def _store_pulled(platform: str, pulled: Sequence[Any]) -> None:
    from buzzstock.listen.ingest import ingest

    with open_service() as ctx:
        report = ingest(ctx, pulled, source=f"pull:{platform}")
    typer.echo(
        f"{platform}: {report.received} fetched, {report.new} new mention(s), "
        f"{report.updated} updated (new snapshot), {report.unmatched} matching no product; "
        f"products: {', '.join(report.products) or '-'}"
    )
    print_batch(report.batch)
    if report.events:
        typer.echo(f"{len(report.events)} new event(s):")
        print_events(report.events)


@pull_app.command("youtube")
def pull_youtube(
    api_key: Annotated[str, typer.Option(help="YouTube Data API v3 key.")],
    ids: Annotated[
        str | None, typer.Option(help="Comma-separated video ids (50 per videos.list call).")
    ] = None,
    query: Annotated[
        str | None, typer.Option(help="Find videos with search.list instead (newest first).")
    ] = None,
    pages: Annotated[
        int | None, typer.Option(min=1, max=100, help="search.list pages of 50 (1 to 100).")
    ] = None,
    base_url: Annotated[str, typer.Option(help="API host (a local fake in tests).")] = (
        "https://www.googleapis.com"
    ),
) -> None:
    """L-1: fetch videos (statistics, channel subscribers) and store them as mentions; a video
    pulled again only gets a new snapshot of its counters."""
    from buzzstock.listen.connectors import ConnectorError, YouTubeClient

    video_ids = [item.strip() for item in (ids or "").split(",") if item.strip()]
    if bool(video_ids) == bool(query):
        fail("give either --ids ID,ID or --query TEXT")
    try:
        with YouTubeClient(api_key, base_url=base_url) as client:
            if query:
                video_ids = client.search_video_ids(query, pages)
            pulled = client.mentions(video_ids)
    except ConnectorError as error:
        fail(f"{error.detail}; nothing stored")
    _store_pulled("youtube", pulled)


@pull_app.command("reddit")
def pull_reddit(
    query: Annotated[str, typer.Option(help="Reddit search query.")],
    token: Annotated[str, typer.Option(help="OAuth bearer token for oauth.reddit.com.")],
    pages: Annotated[
        int | None,
        typer.Option(
            min=1, max=100, help="Listing pages of 100 posts to follow (1 to 100, default 10)."
        ),
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
        fail(f"{error.detail}; nothing stored")
    _store_pulled("reddit", pulled)
