"""D-9/L-10: what suppliers are shown, and only for their own products: the heat curve, the
2–4 week forecast, the customers' attribute requests, their own purchase orders and the
'prepare production' notices. Nothing of other suppliers, customer prices or customer data."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, insert, select

from buzzstock.catalog.service import Sku, get_entry
from buzzstock.core.clock import as_utc
from buzzstock.core.context import Context
from buzzstock.core.db import reading
from buzzstock.core.errors import InvalidInput, NotFound
from buzzstock.core.events import record
from buzzstock.core.ids import new_id
from buzzstock.decide import orders, queue
from buzzstock.decide.cash_store import start_of_day
from buzzstock.decide.events import SupplierNotice
from buzzstock.decide.forecast import DailyHeat, forecast_heat
from buzzstock.decide.matrix import Route
from buzzstock.decide.proposal import ProposalStatus
from buzzstock.decide.registry import get_supplier, skus_of_supplier, suppliers_of_sku
from buzzstock.decide.settings import DecideSettings
from buzzstock.decide.store import attribute_requests, heat_points, supplier_notices
from buzzstock.decide.suppliers import prepare_production_notice
from buzzstock.stock.service import stock_view

PREPARE_PRODUCTION = "prepare_production"


def record_heat(
    connection: Connection,
    sku: str,
    at: datetime,
    heat: float,
    source: str,
    *,
    growth: float | None = None,
    positive_share: float | None = None,
    platforms: Sequence[str] | None = None,
) -> None:
    connection.execute(
        insert(heat_points).values(
            sku=sku,
            at=at,
            heat=heat,
            growth=growth,
            positive_share=positive_share,
            platforms=None if platforms is None else list(platforms),
            source=source,
        )
    )


def add_heat(
    ctx: Context,
    sku: str,
    heat: float,
    *,
    at: datetime | None = None,
    growth: float | None = None,
    positive_share: float | None = None,
    platforms: Sequence[str] | None = None,
) -> dict[str, Any]:
    """An operator records a heat reading (the listen capability does it through events)."""
    get_entry(ctx, Sku, sku)
    if not heat >= 0:
        raise InvalidInput("heat must be >= 0")
    now = ctx.clock.now()
    with ctx.engine.begin() as connection:
        record_heat(
            connection,
            sku,
            at or now,
            heat,
            "operator",
            growth=growth,
            positive_share=positive_share,
            platforms=platforms,
        )
        notified = send_prepare_notices(connection, ctx.section(DecideSettings), sku, heat, now)
    return {"sku": sku, "heat": heat, "notified_suppliers": notified}


def latest_signal(connection: Connection, sku: str) -> dict[str, Any]:
    """The latest known positive share and platforms of a SKU, from any heat reading."""
    found: dict[str, Any] = {}
    for row in connection.execute(
        select(heat_points)
        .where(heat_points.c.sku == sku)
        .order_by(heat_points.c.at.desc(), heat_points.c.id.desc())
        .limit(50)
    ):
        if "positive_share" not in found and row.positive_share is not None:
            found["positive_share"] = row.positive_share
        if "platforms" not in found and row.platforms is not None:
            found["platforms"] = list(row.platforms)
        if "growth" not in found and row.growth is not None:
            found["growth"] = row.growth
    return found


def send_prepare_notices(
    connection: Connection, settings: DecideSettings, sku: str, heat: float, now: datetime
) -> list[str]:
    """D-9: above heat 150 each supplier of the SKU is told to prepare production, at most once
    per quiet period; each notice is a ``SupplierNotice`` event (webhooks reach the supplier)."""
    reason = prepare_production_notice(heat, settings)
    if reason is None:
        return []
    since = now - timedelta(days=settings.prepare_notice_quiet_days)
    notified = []
    for supplier in suppliers_of_sku(connection, sku):
        recent = connection.execute(
            select(supplier_notices.c.id).where(
                supplier_notices.c.supplier == supplier,
                supplier_notices.c.sku == sku,
                supplier_notices.c.kind == PREPARE_PRODUCTION,
                supplier_notices.c.at > since,
            )
        ).first()
        if recent is not None:
            continue
        notice_id = new_id("ntc")
        connection.execute(
            insert(supplier_notices).values(
                id=notice_id,
                supplier=supplier,
                sku=sku,
                kind=PREPARE_PRODUCTION,
                text=reason.text,
                heat=heat,
                at=now,
            )
        )
        record(
            connection,
            SupplierNotice(
                notice_id=notice_id,
                supplier=supplier,
                sku=sku,
                kind=PREPARE_PRODUCTION,
                heat=heat,
                threshold=settings.prepare_production_heat,
                rule="D-9",
                text=reason.text,
            ),
            now,
        )
        notified.append(supplier)
    if notified:
        queue.insert_decision(
            connection,
            kind=queue.SUPPLIER_NOTICE,
            sku=sku,
            route=Route.AUTO_EXECUTE,
            status=ProposalStatus.RECORDED,
            reasons=(reason,),
            inputs={"heat": heat, "threshold": settings.prepare_production_heat},
            result={"notified_suppliers": notified},
            now=now,
        )
    return notified


def record_attribute_requests(
    connection: Connection, sku: str, requests: Mapping[str, int], at: datetime
) -> int:
    """L-10: how many customers asked for each attribute (counts only, never who asked)."""
    stored = 0
    for attribute, mentions in sorted(requests.items()):
        name = attribute.strip()
        if not name or mentions <= 0:
            continue
        connection.execute(
            insert(attribute_requests).values(
                sku=sku, attribute=name[:200], mentions=int(mentions), at=at
            )
        )
        stored += 1
    return stored


def add_attribute_requests(ctx: Context, sku: str, requests: Mapping[str, int]) -> dict[str, Any]:
    get_entry(ctx, Sku, sku)
    if not requests or any(count <= 0 for count in requests.values()):
        raise InvalidInput("give at least one attribute with a count of at least 1", rule="L-10")
    with ctx.engine.begin() as connection:
        record_attribute_requests(connection, sku, requests, ctx.clock.now())
    return {"sku": sku, "attribute_requests": attribute_request_totals(ctx, [sku])[sku]}


def attribute_request_totals(ctx: Context, skus: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """L-10: requested attributes per SKU, most asked first."""
    totals: dict[str, list[dict[str, Any]]] = {sku: [] for sku in skus}
    with reading(ctx.engine) as connection:
        for row in connection.execute(
            select(
                attribute_requests.c.sku,
                attribute_requests.c.attribute,
                func.sum(attribute_requests.c.mentions).label("mentions"),
            )
            .where(attribute_requests.c.sku.in_(list(skus)))
            .group_by(attribute_requests.c.sku, attribute_requests.c.attribute)
        ):
            totals[row.sku].append({"attribute": row.attribute, "mentions": int(row.mentions)})
    for found in totals.values():
        found.sort(key=lambda item: (-item["mentions"], item["attribute"]))
    return totals


def _daily_heat(ctx: Context, sku: str, days: int) -> list[DailyHeat]:
    today = start_of_day(ctx.clock.now())
    since = today - timedelta(days=days - 1)
    by_day: dict[int, list[float]] = defaultdict(list)
    with reading(ctx.engine) as connection:
        for row in connection.execute(
            select(heat_points.c.at, heat_points.c.heat).where(
                heat_points.c.sku == sku, heat_points.c.at >= since
            )
        ):
            by_day[(as_utc(row.at) - today).days].append(row.heat)
    return [DailyHeat(day, sum(values) / len(values)) for day, values in sorted(by_day.items())]


def product_view(ctx: Context, sku: str) -> dict[str, Any]:
    """D-9: heat curve, forecast and attribute requests of one product (no price, no buyers)."""
    settings = ctx.section(DecideSettings)
    entry = get_entry(ctx, Sku, sku)
    history = _daily_heat(ctx, sku, settings.forecast_history_days)
    try:
        sold = sum(quota["sold"] for quota in stock_view(ctx, sku)["quotas"])
    except NotFound:
        sold = 0
    heat_days = sum(point.heat for point in history)
    per_heat = sold / heat_days if sold > 0 and heat_days > 0 else None
    forecast = forecast_heat(history, settings.supplier_forecast_weeks, per_heat)
    today = start_of_day(ctx.clock.now())
    return {
        "sku": sku,
        "name": entry["name"],
        "heat_curve": [
            {"day": (today + timedelta(days=point.day)).date().isoformat(), "heat": point.heat}
            for point in history
        ],
        "forecast": {
            "daily_growth": forecast.daily_growth,
            "weeks": [
                {"week": week.week, "average_heat": week.average_heat, "units": week.units}
                for week in forecast.weeks
            ],
        },
        "attribute_requests": attribute_request_totals(ctx, [sku])[sku],
    }


def supplier_skus(ctx: Context, supplier: str) -> list[str]:
    with reading(ctx.engine) as connection:
        return skus_of_supplier(connection, supplier)


def require_own_product(ctx: Context, supplier: str, sku: str) -> None:
    """A supplier asking about a product it does not make gets 'not found', nothing more."""
    if sku not in supplier_skus(ctx, supplier):
        raise NotFound(f"no product {sku!r} among your products")


def notices_for(ctx: Context, supplier: str, limit: int = 100) -> list[dict[str, Any]]:
    with reading(ctx.engine) as connection:
        rows = connection.execute(
            select(supplier_notices)
            .where(supplier_notices.c.supplier == supplier)
            .order_by(supplier_notices.c.at.desc(), supplier_notices.c.id.desc())
            .limit(limit)
        )
        return [
            {
                "id": row.id,
                "sku": row.sku,
                "kind": row.kind,
                "text": row.text,
                "heat": row.heat,
                "at": as_utc(row.at).isoformat(),
            }
            for row in rows
        ]


def supplier_order_view(order: dict[str, Any]) -> dict[str, Any]:
    """A purchase order as its supplier sees it: no decision, no explanation of our demand."""
    hidden = ("decision_id",)
    return {key: value for key, value in order.items() if key not in hidden}


def supplier_portal(ctx: Context, supplier: str) -> dict[str, Any]:
    """D-9: everything one supplier may see, in one document."""
    profile = get_supplier(ctx, supplier)
    return {
        "supplier": profile,
        "purchase_orders": [
            supplier_order_view(order) for order in orders.list_orders(ctx, supplier=supplier)
        ],
        "products": [product_view(ctx, sku) for sku in profile["skus"]],
        "notices": notices_for(ctx, supplier),
    }
