"""The documented ranges of the numbers accepted at the edge (API, CLI, files).

Every stock and purchasing counter is stored in an INTEGER column (32-bit on PostgreSQL), so
every count a request may carry fits well inside it, and a sum of many accepted counts that
would not fit is refused by the database and answered 422 (docs/api.md, "Ranges").
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

INT32_MAX = 2**31 - 1
"""The largest value of an INTEGER column on PostgreSQL."""

MAX_UNITS = 100_000_000
"""The most units one request may receive, order, move or publish."""

MAX_DAYS = 365
"""The longest span in days a request may name (lead times, due dates)."""

MAX_ATTRIBUTE_REQUESTS = 1_000_000
"""The most requests for one attribute one call may record (L-10)."""

Units = Annotated[int, Field(strict=True, ge=1, le=MAX_UNITS)]
"""A positive count of units, 1 to 100,000,000."""

Code = Annotated[str, Field(min_length=1, max_length=80)]
"""A catalogue code (SKU, channel, region, supplier)."""
