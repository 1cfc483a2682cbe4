"""Every capability's in-process event handlers, registered in one place.

Each process that dispatches the outbox (the server's background loop, `buzzstock worker`, the
demo) calls ``register_all`` first, so every worker serves the same consumers.
"""

from buzzstock.decide.handlers import register_decide_handlers


def register_all() -> None:
    register_decide_handlers()
