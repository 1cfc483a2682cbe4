"""Respond (SPEC §4, R-1 … R-9): complaints, their classification, incidents and crisis levels
that act on stock and purchasing, response SLAs, remedies and templates."""
