"""The credential sweep's question, against the database: which of the revocation topics open sockets listen
on belong to a credential that no longer stands (a disabled account, a revoked or expired device, an ended or
expired browser session), with the close reason each gets. One query per kind, however many sockets."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.credential_sweep import Lapsed, lapsed_credentials
from app.auth.revocation import (
    ACCOUNT_DISABLED,
    DEVICE_REVOKED,
    SIGNED_OUT,
    account_topic,
    device_topic,
    session_topic,
)
from app.device.models import Device
from app.staff.models import StaffSession, StaffUser
from tests.conftest import TEST_NOW


async def _id(db: AsyncSession, query: object) -> int:
    value = await db.scalar(query)  # type: ignore[call-overload]
    assert isinstance(value, int)
    return value


def _session(user_id: int, name: str, expires_in: timedelta) -> StaffSession:
    return StaffSession(
        token_hash=name.ljust(64, "0"),
        csrf_token="c" * 64,
        staff_user_id=user_id,
        expires_at=TEST_NOW + expires_in,
    )


async def test_lapsed__each_kind_of_credential_and_only_those(
    db: AsyncSession, auth: dict[str, dict[str, str]]
) -> None:
    counselor = await _id(db, select(StaffUser.id).where(StaffUser.username == "counselor"))
    admin = await _id(db, select(StaffUser.id).where(StaffUser.username == "admin"))
    desk = await _id(db, select(Device.id).where(Device.name == "desk_device"))
    soja = await _id(db, select(Device.id).where(Device.name == "soja_device"))
    live, expired = (
        _session(admin, "live", timedelta(hours=1)),
        _session(admin, "expired", -timedelta(seconds=1)),
    )
    db.add_all([live, expired])
    await db.flush()
    await db.execute(update(StaffUser).where(StaffUser.id == counselor).values(active=False))
    await db.execute(update(Device).where(Device.id == desk).values(revoked_at=TEST_NOW))
    await db.commit()
    ended = 987_654  # a session row that no longer exists (signed out in another process)

    topics = [
        account_topic(counselor),
        account_topic(admin),
        device_topic(desk),
        device_topic(soja),
        session_topic(live.id),
        session_topic(expired.id),
        session_topic(ended),
        "queue",  # not a credential: ignored
        "auth:staff-x",  # malformed: ignored
    ]
    lapsed = await lapsed_credentials(db, topics, TEST_NOW)
    assert sorted(lapsed, key=lambda g: g.topic) == sorted(
        [
            Lapsed(account_topic(counselor), ACCOUNT_DISABLED),
            Lapsed(device_topic(desk), DEVICE_REVOKED),
            Lapsed(session_topic(expired.id), SIGNED_OUT),
            Lapsed(session_topic(ended), SIGNED_OUT),
        ],
        key=lambda g: g.topic,
    )


async def test_lapsed__a_device_past_its_expiry(db: AsyncSession, auth: dict[str, dict[str, str]]) -> None:
    soja = await _id(db, select(Device.id).where(Device.name == "soja_device"))
    await db.execute(update(Device).where(Device.id == soja).values(expires_at=TEST_NOW))
    await db.commit()
    assert await lapsed_credentials(db, [device_topic(soja)], TEST_NOW - timedelta(seconds=1)) == []
    assert await lapsed_credentials(db, [device_topic(soja)], TEST_NOW) == [
        Lapsed(device_topic(soja), DEVICE_REVOKED)
    ]


async def test_lapsed__nothing_to_ask_without_auth_topics(db: AsyncSession) -> None:
    assert await lapsed_credentials(db, ["queue", "room:x"], TEST_NOW) == []
