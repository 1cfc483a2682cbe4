"""The `buzzstock` command."""

import typer

app = typer.Typer(no_args_is_help=True, help="buzzstock: social buzz to stock, on every channel.")


def main() -> None:
    app()
