"""Webhook subscriptions: the HTTP consumers the outbox dispatcher POSTs events to.

Adding one validates its URL and event types and stores a signing secret (Standard Webhooks,
``buzzstock.core.webhooks``); removing one keeps the row (inactive) and dead-letters what was
still waiting for it.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import insert, select, true, update

from buzzstock.core.clock import as_utc
from buzzstock.core.context import Context
from buzzstock.core.errors import InvalidInput, NotFound
from buzzstock.core.events import outbox_deliveries, webhook_subscriptions
from buzzstock.core.handler_registry import clean_event_types, event_type_matches
from buzzstock.core.ids import new_id
from buzzstock.core.outbox import DEAD, PENDING, WEBHOOK_PREFIX
from buzzstock.core.webhooks import generate_secret, secret_key

MAX_URL_CHARS = 2000


@dataclass(frozen=True)
class Subscription:
    """An HTTP subscriber. The secret is shown once, when the subscription is created."""

    id: str
    url: str
    event_types: list[str]
    active: bool
    created_at: datetime


def _validate_url(url: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > MAX_URL_CHARS:
        raise InvalidInput(
            f"webhook url {url!r} must be an absolute http(s) URL with a host, "
            f"at most {MAX_URL_CHARS} characters"
        )
    return url


def check_known_event_types(event_types: Sequence[str], known: Collection[str]) -> None:
    """Each type or pattern must match at least one of the ``known`` event types: a typo
    (``OrderConfirmd``) would otherwise subscribe to nothing and stay silent for ever.
    InvalidInput lists the known types and suggests the closest."""
    unmatched = [
        item
        for item in event_types
        if not any(event_type_matches([item], event_type) for event_type in known)
    ]
    if not unmatched:
        return
    hints = []
    for item in unmatched:
        close = difflib.get_close_matches(item, sorted(known), n=1)
        hints.append(f"{item!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
    raise InvalidInput(
        f"unknown event type(s) {', '.join(hints)}: no event matches; the event types are "
        f"{', '.join(sorted(known))} (patterns such as 'PurchaseOrder*' and '*' work too)"
    )


def add_subscription(
    ctx: Context,
    url: str,
    event_types: Sequence[str],
    secret: str | None = None,
    *,
    known_types: Collection[str] | None = None,
) -> tuple[str, str]:
    """Subscribe ``url`` to events of the given types (``["*"]`` for all); returns (id, secret).

    Without ``secret`` a fresh ``whsec_`` secret is generated. With ``known_types`` every type
    or pattern must match one of them (``check_known_event_types``). Only events recorded after
    the subscription exists are sent to it. Bad input raises InvalidInput and changes nothing.
    """
    clean_url = _validate_url(url)
    types = clean_event_types(event_types)
    if known_types is not None:
        check_known_event_types(types, known_types)
    if secret is None:
        secret = generate_secret()
    else:
        secret_key(secret)
    subscription_id = new_id("whs")
    with ctx.engine.begin() as connection:
        connection.execute(
            insert(webhook_subscriptions).values(
                id=subscription_id,
                url=clean_url,
                secret=secret,
                event_types=list(types),
                active=True,
                created_at=as_utc(ctx.clock.now()),
            )
        )
    return subscription_id, secret


def list_subscriptions(ctx: Context, *, include_removed: bool = False) -> list[Subscription]:
    """Subscriptions, oldest first; removed ones only when asked."""
    query = select(webhook_subscriptions).order_by(
        webhook_subscriptions.c.created_at, webhook_subscriptions.c.id
    )
    if not include_removed:
        query = query.where(webhook_subscriptions.c.active == true())
    with ctx.engine.connect() as connection:
        rows = connection.execute(query).mappings().all()
    return [
        Subscription(
            id=row["id"],
            url=row["url"],
            event_types=list(row["event_types"]),
            active=bool(row["active"]),
            created_at=as_utc(row["created_at"]),
        )
        for row in rows
    ]


def remove_subscription(ctx: Context, subscription_id: str) -> int:
    """Stop sending to a subscription; returns how many undelivered deliveries were dead-lettered.

    The row is kept (inactive) so its dead letters stay explainable. Pending deliveries become
    dead letters with a reason; one already in flight may still arrive once. Raises NotFound for
    an unknown or already removed id.
    """
    now = as_utc(ctx.clock.now())
    with ctx.engine.begin() as connection:
        removed = connection.execute(
            update(webhook_subscriptions)
            .where(
                webhook_subscriptions.c.id == subscription_id,
                webhook_subscriptions.c.active == true(),
            )
            .values(active=False)
        ).rowcount
        if removed == 0:
            raise NotFound(f"no active webhook subscription {subscription_id!r}")
        return connection.execute(
            update(outbox_deliveries)
            .where(
                outbox_deliveries.c.consumer == WEBHOOK_PREFIX + subscription_id,
                outbox_deliveries.c.state == PENDING,
            )
            .values(
                state=DEAD,
                next_attempt_at=now,
                last_error="subscription removed before delivery",
            )
        ).rowcount
