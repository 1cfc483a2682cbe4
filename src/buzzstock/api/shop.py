"""The shop file as JSON: a seller's whole set-up in one request (the same document as the file
`buzzstock catalog load` reads)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from buzzstock.api.api_models import CatalogueLoaded
from buzzstock.core.requests import Caller, Ctx
from buzzstock.shop import ShopFile, load_shop

router = APIRouter(prefix="/api/v1", tags=["catalog"])


@router.post("/catalogue", response_model=CatalogueLoaded)
def put_shop(body: ShopFile, ctx: Ctx, caller: Caller) -> dict[str, Any]:
    """Create or update a whole catalogue (the same document as the catalogue file, as JSON)."""
    caller.require("admin", "operator")
    report = load_shop(ctx, body)
    return {
        "created": report.created,
        "updated": report.updated,
        "stocked": report.stocked,
        "skipped_stock": report.skipped_stock,
        "cash": report.cash,
    }
