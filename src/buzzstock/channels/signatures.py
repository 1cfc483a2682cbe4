"""Webhook signatures and payload parsers for every platform.

S-6: each inbound delivery is verified over the RAW body bytes (never a re-serialised JSON)
with a constant-time comparison, and a missing header fails exactly like a wrong one. The
``*_signature`` helpers compute what the platform sends (the fakes sign with them; the generic
adapter signs its outbound pushes with ``standard_webhook_signature``). The ``parse_*``
functions turn each platform's real payload into an ``InboundNotification`` whose ``event_id``
is the provider's dedupe key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

from buzzstock.channels.base import (
    ChannelOrder,
    InboundNotification,
    InvalidSignature,
    OrderStatus,
    Platform,
)

STANDARD_WEBHOOK_SECRET_PREFIX = "whsec_"


def _lower(headers: Mapping[str, str]) -> dict[str, str]:
    return {key.lower(): value for key, value in headers.items()}


def _hmac_sha256(key: bytes, message: bytes) -> bytes:
    return hmac.new(key, message, hashlib.sha256).digest()


def _require_equal(expected: str, received: str | None, platform: str) -> None:
    if not received:
        raise InvalidSignature(f"{platform}: signature header missing")
    if not hmac.compare_digest(expected.encode(), received.strip().encode()):
        raise InvalidSignature(f"{platform}: signature does not match the body")


def require_fresh(stamp: Any, *, now: datetime, tolerance_seconds: float, platform: str) -> None:
    """S-6: refuse a signed delivery whose signed unix ``timestamp`` is further than the
    tolerance from now: a replay of a captured delivery, or a retry too late to trust."""
    if isinstance(stamp, bool) or not isinstance(stamp, int | float):
        raise InvalidSignature(f"{platform}: the signed body carries no unix timestamp")
    if abs(now.timestamp() - float(stamp)) > tolerance_seconds:
        raise InvalidSignature(
            f"{platform}: the signed timestamp {int(stamp)} is more than "
            f"{tolerance_seconds:g} s from now (channels.webhook_timestamp_tolerance_seconds): "
            "refused as a replay; reconciliation picks up any order it stood for"
        )


def parse_instant(value: Any) -> datetime:
    """An ISO-8601 string or unix seconds as an aware UTC datetime."""
    if isinstance(value, int | float):
        return datetime.fromtimestamp(float(value), UTC)
    if not isinstance(value, str) or not value:
        raise ValueError(f"not a timestamp: {value!r}")
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _json_object(body: bytes, platform: str) -> dict[str, Any]:
    try:
        decoded = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"{platform}: body is not JSON") from error
    if not isinstance(decoded, dict):
        raise ValueError(f"{platform}: body is not a JSON object")
    return decoded


def _aggregate(
    lines: Iterable[tuple[str, int]],
    *,
    order_id: str,
    event_id: str,
    status: OrderStatus,
    occurred_at: datetime,
    raw: Mapping[str, Any],
) -> tuple[ChannelOrder, ...]:
    """One ``ChannelOrder`` per SKU, summing lines of the same SKU."""
    totals: dict[str, int] = {}
    for sku_ref, quantity in lines:
        totals[sku_ref] = totals.get(sku_ref, 0) + quantity
    return tuple(
        ChannelOrder(
            channel_order_id=order_id,
            event_id=event_id,
            sku_ref=sku_ref,
            quantity=quantity,
            status=status,
            occurred_at=occurred_at,
            raw=raw,
        )
        for sku_ref, quantity in sorted(totals.items())
        if quantity > 0
    )


# --------------------------------------------------------------------------- Shopify


def shopify_signature(body: bytes, client_secret: str) -> str:
    """``X-Shopify-Hmac-Sha256``: base64 HMAC-SHA256 of the raw body, keyed by the client secret."""
    return base64.b64encode(_hmac_sha256(client_secret.encode(), body)).decode()


def verify_shopify(headers: Mapping[str, str], body: bytes, client_secret: str) -> None:
    received = _lower(headers).get("x-shopify-hmac-sha256")
    _require_equal(shopify_signature(body, client_secret), received, "shopify")


def shopify_order_lines(order: Mapping[str, Any]) -> list[tuple[str, int]]:
    return [
        (str(line["variant_id"]), int(line["quantity"]))
        for line in order.get("line_items", [])
        if line.get("variant_id") is not None
    ]


def parse_shopify_webhook(
    headers: Mapping[str, str], body: bytes, client_secret: str
) -> InboundNotification:
    """Verify and normalise ``orders/create|updated|cancelled`` (REST-shaped order JSON).

    Shopify signs the body only: a cancellation is an order whose signed ``cancelled_at`` is
    set, whatever the ``X-Shopify-Topic`` header says; a header that contradicts it is refused."""
    verify_shopify(headers, body, client_secret)
    lowered = _lower(headers)
    topic = lowered.get("x-shopify-topic", "")
    event_id = lowered.get("x-shopify-event-id") or lowered.get("x-shopify-webhook-id")
    if not event_id:
        raise ValueError("shopify: X-Shopify-Event-Id missing")
    payload = _json_object(body, "shopify")
    occurred_text = payload.get("updated_at") or lowered.get("x-shopify-triggered-at")
    occurred_at = parse_instant(occurred_text)
    orders: tuple[ChannelOrder, ...] = ()
    if topic.startswith("orders/"):
        # Issue 11: the topic header is not signed; what the order means comes from the body.
        cancelled = payload.get("cancelled_at") is not None
        if topic == "orders/cancelled" and not cancelled:
            raise ValueError(
                "shopify: the X-Shopify-Topic header says orders/cancelled but the signed order "
                "has no cancelled_at; the topic header is not signed, so the delivery is refused"
            )
        orders = _aggregate(
            shopify_order_lines(payload),
            order_id=str(payload["id"]),
            event_id=event_id,
            status=OrderStatus.CANCELLED if cancelled else OrderStatus.CREATED,
            occurred_at=occurred_at,
            raw=payload,
        )
    return InboundNotification(
        platform=Platform.SHOPIFY,
        event_id=event_id,
        topic=topic,
        occurred_at=occurred_at,
        orders=orders,
        raw=payload,
    )


# --------------------------------------------------------------------------- TikTok Shop

TIKTOK_ORDER_STATUS_CHANGE = 1


def tiktok_webhook_signature(body: bytes, app_key: str, app_secret: str) -> str:
    """``Authorization``: lowercase hex HMAC-SHA256(app_secret, app_key + raw body)."""
    return hmac.new(app_secret.encode(), app_key.encode() + body, hashlib.sha256).hexdigest()


def verify_tiktok(headers: Mapping[str, str], body: bytes, app_key: str, app_secret: str) -> None:
    received = _lower(headers).get("authorization")
    _require_equal(tiktok_webhook_signature(body, app_key, app_secret), received, "tiktok_shop")


def tiktok_request_signature(
    path: str, query: Mapping[str, str], body: bytes, app_secret: str
) -> str:
    """API request ``sign``: hex HMAC over secret + path + sorted query (no sign/token) + body
    + secret, keyed by the app secret."""
    pairs = "".join(
        f"{key}{query[key]}" for key in sorted(query) if key not in {"sign", "access_token"}
    )
    message = app_secret.encode() + path.encode() + pairs.encode() + body + app_secret.encode()
    return hmac.new(app_secret.encode(), message, hashlib.sha256).hexdigest()


def parse_tiktok_webhook(
    headers: Mapping[str, str],
    body: bytes,
    app_key: str,
    app_secret: str,
    *,
    now: datetime,
    tolerance_seconds: float,
) -> InboundNotification:
    """Verify and normalise a TikTok Shop push; order pushes are thin (fetch the order).

    The signature covers the body, so its ``timestamp`` is signed: a push outside the
    freshness window is refused (issue 11)."""
    verify_tiktok(headers, body, app_key, app_secret)
    payload = _json_object(body, "tiktok_shop")
    require_fresh(
        payload.get("timestamp"),
        now=now,
        tolerance_seconds=tolerance_seconds,
        platform="tiktok_shop",
    )
    event_id = str(payload.get("tts_notification_id") or "")
    if not event_id:
        raise ValueError("tiktok_shop: tts_notification_id missing")
    data = payload.get("data") or {}
    occurred_at = parse_instant(data.get("update_time") or payload.get("timestamp"))
    kind = int(payload.get("type", 0))
    to_fetch: tuple[str, ...] = ()
    if kind == TIKTOK_ORDER_STATUS_CHANGE and data.get("order_id"):
        to_fetch = (str(data["order_id"]),)
    return InboundNotification(
        platform=Platform.TIKTOK_SHOP,
        event_id=event_id,
        topic="ORDER_STATUS_CHANGE" if kind == TIKTOK_ORDER_STATUS_CHANGE else f"type_{kind}",
        occurred_at=occurred_at,
        order_ids_to_fetch=to_fetch,
        raw=payload,
    )


# --------------------------------------------------------------------------- Shopee

SHOPEE_ORDER_STATUS_PUSH = 3


def shopee_push_signature(url: str, body: bytes, partner_key: str) -> str:
    """Push ``Authorization``: hex HMAC-SHA256(partner_key, callback url + "|" + raw body)."""
    return hmac.new(partner_key.encode(), url.encode() + b"|" + body, hashlib.sha256).hexdigest()


def verify_shopee(headers: Mapping[str, str], body: bytes, url: str, partner_key: str) -> None:
    received = _lower(headers).get("authorization")
    _require_equal(shopee_push_signature(url, body, partner_key), received, "shopee")


def shopee_request_signature(
    partner_id: int,
    path: str,
    timestamp: int,
    access_token: str,
    shop_id: int,
    partner_key: str,
) -> str:
    """Shop API ``sign``: hex HMAC(partner_key, partner_id + path + timestamp + token + shop_id)."""
    base = f"{partner_id}{path}{timestamp}{access_token}{shop_id}"
    return hmac.new(partner_key.encode(), base.encode(), hashlib.sha256).hexdigest()


def parse_shopee_push(
    headers: Mapping[str, str],
    body: bytes,
    url: str,
    partner_key: str,
    *,
    now: datetime,
    tolerance_seconds: float,
) -> InboundNotification:
    """Verify and normalise a Shopee push; code 3 (order status) is thin: fetch the order.

    Shopee documents no event id, so the dedupe key is (code, shop_id, ordersn, status,
    update_time). The body's ``timestamp`` is signed: a push outside the freshness window is
    refused (issue 11)."""
    verify_shopee(headers, body, url, partner_key)
    payload = _json_object(body, "shopee")
    require_fresh(
        payload.get("timestamp"), now=now, tolerance_seconds=tolerance_seconds, platform="shopee"
    )
    code = int(payload.get("code", 0))
    data = payload.get("data") or {}
    order_sn = str(data.get("ordersn", ""))
    stamp = data.get("update_time") or payload.get("timestamp")
    event_id = f"{code}:{payload.get('shop_id')}:{order_sn}:{data.get('status', '')}:{stamp}"
    to_fetch = (order_sn,) if code == SHOPEE_ORDER_STATUS_PUSH and order_sn else ()
    return InboundNotification(
        platform=Platform.SHOPEE,
        event_id=event_id,
        topic=f"push_{code}",
        occurred_at=parse_instant(stamp),
        order_ids_to_fetch=to_fetch,
        raw=payload,
    )


# --------------------------------------------------------------------------- WooCommerce

WOOCOMMERCE_CANCELLED_STATUSES = frozenset({"cancelled", "refunded", "failed", "trash"})


def woocommerce_signature(body: bytes, secret: str) -> str:
    """``X-WC-Webhook-Signature``: base64 HMAC-SHA256 of the raw body, keyed by the secret."""
    return base64.b64encode(_hmac_sha256(secret.encode(), body)).decode()


def verify_woocommerce(headers: Mapping[str, str], body: bytes, secret: str) -> None:
    received = _lower(headers).get("x-wc-webhook-signature")
    _require_equal(woocommerce_signature(body, secret), received, "woocommerce")


def woocommerce_sku_ref(product_id: Any, variation_id: Any) -> str:
    return f"{product_id}:{variation_id}" if variation_id else str(product_id)


def woocommerce_order_lines(order: Mapping[str, Any]) -> list[tuple[str, int]]:
    return [
        (woocommerce_sku_ref(line["product_id"], line.get("variation_id")), int(line["quantity"]))
        for line in order.get("line_items", [])
    ]


def woocommerce_order_status(order: Mapping[str, Any]) -> OrderStatus:
    if order.get("status") in WOOCOMMERCE_CANCELLED_STATUSES:
        return OrderStatus.CANCELLED
    return OrderStatus.CREATED


def parse_woocommerce_webhook(
    headers: Mapping[str, str], body: bytes, secret: str, *, now: datetime
) -> InboundNotification:
    """Verify and normalise ``order.created`` / ``order.updated`` deliveries.

    WooCommerce signs the body only: an order is cancelled when its signed ``status`` says so,
    whatever the ``X-WC-Webhook-Topic`` header says; a header that contradicts it is refused.

    WooCommerce's unsigned creation ping (form body ``webhook_id=<n>``) is accepted as a
    no-op so the webhook can be saved; it carries no order."""
    lowered = _lower(headers)
    ping = parse_qs(body.decode("latin-1")) if body.startswith(b"webhook_id=") else {}
    if ping and "x-wc-webhook-signature" not in lowered:
        webhook_id = ping["webhook_id"][0]
        if not webhook_id.isdigit():
            raise ValueError("woocommerce: malformed ping")
        return InboundNotification(
            platform=Platform.WOOCOMMERCE,
            event_id=f"ping:{webhook_id}",
            topic="ping",
            occurred_at=now,
        )
    verify_woocommerce(headers, body, secret)
    event_id = lowered.get("x-wc-webhook-delivery-id")
    if not event_id:
        raise ValueError("woocommerce: X-WC-Webhook-Delivery-ID missing")
    topic = lowered.get("x-wc-webhook-topic", "")
    payload = _json_object(body, "woocommerce")
    stamp = payload.get("date_modified_gmt") or payload.get("date_created_gmt")
    occurred_at = parse_instant(stamp) if stamp else now
    orders: tuple[ChannelOrder, ...] = ()
    if topic.startswith("order."):
        # Issue 11: the topic header is not signed; what the order means comes from the body.
        lines = woocommerce_order_lines(payload)
        status = woocommerce_order_status(payload)
        if topic == "order.deleted" and lines and status is OrderStatus.CREATED:
            raise ValueError(
                "woocommerce: the X-WC-Webhook-Topic header says order.deleted but the signed "
                f"order is {payload.get('status')!r}; the topic header is not signed, so the "
                "delivery is refused"
            )
        orders = _aggregate(
            lines,
            order_id=str(payload["id"]),
            event_id=event_id,
            status=status,
            occurred_at=occurred_at,
            raw=payload,
        )
    return InboundNotification(
        platform=Platform.WOOCOMMERCE,
        event_id=event_id,
        topic=topic,
        occurred_at=occurred_at,
        orders=orders,
        raw=payload,
    )


# --------------------------------------------------------------------------- Meta


def meta_signature(body: bytes, app_secret: str) -> str:
    """``X-Hub-Signature-256``: ``sha256=`` + hex HMAC-SHA256(app_secret, raw body)."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def verify_meta(headers: Mapping[str, str], body: bytes, app_secret: str) -> None:
    received = _lower(headers).get("x-hub-signature-256")
    _require_equal(meta_signature(body, app_secret), received, "meta")


