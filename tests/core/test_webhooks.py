"""Standard Webhooks signing: interoperable with other implementations, and strict on receipt."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from buzzstock.core.errors import InvalidInput
from buzzstock.core.webhooks import (
    HEADER_ID,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    InvalidWebhookSecret,
    WebhookVerificationError,
    generate_secret,
    secret_key,
    sign,
    signed_headers,
    verify,
)

# The example published with the Standard Webhooks reference libraries (svix test suites).
REFERENCE_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
REFERENCE_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
REFERENCE_TIMESTAMP = 1614265330
REFERENCE_BODY = '{"test": 2432232314}'
REFERENCE_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

NOW = datetime(2026, 3, 1, 20, 0, tzinfo=UTC)


def test_signature_matches_the_reference_implementation() -> None:
    assert sign(REFERENCE_SECRET, REFERENCE_ID, REFERENCE_TIMESTAMP, REFERENCE_BODY) == (
        REFERENCE_SIGNATURE
    )
    headers = {
        HEADER_ID: REFERENCE_ID,
        HEADER_TIMESTAMP: str(REFERENCE_TIMESTAMP),
        HEADER_SIGNATURE: REFERENCE_SIGNATURE,
    }
    sent_at = datetime.fromtimestamp(REFERENCE_TIMESTAMP, UTC)
    assert verify(REFERENCE_SECRET, headers, REFERENCE_BODY, now=sent_at) == REFERENCE_ID


def test_generated_secrets_are_fresh_whsec_base64() -> None:
    first, second = generate_secret(), generate_secret()
    assert first != second
    assert first.startswith("whsec_")
    assert len(base64.b64decode(first.removeprefix("whsec_"))) == 24
    assert len(secret_key(generate_secret(32))) == 32


@pytest.mark.parametrize(
    "secret", ["MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_not base64!", "whsec_YWJj", "whsec_"]
)
def test_malformed_secrets_are_refused_as_invalid_input(secret: str) -> None:
    with pytest.raises(InvalidWebhookSecret) as refused:
        secret_key(secret)
    assert isinstance(refused.value, InvalidInput)


@given(
    body=st.text(max_size=300),
    message_id=st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_", min_size=1, max_size=40),
    skew=st.integers(min_value=-300, max_value=300),
)
def test_any_signed_message_verifies_within_tolerance(
    body: str, message_id: str, skew: int
) -> None:
    secret = REFERENCE_SECRET
    headers = signed_headers(secret, message_id, body, now=NOW)
    assert verify(secret, headers, body, now=NOW + timedelta(seconds=skew)) == message_id


def _headers(body: str = '{"a":1}') -> dict[str, str]:
    return signed_headers(REFERENCE_SECRET, "evt_1", body, now=NOW)


def test_tampered_body_is_refused() -> None:
    with pytest.raises(WebhookVerificationError, match="no signature matches"):
        verify(REFERENCE_SECRET, _headers('{"a":1}'), '{"a":2}', now=NOW)


def test_wrong_secret_is_refused_and_rotation_accepts_either() -> None:
    other = generate_secret()
    with pytest.raises(WebhookVerificationError):
        verify(other, _headers(), '{"a":1}', now=NOW)
    assert verify([other, REFERENCE_SECRET], _headers(), '{"a":1}', now=NOW) == "evt_1"


def test_changed_message_id_is_refused() -> None:
    headers = {**_headers(), HEADER_ID: "evt_2"}
    with pytest.raises(WebhookVerificationError):
        verify(REFERENCE_SECRET, headers, '{"a":1}', now=NOW)


@pytest.mark.parametrize(
    ("offset", "words"), [(timedelta(minutes=6), "old"), (-timedelta(minutes=6), "future")]
)
def test_timestamps_outside_tolerance_are_refused(offset: timedelta, words: str) -> None:
    with pytest.raises(WebhookVerificationError, match=words):
        verify(REFERENCE_SECRET, _headers(), '{"a":1}', now=NOW + offset)
    assert verify(
        REFERENCE_SECRET, _headers(), '{"a":1}', now=NOW + offset, tolerance=timedelta(minutes=7)
    )


def test_one_valid_signature_among_several_is_enough_and_header_case_is_ignored() -> None:
    headers = _headers()
    good = headers[HEADER_SIGNATURE]
    received = {
        "Webhook-Id": headers[HEADER_ID],
        "Webhook-Timestamp": headers[HEADER_TIMESTAMP],
        "Webhook-Signature": f"v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= v1a,xyz {good}",
    }
    assert verify(REFERENCE_SECRET, received, b'{"a":1}', now=NOW) == "evt_1"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({HEADER_SIGNATURE: None}, "missing header"),
        ({HEADER_TIMESTAMP: "yesterday"}, "unix seconds"),
        ({HEADER_SIGNATURE: "v2,abc"}, "no v1 signature"),
    ],
)
def test_malformed_headers_are_refused_with_a_clear_reason(
    change: dict[str, str | None], message: str
) -> None:
    headers: dict[str, str] = {}
    for name, value in {**_headers(), **change}.items():
        if value is not None:
            headers[name] = value
    with pytest.raises(WebhookVerificationError, match=message):
        verify(REFERENCE_SECRET, headers, '{"a":1}', now=NOW)
