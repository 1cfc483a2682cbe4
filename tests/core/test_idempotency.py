"""Idempotency keys: replay the first answer, refuse another body, recover an abandoned key."""

from __future__ import annotations

from datetime import timedelta

import pytest

from buzzstock.core import idempotency
from buzzstock.core.clock import ManualClock
from buzzstock.core.context import Context
from buzzstock.core.errors import IdempotencyInFlight, IdempotencyMismatch


def test_same_key_same_body_replays_and_other_body_is_refused(ctx: Context) -> None:
    first = idempotency.fingerprint("POST", "/api/v1/reservations", b'{"quantity": 1}')
    assert idempotency.begin(ctx, "scope", "k1", first) is None
    idempotency.finish(ctx, "scope", "k1", 201, {"id": "res_1"})
    replay = idempotency.begin(ctx, "scope", "k1", first)
    assert replay == idempotency.StoredAnswer(201, {"id": "res_1"})
    other = idempotency.fingerprint("POST", "/api/v1/reservations", b'{"quantity": 2}')
    with pytest.raises(IdempotencyMismatch):
        idempotency.begin(ctx, "scope", "k1", other)
    assert idempotency.begin(ctx, "other-scope", "k1", other) is None


def test_a_key_left_in_flight_by_a_crash_is_taken_over_after_a_minute(
    ctx: Context, clock: ManualClock
) -> None:
    body = idempotency.fingerprint("POST", "/x", b"{}")
    assert idempotency.begin(ctx, "scope", "k2", body) is None
    with pytest.raises(IdempotencyInFlight):
        idempotency.begin(ctx, "scope", "k2", body)
    clock.advance(idempotency.ABANDONED_AFTER + timedelta(seconds=1))
    assert idempotency.begin(ctx, "scope", "k2", body) is None
    with pytest.raises(IdempotencyInFlight):
        idempotency.begin(ctx, "scope", "k2", body)


def test_server_errors_are_not_stored_so_the_client_can_retry(ctx: Context) -> None:
    body = idempotency.fingerprint("POST", "/x", b"{}")
    assert idempotency.begin(ctx, "scope", "k3", body) is None
    idempotency.finish(ctx, "scope", "k3", 500, {"title": "Internal error"})
    assert idempotency.begin(ctx, "scope", "k3", body) is None
