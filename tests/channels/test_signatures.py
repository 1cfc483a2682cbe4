"""Webhook signature verification over raw bodies, for every platform."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from buzzstock.channels.base import InvalidSignature, OrderStatus
from buzzstock.channels.signatures import (
    meta_signature,
    parse_amazon_order_change,
    parse_shopee_push,
    parse_tiktok_webhook,
    shopee_push_signature,
    shopify_signature,
    standard_webhook_headers,
    tiktok_request_signature,
    tiktok_webhook_signature,
    verify_meta,
    verify_shopee,
    verify_shopify,
    verify_standard_webhook,
    verify_tiktok,
    verify_woocommerce,
    woocommerce_signature,
)

SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()
NOW = datetime(2026, 3, 1, 20, 0, tzinfo=UTC)
URL = "https://hub.example/api/v1/channels/shopee-my/webhooks/shopee"

Verifier = Callable[[dict[str, str], bytes], object]

VERIFIERS: dict[str, tuple[Callable[[bytes], dict[str, str]], Verifier]] = {
    "shopify": (
        lambda body: {"X-Shopify-Hmac-Sha256": shopify_signature(body, "s1")},
        lambda headers, body: verify_shopify(headers, body, "s1"),
    ),
    "tiktok": (
        lambda body: {"Authorization": tiktok_webhook_signature(body, "key", "s2")},
        lambda headers, body: verify_tiktok(headers, body, "key", "s2"),
    ),
    "shopee": (
        lambda body: {"Authorization": shopee_push_signature(URL, body, "s3")},
        lambda headers, body: verify_shopee(headers, body, URL, "s3"),
    ),
    "woocommerce": (
        lambda body: {"X-WC-Webhook-Signature": woocommerce_signature(body, "s4")},
        lambda headers, body: verify_woocommerce(headers, body, "s4"),
    ),
    "meta": (
        lambda body: {"X-Hub-Signature-256": meta_signature(body, "s5")},
        lambda headers, body: verify_meta(headers, body, "s5"),
    ),
    "generic": (
        lambda body: standard_webhook_headers("msg_1", int(NOW.timestamp()), body, SECRET),
        lambda headers, body: (
            verify_standard_webhook(headers, body, SECRET, now=NOW, tolerance_seconds=300) and None
        ),
    ),
}


@pytest.mark.parametrize("platform", sorted(VERIFIERS))
@given(body=st.binary(min_size=1, max_size=200), flip=st.integers(min_value=0, max_value=199))
def test_any_changed_byte_or_missing_header_is_refused(
    platform: str, body: bytes, flip: int
) -> None:
    sign, verify = VERIFIERS[platform]
    headers = sign(body)
    verify(headers, body)
    verify({k.lower(): v for k, v in headers.items()}, body)
    position = flip % len(body)
    tampered = body[:position] + bytes([body[position] ^ 0x01]) + body[position + 1 :]
    with pytest.raises(InvalidSignature):
        verify(headers, tampered)
    with pytest.raises(InvalidSignature):
        verify({}, body)


def test_standard_webhooks_accepts_any_of_several_signatures_during_rotation() -> None:
    body = b'{"type":"order.created"}'
    headers = standard_webhook_headers("msg_2", int(NOW.timestamp()), body, SECRET)
    headers["webhook-signature"] = "v1,bm90IHRoaXMgb25l " + headers["webhook-signature"]
    assert verify_standard_webhook(headers, body, SECRET, now=NOW, tolerance_seconds=300) == (
        "msg_2"
    )
    stale = standard_webhook_headers("msg_3", int(NOW.timestamp()) - 301, body, SECRET)
    with pytest.raises(InvalidSignature):
        verify_standard_webhook(stale, body, SECRET, now=NOW, tolerance_seconds=300)


def test_tiktok_request_sign_ignores_sign_and_token_and_sorts_params() -> None:
    query = {"timestamp": "1700000000", "app_key": "k", "shop_cipher": "c"}
    sign = tiktok_request_signature("/p", query, b"{}", "sec")
    noisy = {**query, "sign": "x", "access_token": "t"}
    assert tiktok_request_signature("/p", noisy, b"{}", "sec") == sign
    assert sign == sign.lower() and len(sign) == 64


def test_tiktok_and_shopee_pushes_parse_to_thin_notifications() -> None:
    body = json.dumps(
        {
            "type": 1,
            "tts_notification_id": "n-1",
            "shop_id": "7",
            "timestamp": 1700000000,
            "data": {"order_id": "5761", "order_status": "CANCELLED", "update_time": 1700000001},
        }
    ).encode()
    headers = {"Authorization": tiktok_webhook_signature(body, "key", "s2")}
    now = datetime.fromtimestamp(1700000060, UTC)
    tiktok = parse_tiktok_webhook(headers, body, "key", "s2", now=now, tolerance_seconds=300)
    assert (tiktok.event_id, tiktok.order_ids_to_fetch) == ("n-1", ("5761",))
    push = json.dumps(
        {
            "data": {"ordersn": "220101ABC", "status": "READY_TO_SHIP", "update_time": 1700000002},
            "shop_id": 88,
            "code": 3,
            "timestamp": 1700000003,
        }
    ).encode()
    shopee = parse_shopee_push(
        {"authorization": shopee_push_signature(URL, push, "s3")},
        push,
        URL,
        "s3",
        now=now,
        tolerance_seconds=300,
    )
    assert shopee.event_id == "3:88:220101ABC:READY_TO_SHIP:1700000002"
    assert shopee.order_ids_to_fetch == ("220101ABC",)


def test_amazon_order_change_from_the_published_example() -> None:
    message = json.dumps(
        {
            "NotificationVersion": "1.0",
            "NotificationType": "ORDER_CHANGE",
            "PayloadVersion": "1.0",
            "EventTime": "2020-01-11T00:09:53.109Z",
            "Payload": {
                "OrderChangeNotification": {
                    "NotificationLevel": "OrderLevel",
                    "SellerId": "A3TH9S8BH6GOGM",
                    "AmazonOrderId": "903-8868176-2219830",
                    "OrderChangeType": "BuyerRequestedChange",
                    "OrderChangeTrigger": {
                        "TimeOfOrderChange": "2022-11-29T19:42:04.284Z",
                        "ChangeReason": "Buyer Requested Cancel",
                    },
                    "Summary": {
                        "MarketplaceId": "ATVPDKIKX0DER",
                        "OrderStatus": "Unshipped",
                        "PurchaseDate": "2022-07-13T19:42:04.284Z",
                        "DestinationPostalCode": "48110",
                        "FulfillmentType": "MFN",
                        "OrderType": "StandardOrder",
                        "OrderItems": [
                            {
                                "OrderItemId": "OIID34853450",
                                "SellerSKU": "SellerSKUID1",
                                "Quantity": 10,
                                "IsBuyerRequestedCancel": True,
                            }
                        ],
                    },
                }
            },
            "NotificationMetadata": {
                "ApplicationId": "app-id",
                "SubscriptionId": "sub-id",
                "PublishTime": "2020-07-13T19:42:04.284Z",
                "NotificationId": "d0e9e693-c3ad-4373-979f-ed4ec98dd746",
            },
        }
    )
    notification = parse_amazon_order_change(message, receipt_handle="rh")
    assert notification.event_id == "d0e9e693-c3ad-4373-979f-ed4ec98dd746"
    [line] = notification.orders
    assert (line.sku_ref, line.quantity, line.status) == ("SellerSKUID1", 10, OrderStatus.CREATED)
    assert line.occurred_at == datetime(2022, 11, 29, 19, 42, 4, 284000, tzinfo=UTC)