def meta_subscription_challenge(params: Mapping[str, str], verify_token: str) -> str:
    """Answer Meta's GET handshake: echo ``hub.challenge`` when the token matches."""
    token = params.get("hub.verify_token", "")
    if params.get("hub.mode") != "subscribe" or not hmac.compare_digest(
        token.encode(), verify_token.encode()
    ):
        raise InvalidSignature("meta: subscription handshake with a wrong verify token")
    return params.get("hub.challenge", "")


# --------------------------------------------------------------------------- Amazon


def parse_amazon_order_change(message_body: str, *, receipt_handle: str) -> InboundNotification:
    """Normalise an SQS message carrying an SP-API ``ORDER_CHANGE`` notification.

    There is no HMAC: trust comes from the SQS queue policy (only Amazon's notification
    principal may send). The dedupe key is ``NotificationMetadata.NotificationId``."""
    payload = _json_object(message_body.encode(), "amazon")
    metadata = payload.get("NotificationMetadata") or {}
    event_id = str(metadata.get("NotificationId") or "")
    if not event_id:
        raise ValueError("amazon: NotificationMetadata.NotificationId missing")
    topic = str(payload.get("NotificationType", ""))
    orders: tuple[ChannelOrder, ...] = ()
    occurred_at = parse_instant(payload.get("EventTime"))
    if topic == "ORDER_CHANGE":
        change = payload["Payload"]["OrderChangeNotification"]
        trigger_time = (change.get("OrderChangeTrigger") or {}).get("TimeOfOrderChange")
        if trigger_time:
            occurred_at = parse_instant(trigger_time)
        summary = change["Summary"]
        cancelled = summary.get("OrderStatus") == "Canceled"
        orders = _aggregate(
            [
                (str(item["SellerSKU"]), int(item["Quantity"]))
                for item in summary.get("OrderItems", [])
            ],
            order_id=str(change["AmazonOrderId"]),
            event_id=event_id,
            status=OrderStatus.CANCELLED if cancelled else OrderStatus.CREATED,
            occurred_at=occurred_at,
            raw=payload,
        )
    return InboundNotification(
        platform=Platform.AMAZON,
        event_id=event_id,
        topic=topic,
        occurred_at=occurred_at,
        orders=orders,
        raw=payload,
        delivery_handle=receipt_handle,
    )


