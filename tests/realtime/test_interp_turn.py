"""TURN REST-API credentials match coturn's scheme, checked against independently computed vectors."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta, timezone

import pytest

from realtime.turn import IceServer, expires_within, ice_server_list, ice_servers, turn_credential

NOW = datetime(2024, 1, 1, tzinfo=UTC)  # 1704067200


def test_turn_credential__known_vector() -> None:
    cred = turn_credential("north-turn-secret", "interp-7", 3600, NOW)
    assert cred.username == "1704070800:interp-7"
    # `echo -n "1704070800:interp-7" | openssl dgst -sha1 -hmac north-turn-secret -binary | base64`
    assert cred.credential == "4ObFy4gc9IEmHpbf4/qqkHpFSI0="
    assert cred.expires_at == datetime(2024, 1, 1, 1, tzinfo=UTC)


def test_turn_credential__matches_hmac_sha1_computed_here() -> None:
    secret = b"\x00\x01binary-secret"
    now = datetime(2025, 6, 2, 9, 30, 15, 900_000, tzinfo=timezone(timedelta(hours=9)))
    cred = turn_credential(secret, "tablet-33202", 600, now)
    expiry = int(now.timestamp()) + 600
    username = f"{expiry}:tablet-33202"
    expected = base64.b64encode(hmac.new(secret, username.encode(), hashlib.sha1).digest()).decode()
    assert (cred.username, cred.credential) == (username, expected)
    assert expires_within(cred, now + timedelta(seconds=550), timedelta(minutes=1))
    assert not expires_within(cred, now, timedelta(minutes=1))


@pytest.mark.parametrize(
    ("user", "ttl", "secret", "now"),
    [
        ("a:b", 60, "s", NOW),
        ("", 60, "s", NOW),
        ("u", 0, "s", NOW),
        ("u", 60, "", NOW),
        ("u", 60, "s", datetime(2024, 1, 1)),  # naive
    ],
)
def test_turn_credential__bad_input__value_error(user: str, ttl: int, secret: str, now: datetime) -> None:
    with pytest.raises(ValueError):
        turn_credential(secret, user, ttl, now)


def test_ice_servers__stun_and_turn_for_the_browser() -> None:
    servers = ice_servers(
        user="user:42",
        now=NOW,
        stun_urls=["stun:127.0.0.1:3478"],
        turn_urls=["turn:127.0.0.1:3478?transport=udp", "turn:127.0.0.1:3478?transport=tcp"],
        turn_secret="north-turn-secret",
        ttl_s=3600,
    )
    expected = turn_credential("north-turn-secret", "user.42", 3600, NOW)
    assert servers == [
        {"urls": ["stun:127.0.0.1:3478"]},
        {
            "urls": ["turn:127.0.0.1:3478?transport=udp", "turn:127.0.0.1:3478?transport=tcp"],
            "username": expected.username,
            "credential": expected.credential,
        },
    ]


def test_ice_servers__loopback__empty_list() -> None:
    assert ice_servers(user="u", now=NOW) == []
    assert ice_server_list(user="u", now=NOW) == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"turn_urls": ["turn:x"]}, "turn_secret"),
        ({"stun_urls": ["turn:x"]}, "must start with"),
        ({"turn_urls": ["http://x"], "turn_secret": "s"}, "must start with"),
    ],
)
def test_ice_servers__misconfigured__value_error(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ice_servers(user="u", now=NOW, **kwargs)  # type: ignore[arg-type]


def test_ice_server__to_dict_omits_unset() -> None:
    assert IceServer(urls=("stun:a",)).to_dict() == {"urls": ["stun:a"]}
