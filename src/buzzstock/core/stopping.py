"""Stopping long-running processes (workers) on SIGINT or SIGTERM, safely."""

from __future__ import annotations

import time
from types import FrameType

from buzzstock.core.outbox import StopSignal

STOP_POLL_SECONDS = 0.1


class SignalledStop:
    """A stop a signal handler can request safely: the handler only sets a flag (taking the lock
    of a multiprocessing event inside a handler can deadlock the thread that holds it); the
    shared event, if any, is read alongside."""

    def __init__(self, shared: StopSignal | None = None) -> None:
        self.requested = False
        self._shared = shared

    def request(self, _signum: int = 0, _frame: FrameType | None = None) -> None:
        self.requested = True

    def is_set(self) -> bool:
        return self.requested or (self._shared is not None and self._shared.is_set())

    def wait(self, timeout: float | None = None) -> bool:
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self.is_set():
            if deadline is not None and time.monotonic() >= deadline:
                return False
            time.sleep(STOP_POLL_SECONDS)
        return True
