"""The demo: the seed's multi-platform live sale run through the real hub."""
