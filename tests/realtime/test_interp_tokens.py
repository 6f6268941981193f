"""Room tokens: bound to room, participant and role; signed; expiring; refusals carry a reason."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from realtime.roles import ROLES, Role
from realtime.tokens import RoomClaims, TokenError, issue_room_token, verify_room_token

SECRET = b"k" * 32
OTHER = b"o" * 32
NOW = datetime(2025, 4, 1, 1, 0, tzinfo=UTC)


def b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_issue_then_verify__claims() -> None:
    token = issue_room_token(SECRET, "room-1", "interp:7", "interpreter", 120, NOW)
    claims = verify_room_token(SECRET, token, room_id="room-1", now=NOW + timedelta(seconds=119))
    assert claims == RoomClaims("room-1", "interp:7", "interpreter", NOW + timedelta(seconds=120))


def test_token_format__hmac_sha256_over_payload() -> None:
    token = issue_room_token(SECRET, "room-1", "p", "resident", 60, NOW)
    payload_b64, sig_b64 = token.split(".")
    assert json.loads(b64d(payload_b64)) == {
        "r": "room-1",
        "p": "p",
        "o": "resident",
        "e": int(NOW.timestamp()) + 60,
    }
    expected = hmac.new(SECRET, b"madoguchi.room-token.v1." + payload_b64.encode(), hashlib.sha256).digest()
    assert b64d(sig_b64) == expected
    assert "=" not in token


@settings(deadline=None)
@given(
    room=st.text(min_size=1, max_size=60),
    participant=st.text(min_size=1, max_size=60),
    role=st.sampled_from(ROLES),
    ttl=st.integers(1, 3600),
)
def test_round_trip__any_ids(room: str, participant: str, role: Role, ttl: int) -> None:
    token = issue_room_token(SECRET, room, participant, role, ttl, NOW)
    claims = verify_room_token(SECRET, token, room_id=room, now=NOW)
    assert (claims.room_id, claims.participant_id, claims.role) == (room, participant, role)


def test_expired__at_expiry_second() -> None:
    token = issue_room_token(SECRET, "r", "p", "counselor", 60, NOW)
    with pytest.raises(TokenError) as info:
        verify_room_token(SECRET, token, room_id="r", now=NOW + timedelta(seconds=60))
    assert info.value.reason == "expired"


def test_wrong_room() -> None:
    token = issue_room_token(SECRET, "r1", "p", "counselor", 60, NOW)
    with pytest.raises(TokenError) as info:
        verify_room_token(SECRET, token, room_id="r2", now=NOW)
    assert info.value.reason == "wrong_room"


def tampered_role() -> str:
    token = issue_room_token(SECRET, "r", "p", "resident", 60, NOW)
    payload_b64, sig = token.split(".")
    payload = json.loads(b64d(payload_b64))
    payload["o"] = "counselor"
    forged = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    return f"{forged}.{sig}"


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        (issue_room_token(OTHER, "r", "p", "resident", 60, NOW), "bad_signature"),
        (tampered_role(), "bad_signature"),
        (issue_room_token(SECRET, "r", "p", "resident", 60, NOW)[:-4], "bad_signature"),
        ("", "malformed"),
        ("abc", "malformed"),
        ("a.b.c", "malformed"),
        ("a.!!!", "malformed"),
        ("é.abc", "malformed"),
        ("a." + "A" * 3000, "malformed"),
    ],
    ids=["other secret", "role changed", "truncated signature", "empty", "one part", "three parts",
         "bad base64", "non-ascii", "too long"],
)  # fmt: skip
def test_refused__reason(token: str, reason: str) -> None:
    with pytest.raises(TokenError) as info:
        verify_room_token(SECRET, token, room_id="r", now=NOW)
    assert info.value.reason == reason


def test_signed_garbage_payload__malformed() -> None:
    payload_b64 = base64.urlsafe_b64encode(b'{"r": "r"}').rstrip(b"=").decode()
    sig = hmac.new(SECRET, b"madoguchi.room-token.v1." + payload_b64.encode(), hashlib.sha256).digest()
    token = payload_b64 + "." + base64.urlsafe_b64encode(sig).rstrip(b"=").decode()
    with pytest.raises(TokenError) as info:
        verify_room_token(SECRET, token, room_id="r", now=NOW)
    assert info.value.reason == "malformed"


def test_key_rotation__old_and_new_secret_accepted() -> None:
    old = issue_room_token(OTHER, "r", "p", "resident", 60, NOW)
    new = issue_room_token(SECRET, "r", "p", "resident", 60, NOW)
    for token in (old, new):
        assert verify_room_token([SECRET, OTHER], token, room_id="r", now=NOW).participant_id == "p"


@pytest.mark.parametrize(
    "call",
    [
        lambda: issue_room_token(b"short", "r", "p", "resident", 60, NOW),
        lambda: issue_room_token(SECRET, "r", "p", "resident", 0, NOW),
        lambda: issue_room_token(SECRET, "r", "p", "resident", 60, datetime(2025, 1, 1)),
        lambda: issue_room_token(SECRET, "r", "p", "janitor", 60, NOW),  # type: ignore[arg-type]
        lambda: verify_room_token([], "a.b", room_id="r", now=NOW),
    ],
    ids=["short secret", "zero ttl", "naive now", "unknown role", "no secrets"],
)
def test_misuse__value_error(call: object) -> None:
    with pytest.raises(ValueError):
        call()  # type: ignore[operator]
