"""The HTTP API: one router per capability under /api/v1."""
