"""Every capability's tables, imported in one place so migrations see the whole schema."""

import buzzstock.catalog.store
import buzzstock.core.events
import buzzstock.stock.store  # noqa: F401
