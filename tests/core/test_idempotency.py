"""Idempotency keys: replay the first answer, refuse another body, recover an abandoned key
only when that cannot repeat a change, and forget keys past their retention."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from buzzstock.core import idempotency
from buzzstock.core.clock import ManualClock
from buzzstock.core.context import Context
from buzzstock.core.errors import IdempotencyAnswerLost, IdempotencyInFlight, IdempotencyMismatch
from buzzstock.core.idempotency import Claim, StoredAnswer, idempotency_keys


def _claimed(ctx: Context, key: str, fingerprint: str) -> Claim:
    claimed = idempotency.begin(ctx, "scope", key, fingerprint)
    assert isinstance(claimed, Claim)
    return claimed


def _past_takeover(ctx: Context, clock: ManualClock) -> None:
    clock.advance(timedelta(seconds=ctx.settings.api.idempotency_takeover_seconds + 1))


def _change_something(ctx: Context, claim: Claim) -> None:
    """A route's committing transaction, run as the request that holds ``claim``."""
    idempotency.watch_commits(ctx.engine)
    token = idempotency.running(claim)
    try:
        with ctx.engine.begin() as connection:
            connection.execute(select(1))
    finally:
        idempotency.done_running(token)


def test_same_key_same_body_replays_byte_for_byte_and_other_body_is_refused(
    ctx: Context,
) -> None:
    first = idempotency.fingerprint("POST", "/api/v1/reservations", b'{"quantity": 1}')
    claim = _claimed(ctx, "k1", first)
    idempotency.finish(ctx, claim, 201, b'{"id":"res_1"}', "application/json")
    replay = idempotency.begin(ctx, "scope", "k1", first)
    assert replay == StoredAnswer(201, b'{"id":"res_1"}', "application/json")
    other = idempotency.fingerprint("POST", "/api/v1/reservations", b'{"quantity": 2}')
    with pytest.raises(IdempotencyMismatch):
        idempotency.begin(ctx, "scope", "k1", other)
    assert isinstance(idempotency.begin(ctx, "other-scope", "k1", other), Claim)


def test_a_key_left_by_a_crash_before_any_change_is_taken_over(
    ctx: Context, clock: ManualClock
) -> None:
    body = idempotency.fingerprint("POST", "/x", b"{}")
    _claimed(ctx, "k2", body)
    with pytest.raises(IdempotencyInFlight):
        idempotency.begin(ctx, "scope", "k2", body)
    _past_takeover(ctx, clock)
    _claimed(ctx, "k2", body)
    with pytest.raises(IdempotencyInFlight):
        idempotency.begin(ctx, "scope", "k2", body)


def test_a_key_whose_change_committed_is_never_run_again_after_a_crash(
    ctx: Context, clock: ManualClock
) -> None:
    body = idempotency.fingerprint("POST", "/x", b"{}")
    _change_something(ctx, _claimed(ctx, "k4", body))
    _past_takeover(ctx, clock)
    with pytest.raises(IdempotencyAnswerLost):
        idempotency.begin(ctx, "scope", "k4", body)


def test_a_route_that_finds_its_own_change_again_is_rerun_after_a_crash(
    ctx: Context, clock: ManualClock
) -> None:
    body = idempotency.fingerprint("POST", "/api/v1/reservations", b"{}")
    claim = _claimed(ctx, "k5", body)
    claim.reruns_safely = True
    _change_something(ctx, claim)
    _past_takeover(ctx, clock)
    assert isinstance(idempotency.begin(ctx, "scope", "k5", body), Claim)


def test_server_errors_of_requests_that_changed_nothing_are_forgotten(ctx: Context) -> None:
    body = idempotency.fingerprint("POST", "/x", b"{}")
    claim = _claimed(ctx, "k3", body)
    idempotency.finish(ctx, claim, 500, b"{}", "application/problem+json")
    assert isinstance(idempotency.begin(ctx, "scope", "k3", body), Claim)


def test_keys_past_their_retention_are_deleted_by_the_job(ctx: Context, clock: ManualClock) -> None:
    body = idempotency.fingerprint("POST", "/x", b"{}")
    for key in ("old-1", "old-2"):
        idempotency.finish(ctx, _claimed(ctx, key, body), 201, b"{}", "application/json")
    clock.advance(timedelta(hours=ctx.settings.api.idempotency_ttl_hours, seconds=1))
    _claimed(ctx, "fresh", body)

    assert idempotency.expire(ctx) == 2
    assert idempotency.expire(ctx) == 0
    with ctx.engine.connect() as connection:
        left = connection.execute(select(idempotency_keys.c.key)).scalars().all()
    assert left == ["fresh"]
