"""Channel platform layer (SPEC §3, S-1/S-6): adapters, webhook signatures, rate limits.

The stock hub publishes absolute quantities through ``ChannelAdapter.set_quantity`` and learns
about orders through ``parse_webhook`` / ``orders_for_notification`` / ``recent_orders``.
"""

from buzzstock.channels.base import (
    Capabilities,
    ChannelAdapter,
    ChannelError,
    ChannelOrder,
    ChannelRejected,
    ChannelThrottled,
    ChannelUnavailable,
    InboundNotification,
    InvalidSignature,
    OrderStatus,
    Platform,
    PushOutcome,
    PushResult,
    QuantityUpdate,
    parse_platform,
)
from buzzstock.channels.inbound import OrderLineBook
from buzzstock.channels.latency import SyncLatencySummary, summarize_sync_latency
from buzzstock.channels.ratelimit import CostBucket, TokenBucket
from buzzstock.channels.registry import CONFIG_MODELS, build_adapter
from buzzstock.channels.settings import ChannelSettings

__all__ = [
    "CONFIG_MODELS",
    "Capabilities",
    "ChannelAdapter",
    "ChannelError",
    "ChannelOrder",
    "ChannelRejected",
    "ChannelSettings",
    "ChannelThrottled",
    "ChannelUnavailable",
    "CostBucket",
    "InboundNotification",
    "InvalidSignature",
    "OrderLineBook",
    "OrderStatus",
    "Platform",
    "PushOutcome",
    "PushResult",
    "QuantityUpdate",
    "SyncLatencySummary",
    "TokenBucket",
    "build_adapter",
    "parse_platform",
    "summarize_sync_latency",
]
