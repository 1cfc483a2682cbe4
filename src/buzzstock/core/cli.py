"""What every capability's commands share: opening the configured store, and turning a refusal
into a clear message with a non-zero exit instead of a traceback.

The settings are loaded by the application (``buzzstock.cli`` registers its loader with
``use_settings_loader``), so that ``core`` depends on no capability's settings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from buzzstock.core.context import Context, open_context
from buzzstock.core.errors import DomainError
from buzzstock.core.settings import CoreSettings

errors = Console(stderr=True, soft_wrap=True)

_loader: Callable[[], CoreSettings] | None = None


def use_settings_loader(loader: Callable[[], CoreSettings]) -> None:
    """Set how commands load the settings (the application's full settings class)."""
    global _loader
    _loader = loader


def load_configured_settings() -> CoreSettings:
    if _loader is None:
        raise RuntimeError("no settings loader: buzzstock.cli registers it at import")
    return _loader()


def fail(message: str, code: int = 1) -> NoReturn:
    """Print ``error: message`` on stderr and exit with ``code``."""
    errors.print(f"[red]error:[/red] {message}", highlight=False)
    raise typer.Exit(code)


@contextmanager
def open_store() -> Iterator[Context]:
    """Open the configured store; a refusal becomes a clear message and exit code 1."""
    ctx: Context | None = None
    try:
        ctx = open_context(load_configured_settings())
        yield ctx
    except DomainError as error:
        rule = f" [{error.rule}]" if error.rule else ""
        errors.print(f"[red]error{rule}:[/red] {escape(error.detail)}", highlight=False)
        raise typer.Exit(1) from error
    finally:
        if ctx is not None:
            ctx.close()
