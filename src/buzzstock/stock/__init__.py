"""Stock hub: one pool per SKU sold on every channel with zero oversell (SPEC §3)."""
