"""The FastAPI application: mounts every capability's router."""

from __future__ import annotations

from fastapi import FastAPI

from buzzstock import __version__
from buzzstock.api import admin, openapi, problems, shop
from buzzstock.api.api_models import Health
from buzzstock.api.middleware import RequestGuard
from buzzstock.api.nul_guard import NulGuard
from buzzstock.catalog import api as catalog_api
from buzzstock.core import idempotency
from buzzstock.core.context import Context, open_context
from buzzstock.decide import api as decide_api
from buzzstock.listen import api as listen_api
from buzzstock.settings import load_settings
from buzzstock.stock import api as stock_api
from buzzstock.stock.sync import api as sync_api


def create_app(ctx: Context) -> FastAPI:
    app = FastAPI(
        title="buzzstock",
        version=__version__,
        description="Social buzz to stock on every channel: listen, decide, stock, respond, learn.",
    )
    app.state.ctx = ctx
    problems.install(app)
    openapi.install(app)

    @app.get("/api/v1/health", tags=["admin"], response_model=Health)
    def health() -> dict[str, str]:
        return {"status": "ok", "backend": ctx.backend, "version": __version__}

    app.include_router(stock_api.router)
    app.include_router(admin.router)
    app.include_router(sync_api.router)
    app.include_router(decide_api.router)
    app.include_router(listen_api.router)
    app.include_router(catalog_api.router)
    app.include_router(shop.router)
    idempotency.watch_commits(ctx.engine)
    # Added first, so it runs inside RequestGuard: bodies reach it already bounded in size.
    app.add_middleware(NulGuard)
    app.add_middleware(RequestGuard, ctx=ctx)
    return app


def app_from_environment() -> FastAPI:
    """Factory for `uvicorn --factory`: settings from buzzstock.toml and the environment."""
    return create_app(open_context(load_settings()))
