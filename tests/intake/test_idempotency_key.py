"""The one Idempotency-Key rule: keys live in their caller's namespace, one fingerprint, one replay rule."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.auth.principal import Principal, Via
from app.errors import Conflict, InvalidField
from app.idempotency import RESIDENT, IdempotencyKey, check_replay, fingerprint, namespace_of

DEVICE_7 = Principal(role="device", via=Via.bearer, display_name="tablet", device_id=7, site_id=1)
STAFF_7 = Principal(role="counselor", via=Via.cookie, display_name="counselor", staff_user_id=7)
GATEWAY = Principal(role="phone_gateway", via=Via.bearer, display_name="phone gateway")


@pytest.mark.parametrize(
    ("caller", "namespace"),
    [(DEVICE_7, "device:7"), (STAFF_7, "staff:7"), (GATEWAY, "phone_gateway"), (None, RESIDENT)],
)
def test_namespace_of__each_caller_has_its_own(caller: Principal | None, namespace: str) -> None:
    assert namespace_of(caller) == namespace


def test_stored__same_key_of_two_callers_is_two_keys() -> None:
    device = IdempotencyKey.from_header("tablet-0001", DEVICE_7)
    staff = IdempotencyKey.from_header("tablet-0001", STAFF_7)
    assert device is not None and staff is not None
    assert device.stored != staff.stored
    assert device.stored == IdempotencyKey("device:7", "tablet-0001").stored


def test_stored__any_key_fits_the_column() -> None:
    key = IdempotencyKey("reservation", "A" * 128 + "\u00e9 any characters a SIP trunk sends")
    assert len(key.stored) <= 128 and key.stored.startswith("reservation/")


def test_from_header__no_header_is_no_key() -> None:
    assert IdempotencyKey.from_header(None, STAFF_7) is None


@pytest.mark.parametrize("header", ["short", "x" * 129, "has space 0001", "semi;colon01"])
def test_from_header__malformed_key_is_422(header: str) -> None:
    with pytest.raises(InvalidField) as raised:
        IdempotencyKey.from_header(header, None)
    assert raised.value.loc == ("header", "Idempotency-Key")


def test_fingerprint__independent_of_key_order_and_sensitive_to_values() -> None:
    at = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
    assert fingerprint({"a": 1, "b": at}) == fingerprint({"b": at, "a": 1})
    assert fingerprint({"a": 1}) != fingerprint({"a": 2})
    assert len(fingerprint({})) == 64


def test_check_replay__same_body_passes_other_body_is_409() -> None:
    print_ = fingerprint({"language": "pt"})
    check_replay(print_, print_, "consultation")
    with pytest.raises(Conflict) as raised:
        check_replay(print_, fingerprint({"language": "es"}), "consultation")
    assert "Idempotency-Key" in raised.value.message and "new consultation" in raised.value.message
