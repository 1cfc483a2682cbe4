"""Channel credentials are write-only (issue 11): they are stored to sign and verify, never shown.

A secret is a field an adapter's configuration declares with ``Secret`` (its JSON schema says
``writeOnly``), or any settings key whose name says it holds one (``*secret*``, ``*token*``,
``*password*``, ``partner_key``, ...). Reading a channel shows each secret as ``SECRET_MASK``;
saving a channel with the mask, an empty value or no value for a secret keeps the stored one, so
a channel read back and saved again loses nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Annotated, Any

from pydantic import BaseModel, Field

SECRET_MASK = "********"
ADAPTER_KEY = "adapter"
"""The settings key that holds a channel's adapter configuration."""

Secret = Annotated[str, Field(json_schema_extra={"writeOnly": True})]
"""A credential field of an adapter configuration: stored, never shown."""

_SECRET_WORDS = ("secret", "token", "password", "passwd", "partner_key", "private_key", "api_key")

Path = tuple[str, ...]


def write_only_fields(model: type[BaseModel]) -> frozenset[str]:
    """The fields ``model`` declares as ``Secret``."""
    return frozenset(
        name
        for name, field in model.model_fields.items()
        if isinstance(field.json_schema_extra, dict) and field.json_schema_extra.get("writeOnly")
    )


def _is_secret(path: Path, adapter_secrets: frozenset[str]) -> bool:
    if len(path) == 2 and path[0] == ADAPTER_KEY and path[1] in adapter_secrets:
        return True
    name = path[-1].lower()
    return any(word in name for word in _SECRET_WORDS)


def _no_value(value: Any) -> bool:
    return value is None or value == "" or value == SECRET_MASK


def masked(settings: Mapping[str, Any], adapter_secrets: frozenset[str]) -> dict[str, Any]:
    """``settings`` with every secret replaced by the mask (an unset one stays unset)."""

    def walk(node: Mapping[str, Any], path: Path) -> dict[str, Any]:
        shown: dict[str, Any] = {}
        for key, value in node.items():
            here = (*path, str(key))
            if _is_secret(here, adapter_secrets):
                shown[key] = None if value is None or value == "" else SECRET_MASK
            elif isinstance(value, Mapping):
                shown[key] = walk(value, here)
            else:
                shown[key] = value
        return shown

    return walk(settings, ())


def secret_values(
    settings: Mapping[str, Any], adapter_secrets: frozenset[str]
) -> Iterator[tuple[Path, Any]]:
    """Every secret of ``settings`` with its path."""

    def walk(node: Mapping[str, Any], path: Path) -> Iterator[tuple[Path, Any]]:
        for key, value in node.items():
            here = (*path, str(key))
            if _is_secret(here, adapter_secrets):
                yield here, value
            elif isinstance(value, Mapping):
                yield from walk(value, here)

    return walk(settings, ())


def keep_stored(
    sent: Mapping[str, Any],
    stored: Mapping[str, Any] | None,
    adapter_secrets: frozenset[str],
) -> tuple[dict[str, Any], list[str]]:
    """The settings to save: ``sent`` with each secret that came masked, empty or missing taken
    from ``stored`` (the channel's saved settings, None for a new channel). Also returns the
    dotted names of secrets sent as the mask that have nothing stored to stand for."""
    unmatched: list[str] = []

    def walk(node: Mapping[str, Any], old: Any, path: Path) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        for key, value in node.items():
            here = (*path, str(key))
            if _is_secret(here, adapter_secrets) and _no_value(value):
                kept = old.get(key) if isinstance(old, Mapping) else None
                if not _no_value(kept):
                    merged[key] = kept
                elif value == SECRET_MASK:
                    unmatched.append(".".join(here))
                continue
            merged[key] = (
                walk(value, old.get(key) if isinstance(old, Mapping) else None, here)
                if isinstance(value, Mapping)
                else value
            )
        if isinstance(old, Mapping):
            for key, value in old.items():
                here = (*path, str(key))
                if key not in node and _is_secret(here, adapter_secrets) and not _no_value(value):
                    merged[key] = value
        return merged

    return walk(sent, stored, ()), unmatched