# --------------------------------------------------------------------------- Standard Webhooks


def _standard_key(secret: str) -> bytes:
    encoded = secret.removeprefix(STANDARD_WEBHOOK_SECRET_PREFIX)
    try:
        return base64.b64decode(encoded, validate=True)
    except ValueError as error:
        raise ValueError("webhook secret must be whsec_ followed by base64") from error


def standard_webhook_signature(msg_id: str, timestamp: int, body: bytes, secret: str) -> str:
    """``webhook-signature``: ``v1,`` + base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")."""
    message = f"{msg_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(_hmac_sha256(_standard_key(secret), message)).decode()


def standard_webhook_headers(
    msg_id: str, timestamp: int, body: bytes, secret: str
) -> dict[str, str]:
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": standard_webhook_signature(msg_id, timestamp, body, secret),
        "content-type": "application/json",
    }


def verify_standard_webhook(
    headers: Mapping[str, str],
    body: bytes,
    secret: str,
    *,
    now: datetime,
    tolerance_seconds: float,
) -> str:
    """Verify a Standard Webhooks delivery; returns its ``webhook-id``.

    The signature header may list several space-separated signatures (secret rotation); any
    valid ``v1`` one passes. Timestamps outside the tolerance are refused (replays)."""
    lowered = _lower(headers)
    msg_id = lowered.get("webhook-id")
    stamp = lowered.get("webhook-timestamp")
    signatures = lowered.get("webhook-signature")
    if not msg_id or not stamp or not signatures:
        raise InvalidSignature("generic: webhook-id, webhook-timestamp or signature missing")
    try:
        timestamp = int(stamp)
    except ValueError as error:
        raise InvalidSignature("generic: webhook-timestamp is not unix seconds") from error
    if abs(now.timestamp() - timestamp) > tolerance_seconds:
        raise InvalidSignature("generic: webhook-timestamp outside the tolerance")
    expected = standard_webhook_signature(msg_id, timestamp, body, secret).encode()
    for candidate in signatures.split():
        if candidate.startswith("v1,") and hmac.compare_digest(expected, candidate.encode()):
            return msg_id
    raise InvalidSignature("generic: no signature matches the body")


