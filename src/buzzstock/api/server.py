"""Running the service: the API server, with the worker's passes in a background thread."""

from __future__ import annotations

import threading

import uvicorn

from buzzstock.api.app import create_app
from buzzstock.core.context import open_context
from buzzstock.settings import load_settings
from buzzstock.worker import background_loop


def run_server(host: str, port: int, *, background: bool = True) -> None:
    ctx = open_context(load_settings())
    stop = threading.Event()
    thread = threading.Thread(target=background_loop, args=(ctx, stop), daemon=True)
    if background:
        thread.start()
    try:
        uvicorn.run(create_app(ctx), host=host, port=port, log_level="info")
    finally:
        stop.set()
        if background:
            thread.join(timeout=10)
        ctx.close()
