"""Every capability's tables, imported in one place so migrations see the whole schema."""

import buzzstock.catalog.store
import buzzstock.core.auth
import buzzstock.core.events
import buzzstock.core.idempotency
import buzzstock.decide.store
import buzzstock.listen.store
import buzzstock.stock.store
import buzzstock.stock.sync.store  # noqa: F401