def parse_generic_webhook(
    headers: Mapping[str, str],
    body: bytes,
    secret: str,
    *,
    now: datetime,
    tolerance_seconds: float,
) -> InboundNotification:
    """Verify and normalise a custom shop's ``order.created`` / ``order.cancelled`` event.

    Body: ``{"type": ..., "timestamp": ISO, "data": {"order_id": ..., "lines":
    [{"sku": ..., "quantity": n}, ...]}}`` (see docs/channels.md)."""
    event_id = verify_standard_webhook(
        headers, body, secret, now=now, tolerance_seconds=tolerance_seconds
    )
    payload = _json_object(body, "generic")
    topic = str(payload.get("type", ""))
    occurred_at = parse_instant(payload.get("timestamp"))
    orders: tuple[ChannelOrder, ...] = ()
    if topic in {"order.created", "order.cancelled"}:
        data = payload["data"]
        orders = _aggregate(
            [(str(line["sku"]), int(line["quantity"])) for line in data.get("lines", [])],
            order_id=str(data["order_id"]),
            event_id=event_id,
            status=OrderStatus.CANCELLED if topic == "order.cancelled" else OrderStatus.CREATED,
            occurred_at=occurred_at,
            raw=payload,
        )
    return InboundNotification(
        platform=Platform.GENERIC,
        event_id=event_id,
        topic=topic,
        occurred_at=occurred_at,
        orders=orders,
        raw=payload,
    )
