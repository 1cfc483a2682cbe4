"""Standard Webhooks signing and verification (https://www.standardwebhooks.com/).

A message carries three headers:

- ``webhook-id``: the message id, stable across retries (we send the event id), so receivers
  can deduplicate;
- ``webhook-timestamp``: unix seconds at which this attempt was signed;
- ``webhook-signature``: space-separated ``v1,<base64 signature>`` entries, where the signature is
  HMAC-SHA256 over ``f"{id}.{timestamp}.{body}"`` keyed with the base64-decoded part of the
  ``whsec_...`` secret. Several entries let a receiver accept old and new secrets during rotation.

Pure functions: the caller passes the time in.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta

from buzzstock.core.clock import utc_timestamp
from buzzstock.core.errors import DomainError, InvalidInput

SECRET_PREFIX = "whsec_"
SIGNATURE_VERSION = "v1"
DEFAULT_TOLERANCE = timedelta(minutes=5)
SECRET_BYTES = 24
MIN_SECRET_BYTES = 16
MAX_SECRET_BYTES = 64

HEADER_ID = "webhook-id"
HEADER_TIMESTAMP = "webhook-timestamp"
HEADER_SIGNATURE = "webhook-signature"


class WebhookVerificationError(DomainError):
    """A webhook message whose headers or signature do not prove it came from the secret holder."""

    status = 401
    slug = "webhook-verification-failed"
    title = "Webhook signature could not be verified"


class InvalidWebhookSecret(InvalidInput):
    slug = "invalid-webhook-secret"
    title = "The webhook secret is not valid"


def generate_secret(num_bytes: int = SECRET_BYTES) -> str:
    """A fresh ``whsec_`` secret holding ``num_bytes`` random bytes (24 by default)."""
    if not MIN_SECRET_BYTES <= num_bytes <= MAX_SECRET_BYTES:
        raise ValueError(
            f"a webhook secret holds {MIN_SECRET_BYTES} to {MAX_SECRET_BYTES} bytes, "
            f"not {num_bytes}"
        )
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(num_bytes)).decode("ascii")


def secret_key(secret: str) -> bytes:
    """The HMAC key inside a ``whsec_<base64>`` secret; raises InvalidWebhookSecret if malformed."""
    if not secret.startswith(SECRET_PREFIX):
        raise InvalidWebhookSecret(f"a webhook secret starts with {SECRET_PREFIX!r}")
    try:
        key = base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
    except (binascii.Error, ValueError) as error:
        raise InvalidWebhookSecret(
            f"the part after {SECRET_PREFIX!r} must be standard base64"
        ) from error
    if not MIN_SECRET_BYTES <= len(key) <= MAX_SECRET_BYTES:
        raise InvalidWebhookSecret(
            f"a webhook secret holds {MIN_SECRET_BYTES} to {MAX_SECRET_BYTES} bytes, "
            f"this one holds {len(key)}"
        )
    return key


def sign(secret: str, message_id: str, timestamp: int, body: str | bytes) -> str:
    """The ``v1,<base64>`` signature of one message."""
    payload = body.encode("utf-8") if isinstance(body, str) else body
    signed_content = f"{message_id}.{timestamp}.".encode() + payload
    digest = hmac.new(secret_key(secret), signed_content, hashlib.sha256).digest()
    return f"{SIGNATURE_VERSION},{base64.b64encode(digest).decode('ascii')}"


def signed_headers(
    secret: str, message_id: str, body: str | bytes, *, now: datetime
) -> dict[str, str]:
    """The three Standard Webhooks headers for sending ``body`` at ``now``."""
    timestamp = int(utc_timestamp(now))
    return {
        HEADER_ID: message_id,
        HEADER_TIMESTAMP: str(timestamp),
        HEADER_SIGNATURE: sign(secret, message_id, timestamp, body),
    }


def verify(
    secret: str | list[str],
    headers: Mapping[str, str],
    body: str | bytes,
    *,
    now: datetime,
    tolerance: timedelta = DEFAULT_TOLERANCE,
) -> str:
    """Check a received message; returns its ``webhook-id``.

    Accepts when any ``v1`` signature in the header matches any of the given secrets (compared in
    constant time) and the timestamp is within ``tolerance`` of ``now`` in either direction, which
    bounds replays. Raises WebhookVerificationError saying what was wrong otherwise.
    """
    lowered = {name.lower(): value for name, value in headers.items()}
    missing = [
        name for name in (HEADER_ID, HEADER_TIMESTAMP, HEADER_SIGNATURE) if name not in lowered
    ]
    if missing:
        raise WebhookVerificationError(f"missing header(s): {', '.join(missing)}")
    message_id = lowered[HEADER_ID]
    try:
        timestamp = int(lowered[HEADER_TIMESTAMP])
    except ValueError as error:
        raise WebhookVerificationError(
            f"{HEADER_TIMESTAMP} must be unix seconds, got {lowered[HEADER_TIMESTAMP]!r}"
        ) from error
    skew = utc_timestamp(now) - timestamp
    if abs(skew) > tolerance.total_seconds():
        direction = "old" if skew > 0 else "far in the future"
        raise WebhookVerificationError(
            f"{HEADER_TIMESTAMP} is {abs(int(skew))} s {direction}; "
            f"at most {int(tolerance.total_seconds())} s is accepted"
        )
    offered = [
        entry.partition(",")[2].encode("ascii", "replace")
        for entry in lowered[HEADER_SIGNATURE].split()
        if entry.startswith(SIGNATURE_VERSION + ",")
    ]
    if not offered:
        raise WebhookVerificationError(f"{HEADER_SIGNATURE} holds no {SIGNATURE_VERSION} signature")
    for candidate_secret in [secret] if isinstance(secret, str) else secret:
        expected = sign(candidate_secret, message_id, timestamp, body).partition(",")[2]
        expected_bytes = expected.encode("ascii")
        # Every offered entry is compared, so the time taken does not reveal which one matched.
        matches = [hmac.compare_digest(expected_bytes, signature) for signature in offered]
        if any(matches):
            return message_id
    raise WebhookVerificationError("no signature matches the body with the subscription secret")
