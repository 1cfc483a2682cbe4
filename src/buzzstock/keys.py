"""API keys that belong to someone: a channel key to a catalogue channel, a supplier key to one
of decide's suppliers.

``core.auth`` makes and checks keys but reads no capability, so the owner named for a key is
checked here, above catalog and decide, before the key is made: a key for a channel or supplier
that does not exist would let nobody in and hide the typo until an order goes missing.
"""

from __future__ import annotations

from buzzstock.catalog.service import Channel, list_entries
from buzzstock.core import auth
from buzzstock.core.context import Context
from buzzstock.core.errors import InvalidInput
from buzzstock.decide import service as decide

SHOWN_OWNERS = 20


def _listed(codes: list[str]) -> str:
    shown = ", ".join(codes[:SHOWN_OWNERS])
    return shown + (f" and {len(codes) - SHOWN_OWNERS} more" if len(codes) > SHOWN_OWNERS else "")


def create_key(
    ctx: Context,
    name: str,
    role: str,
    *,
    channel: str | None = None,
    supplier: str | None = None,
) -> tuple[str, str]:
    """``core.auth.create_key`` once the key's channel or supplier is known to exist; returns
    (key id, secret key). InvalidInput names the owners there are, and no key is made."""
    if role == "channel" and channel:
        codes = [str(entry["code"]) for entry in list_entries(ctx, Channel)]
        if channel not in codes:
            raise InvalidInput(
                f"no channel {channel!r}: a channel key belongs to a channel of the catalogue "
                f"({_listed(codes) or 'none yet: load the catalogue first'})"
            )
    if role == "supplier" and supplier:
        codes = [str(entry["code"]) for entry in decide.list_suppliers(ctx)]
        if supplier not in codes:
            raise InvalidInput(
                f"no supplier {supplier!r}: a supplier key belongs to a known supplier "
                f"({_listed(codes) or 'none yet: add one with POST /api/v1/suppliers'})"
            )
    return auth.create_key(ctx, name, role, channel=channel, supplier=supplier)
