"""``buzzstock listen …``: the seller's tools for mentions, sentiment, growth alerts and buzz."""

from __future__ import annotations

import typer

from buzzstock.listen.pull_cli import pull_app
from buzzstock.listen.store_cli import (
    alerts_acknowledge,
    alerts_dismiss,
    alerts_list,
    delete_mentions,
    import_mentions,
    list_batches,
    trends,
    watch_app,
)
from buzzstock.listen.tools_cli import analyse, detect, sentiment

__all__ = ["listen_app", "trends"]

listen_app = typer.Typer(
    help="Listen: social mentions, sentiment, trend alerts and a buzz simulator (SPEC §1).",
    no_args_is_help=True,
)
listen_app.command()(sentiment)
listen_app.command()(detect)
listen_app.command()(analyse)
listen_app.add_typer(watch_app, name="watch")
listen_app.command("import")(import_mentions)
listen_app.command("batches")(list_batches)
listen_app.command("delete")(delete_mentions)
listen_app.command("trends")(trends)
listen_app.command("alerts")(alerts_list)
listen_app.command("ack")(alerts_acknowledge)
listen_app.command("dismiss")(alerts_dismiss)
listen_app.add_typer(pull_app, name="pull")
