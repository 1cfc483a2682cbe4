"""Fake Google Merchant API: productInputs:insert with the twice-a-day update limit."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from buzzstock.sim.channel_fakes.core import FakeShop, PlatformFake, problem, received


class GoogleMerchantFake(PlatformFake):
    """Holds availability per offer id; ``shop.quantities`` mirrors it as 1 / 0."""

    def __init__(
        self,
        shop: FakeShop | None = None,
        *,
        access_token: str = "ya29.test",
        account_id: str = "123456",
        daily_limit: int = 2,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.access_token = access_token
        self.account_id = account_id
        self.daily_limit = daily_limit
        self.clock = clock
        self.availability: dict[str, str] = {}
        self.inserts: dict[str, list[datetime]] = {}
        super().__init__(shop)

    def build_app(self) -> Starlette:
        return Starlette(
            routes=[
                Route(
                    "/products/v1/accounts/{account}/productInputs:insert",
                    self.insert,
                    methods=["POST"],
                ),
                Route("/products/v1/accounts/{account}/products/{name}", self.get, methods=["GET"]),
            ]
        )

    def _refused(self, request: Request) -> Response | None:
        if request.headers.get("authorization") != f"Bearer {self.access_token}":
            self.shop.auth_failures += 1
            return problem(
                401,
                {
                    "error": {
                        "code": 401,
                        "status": "UNAUTHENTICATED",
                        "message": "Request had invalid credentials.",
                    }
                },
            )
        if request.path_params["account"] != self.account_id:
            return problem(
                403, {"error": {"code": 403, "status": "PERMISSION_DENIED", "message": "account"}}
            )
        return self.throttled()

    async def insert(self, request: Request) -> Response:
        started = received(request)
        if (refused := self._refused(request)) is not None:
            return refused
        body = await request.json()
        offer = body["offerId"]
        now = self.clock()
        recent = [t for t in self.inserts.get(offer, []) if now - t < timedelta(hours=24)]
        if len(recent) >= self.daily_limit:
            return problem(
                429,
                {
                    "error": {
                        "code": 429,
                        "status": "RESOURCE_EXHAUSTED",
                        "message": "quota/daily_limit_exceeded",
                    }
                },
            )
        self.inserts[offer] = [*recent, now]
        availability = body["productAttributes"]["availability"]
        self.availability[offer] = availability
        await self.applied(started, {offer: 1 if availability == "IN_STOCK" else 0})
        return JSONResponse({"name": f"accounts/{self.account_id}/productInputs/{offer}", **body})

    async def get(self, request: Request) -> Response:
        if (refused := self._refused(request)) is not None:
            return refused
        encoded = request.path_params["name"]
        decoded = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
        offer = decoded.split("~", 2)[2]
        if offer not in self.availability:
            return problem(404, {"error": {"code": 404, "status": "NOT_FOUND", "message": offer}})
        return JSONResponse(
            {"offerId": offer, "productAttributes": {"availability": self.availability[offer]}}
        )
