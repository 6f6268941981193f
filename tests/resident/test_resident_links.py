"""Resident link tokens: what they carry, expiry, tampering, another desk's secret, the wrong kind."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.config import Mode, Settings
from app.resident.links import (
    MAX_VALIDITY,
    LinkClaims,
    LinkExpired,
    LinkInvalid,
    LinkKind,
    issue_link,
    read_link,
)

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
SETTINGS = Settings(mode=Mode.dev, secret_key="a" * 40)


def test_link_round_trip__carries_its_claims() -> None:
    claims = LinkClaims(LinkKind.poster, municipality="33208", site="soja-counter", language="ne")
    link = read_link(SETTINGS, issue_link(SETTINGS, claims, NOW), NOW + timedelta(days=30))
    assert (link.kind, link.municipality, link.site, link.language) == (
        "poster",
        "33208",
        "soja-counter",
        "ne",
    )
    assert link.reservation_id is None
    assert link.issued_at == NOW
    assert link.expires_at == NOW + timedelta(days=365)


def test_link_reservation__keeps_its_id_and_explicit_expiry() -> None:
    ends = NOW + timedelta(days=10, hours=1)
    claims = LinkClaims(LinkKind.reservation, language="uk", reservation_id="R-42", expires_at=ends)
    link = read_link(SETTINGS, issue_link(SETTINGS, claims, NOW), NOW)
    assert (link.kind, link.reservation_id, link.expires_at) == ("reservation", "R-42", ends)


@pytest.mark.parametrize(
    ("kind", "default"),
    [(LinkKind.invite, timedelta(days=3)), (LinkKind.poster, timedelta(days=365))],
)
def test_link_expiry__expired_after_its_validity_and_still_says_its_language(
    kind: LinkKind, default: timedelta
) -> None:
    token = issue_link(SETTINGS, LinkClaims(kind, language="uk"), NOW)
    assert read_link(SETTINGS, token, NOW + default - timedelta(seconds=1)).kind is kind
    with pytest.raises(LinkExpired) as caught:
        read_link(SETTINGS, token, NOW + default)
    assert caught.value.link.language == "uk"


def test_link_tamper__any_changed_character_makes_it_invalid() -> None:
    token = issue_link(SETTINGS, LinkClaims(LinkKind.invite, language="en"), NOW)
    for i, char in enumerate(token):
        if char == ".":  # the compression marker and the separator
            continue
        # the flipped bit is the character's highest, a data bit even in a segment's last character
        flipped = B64[(B64.index(char) + 32) % 64]
        tampered = token[:i] + flipped + token[i + 1 :]
        with pytest.raises(LinkInvalid):
            read_link(SETTINGS, tampered, NOW)


def test_link_tamper__an_expired_forgery_is_invalid_not_expired() -> None:
    other = Settings(mode=Mode.dev, secret_key="b" * 40)
    token = issue_link(other, LinkClaims(LinkKind.invite), NOW)
    with pytest.raises(LinkInvalid):
        read_link(SETTINGS, token, NOW + timedelta(days=100))


@pytest.mark.parametrize("garbage", ["", "x", "...", "not-a-token.at-all", "é" * 10])
def test_link_garbage__is_invalid(garbage: str) -> None:
    with pytest.raises(LinkInvalid):
        read_link(SETTINGS, garbage, NOW)


def test_link_wrong_kind__refused_where_only_other_kinds_are_taken() -> None:
    token = issue_link(SETTINGS, LinkClaims(LinkKind.poster), NOW)
    with pytest.raises(LinkInvalid, match="poster"):
        read_link(SETTINGS, token, NOW, kinds=frozenset({LinkKind.reservation}))
    assert read_link(SETTINGS, token, NOW, kinds=frozenset({LinkKind.poster})).kind is LinkKind.poster


def test_link_issue__refuses_bad_validity_and_a_reservation_without_id() -> None:
    with pytest.raises(ValueError, match="after"):
        issue_link(SETTINGS, LinkClaims(LinkKind.invite, expires_at=NOW), NOW)
    too_long = NOW + MAX_VALIDITY[LinkKind.invite] + timedelta(seconds=1)
    with pytest.raises(ValueError, match="at most"):
        issue_link(SETTINGS, LinkClaims(LinkKind.invite, expires_at=too_long), NOW)
    with pytest.raises(ValueError, match="reservation_id"):
        issue_link(SETTINGS, LinkClaims(LinkKind.reservation), NOW)


def test_link_tokens__differ_for_the_same_claims_and_fit_a_qr_code() -> None:
    claims = LinkClaims(LinkKind.poster, municipality="33202", site="kurashiki-desk", language="pt")
    first, second = issue_link(SETTINGS, claims, NOW), issue_link(SETTINGS, claims, NOW)
    assert first != second
    assert len(first) < 200
