"""What every capability's commands share: opening the configured store, and turning a refusal
into a clear message with a non-zero exit instead of a traceback (``GuardedGroup`` does that
for whatever any command raises).

The settings are loaded by the application (``buzzstock.cli`` registers its loader with
``use_settings_loader``), so that ``core`` depends on no capability's settings.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.exc import DBAPIError, OperationalError
from typer.core import TyperGroup

from buzzstock.core.context import Context, open_context, open_empty_context
from buzzstock.core.db import reading
from buzzstock.core.errors import ConfigurationError, DomainError, InvalidInput, NotFound
from buzzstock.core.settings import CoreSettings

DEBUG_VARIABLE = "BUZZSTOCK_DEBUG"

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
    errors.print(f"[red]error:[/red] {escape(message)}", highlight=False)
    raise typer.Exit(code)


def fail_refused(error: DomainError) -> NoReturn:
    """Print a refusal with the rule that refused, and exit 1."""
    rule = f" [{error.rule}]" if error.rule else ""
    errors.print(f"[red]error{escape(rule)}:[/red] {escape(error.detail)}", highlight=False)
    raise typer.Exit(1) from error


@contextmanager
def open_store() -> Iterator[Context]:
    """Open the configured store; a refusal becomes a clear message and exit code 1."""
    ctx: Context | None = None
    try:
        ctx = open_context(load_configured_settings())
        yield ctx
    except DomainError as error:
        fail_refused(error)
    finally:
        if ctx is not None:
            ctx.close()


@contextmanager
def open_scratch_store(database_url: str | None, *, purpose: str) -> Iterator[Context]:
    """A store a simulation may fill: by default a new SQLite file in a temporary folder,
    deleted afterwards; or ``database_url``, which must hold no data yet. It is never the
    configured (seller's) store."""
    with tempfile.TemporaryDirectory(prefix="buzzstock-", ignore_cleanup_errors=True) as folder:
        settings = load_configured_settings()
        settings.database_url = database_url or f"sqlite:///{Path(folder) / 'scratch.db'}"
        ctx: Context | None = None
        try:
            if database_url is None:
                ctx = open_context(settings)
            else:
                ctx = open_empty_context(settings, purpose=purpose)
            yield ctx
        except DomainError as error:
            fail_refused(error)
        finally:
            if ctx is not None:
                ctx.close()


SHORT_ID_LENGTH = 12
"""The least a short id shows: the kind (``dec_``) and 8 characters (about a second of time)."""


def full_id(ctx: Context, column: ColumnElement[str], given: str, *, what: str) -> str:
    """The id that ``given`` names: the id itself, or the only one that starts with it (the
    short ids the list commands show). Unknown: NotFound; more than one: InvalidInput."""
    pattern = given.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    with reading(ctx.engine) as connection:
        found = list(
            connection.execute(
                select(column).where(column.like(pattern, escape="\\")).order_by(column).limit(2)
            ).scalars()
        )
    if not found:
        raise NotFound(f"no {what} {given!r}")
    if len(found) > 1 and found[0] != given:
        raise InvalidInput(
            f"{given!r} is the start of more than one {what} ({found[0]}, {found[1]}, ...): "
            "give more of the id"
        )
    return str(found[0])


def short_ids(ctx: Context, column: ColumnElement[str], ids: list[str]) -> dict[str, str]:
    """For each id, its shortest start (at least ``SHORT_ID_LENGTH`` characters) that no other
    stored id shares, so that ``full_id`` finds it again."""
    shortest: dict[str, str] = {}
    with reading(ctx.engine) as connection:
        for value in ids:
            before = connection.execute(select(func.max(column)).where(column < value)).scalar()
            after = connection.execute(select(func.min(column)).where(column > value)).scalar()
            shared = max(_common_length(value, before), _common_length(value, after))
            shortest[value] = value[: max(SHORT_ID_LENGTH, shared + 1)]
    return shortest


def _common_length(value: str, other: str | None) -> int:
    if other is None:
        return 0
    length = 0
    for mine, theirs in zip(value, other, strict=False):
        if mine != theirs:
            break
        length += 1
    return length


class GuardedGroup(TyperGroup):
    """The root command: whatever a command raises ends as one clear message on stderr and a
    non-zero exit, never a traceback (set BUZZSTOCK_DEBUG=1 to see the traceback)."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise
        except ConfigurationError as error:
            fail(str(error))
        except DomainError as error:
            fail_refused(error)
        except OperationalError as error:
            fail(
                f"the database failed: {_first_line(error.orig or error)}. Check that it is "
                "running and reachable (database_url), then run the command again"
            )
        except DBAPIError as error:
            fail(
                f"the database refused the change: {_first_line(error.orig or error)}; "
                "nothing was changed"
            )
        except MemoryError:
            fail("not enough memory for this input: use smaller numbers or a smaller file")
        except OSError as error:
            if os.environ.get(DEBUG_VARIABLE):
                raise
            target = f" {error.filename}" if error.filename else ""
            fail(f"cannot use{target}: {error.strerror or error}")
        except Exception as error:
            if os.environ.get(DEBUG_VARIABLE):
                raise
            fail(
                f"unexpected {type(error).__name__}: {_first_line(error)}. This is a bug in "
                f"buzzstock: run the command again with {DEBUG_VARIABLE}=1 and report the "
                "traceback it prints"
            )


def _first_line(error: object) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
