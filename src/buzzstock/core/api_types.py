"""Field types the API's response models share: moments and days as the services write them
(ISO 8601 strings), so a response model passes them through byte for byte."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

Timestamp = Annotated[
    str,
    Field(
        json_schema_extra={"format": "date-time"},
        examples=["2026-03-01T20:00:00+00:00"],
    ),
]
"""A moment with its UTC offset (ISO 8601 / RFC 3339)."""

Day = Annotated[str, Field(json_schema_extra={"format": "date"}, examples=["2026-03-01"])]
"""A calendar day (UTC), ISO 8601."""
