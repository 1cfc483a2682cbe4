"""Every capability's due jobs, run on each pass of a worker (``buzzstock worker``, the server's
background loop, the demo) beside the outbox dispatcher."""

from __future__ import annotations

from datetime import timedelta

from buzzstock.catalog import service as catalog
from buzzstock.channels.settings import ChannelSettings
from buzzstock.core import idempotency
from buzzstock.core.context import Context
from buzzstock.decide import service as decide
from buzzstock.stock import service as stock


def run_due_jobs(ctx: Context) -> int:
    """Release expired holds (S-4), apply the live-sale velocity rules to SKUs selling now
    (S-5), send auto-executed orders whose undo window passed (D-6), forget Idempotency-Keys past
    their retention, processed webhook deliveries past theirs (S-6) and channel secrets
    replaced longer ago than their grace window; returns how much was done."""
    done = stock.release_expired(ctx)
    done += idempotency.expire(ctx)
    done += stock.expire_inbox(ctx)
    grace = timedelta(seconds=ctx.section(ChannelSettings).secret_grace_seconds)
    done += catalog.forget_retired_secrets(ctx, ctx.clock.now() - grace)
    for sku in stock.skus_selling_now(ctx):
        done += len(stock.evaluate_live_rules(ctx, sku))
    done += len(decide.send_due_decisions(ctx))
    return done
