"""buzzstock: a social-media-driven flexible supply chain for small cross-border sellers."""

__version__ = "0.1.0"
