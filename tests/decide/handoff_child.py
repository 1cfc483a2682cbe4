"""A child process for the hand-off crash test: ships and receives the given purchase orders one
after another until it is killed (``python -m tests.decide.handoff_child URL ORDER...``)."""

from __future__ import annotations

import sys

from buzzstock.core.context import open_context
from buzzstock.decide import orders
from buzzstock.settings import Settings


def main(url: str, order_ids: list[str]) -> None:
    ctx = open_context(Settings(database_url=url), migrate=False, pool_size=1)
    print("ready", flush=True)
    for order_id in order_ids:
        shipped = orders.ship_order(ctx, order_id)
        quantity = shipped["lines"][0]["quantity"]
        orders.receive_order(ctx, order_id, {shipped["lines"][0]["sku"]: quantity // 2})
        orders.receive_order(ctx, order_id, {shipped["lines"][0]["sku"]: quantity - quantity // 2})


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
