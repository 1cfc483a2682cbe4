"""In-process event handlers, by name: who consumes which domain events.

Every process that dispatches the outbox registers the same handlers (see
``buzzstock.handlers.register_all``); the dispatcher in ``buzzstock.core.outbox`` fans each event
out to the handlers whose patterns match it.
"""

from __future__ import annotations

import fnmatch
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from buzzstock.core.context import Context
from buzzstock.core.errors import InvalidInput
from buzzstock.core.events import Event

HANDLER_PREFIX = "handler:"
ALL_EVENTS = "*"

HandlerFn = Callable[[Context, Event], None]


def event_type_matches(patterns: Iterable[str], event_type: str) -> bool:
    """``*`` matches every type, ``stock.*`` every type starting ``stock.``, others exactly."""
    return any(fnmatch.fnmatchcase(event_type, pattern) for pattern in patterns)


def clean_event_types(event_types: Iterable[str]) -> tuple[str, ...]:
    """Event types a handler or subscription listens to, deduplicated; InvalidInput if bad."""
    if isinstance(event_types, str):
        raise InvalidInput("event_types must be a list of event types, e.g. ['*']")
    cleaned = tuple(dict.fromkeys(str(item).strip() for item in event_types))
    if not cleaned or any(not item or len(item) > 80 or " " in item for item in cleaned):
        raise InvalidInput(
            "event_types must list at least one event type (or '*' for all), each 1-80 "
            "characters without spaces"
        )
    return cleaned


# --- in-process handlers ------------------------------------------------------------------------


@dataclass(frozen=True)
class Handler:
    name: str
    event_types: tuple[str, ...]
    fn: HandlerFn

    @property
    def consumer(self) -> str:
        return HANDLER_PREFIX + self.name

    def wants(self, event_type: str) -> bool:
        return event_type_matches(self.event_types, event_type)


class HandlerRegistry:
    """In-process consumers of events, by name."""

    def __init__(self) -> None:
        self._handlers: dict[str, Handler] = {}
        self._lock = threading.Lock()

    def register(self, name: str, event_types: Iterable[str], fn: HandlerFn) -> Handler:
        """Add (or replace) the handler called ``name`` for the given event types.

        ``fn(ctx, event)`` may be called more than once for the same event (after a crash or a
        lost lease), so it must be idempotent by ``event.event_id``: check-and-record the id in
        the same transaction as its own effect, or make the effect naturally repeatable.
        Raising marks the try as failed; it is retried with backoff and dead-lettered after the
        last attempt.
        """
        name = name.strip()
        if not name or " " in name or len(HANDLER_PREFIX + name) > 120:
            raise ValueError(f"handler name {name!r} must be 1-110 characters without spaces")
        handler = Handler(name=name, event_types=clean_event_types(event_types), fn=fn)
        with self._lock:
            self._handlers[name] = handler
        return handler

    def unregister(self, name: str) -> None:
        with self._lock:
            self._handlers.pop(name, None)

    def get(self, name: str) -> Handler | None:
        with self._lock:
            return self._handlers.get(name)

    def all(self) -> list[Handler]:
        with self._lock:
            return list(self._handlers.values())


handlers = HandlerRegistry()
"""The process-wide registry that dispatchers use unless given another one."""


def register_handler(name: str, event_types: Iterable[str], fn: HandlerFn) -> Handler:
    """Register an in-process handler in the process-wide registry; see HandlerRegistry.register.

    Handlers must be idempotent by event id: at-least-once delivery may repeat an event.
    """
    return handlers.register(name, event_types, fn)


def unregister_handler(name: str) -> None:
    handlers.unregister(name)


# --- retry policy -------------------------------------------------------------------------------
