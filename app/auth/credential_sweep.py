"""Closing the sockets of credentials taken away where no hub could hear it.

Sign-out, disabling an account and revoking a device close their sockets at once through the hub
(app/auth/revocation.py). The command line (`madoguchi admin disable-user`, `reset-password`, `revoke-device`)
runs in its own process, and a session can simply expire: nothing tells the hub. So each process, every few
seconds, reads which of the credentials its open sockets signed in with still stand (three queries, however
many sockets) and closes the sockets of those that do not. The per-frame re-check stays: it covers the
moments between sweeps.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

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

AUTH_PREFIX = "auth:"
_KINDS = {"staff": account_topic, "device": device_topic, "session": session_topic}


@dataclass(frozen=True, slots=True)
class Lapsed:
    """A revocation topic whose credential no longer stands, and the close reason its sockets get."""

    topic: str
    reason: str


def _ids(topics: Iterable[str]) -> dict[str, set[int]]:
    """The staff, device and session ids named by revocation topics (others are ignored)."""
    found: dict[str, set[int]] = {kind: set() for kind in _KINDS}
    for topic in topics:
        kind, _, number = topic.removeprefix(AUTH_PREFIX).rpartition("-")
        if topic.startswith(AUTH_PREFIX) and kind in found and number.isdigit():
            found[kind].add(int(number))
    return found


async def lapsed_credentials(db: AsyncSession, topics: Iterable[str], now: datetime) -> list[Lapsed]:
    """Of the revocation topics open sockets listen on, those whose account is disabled or gone, whose device
    is revoked, expired or gone, or whose browser session has ended or expired."""
    ids = _ids(topics)
    lapsed: list[Lapsed] = []
    if ids["staff"]:
        active = set(
            await db.scalars(select(StaffUser.id).where(StaffUser.id.in_(ids["staff"]), StaffUser.active))
        )
        lapsed += [Lapsed(account_topic(i), ACCOUNT_DISABLED) for i in sorted(ids["staff"] - active)]
    if ids["device"]:
        standing = set(
            await db.scalars(
                select(Device.id).where(
                    Device.id.in_(ids["device"]),
                    Device.revoked_at.is_(None),
                    Device.expires_at.is_(None) | (Device.expires_at > now),
                )
            )
        )
        lapsed += [Lapsed(device_topic(i), DEVICE_REVOKED) for i in sorted(ids["device"] - standing)]
    if ids["session"]:
        alive = set(
            await db.scalars(
                select(StaffSession.id).where(
                    StaffSession.id.in_(ids["session"]), StaffSession.expires_at > now
                )
            )
        )
        lapsed += [Lapsed(session_topic(i), SIGNED_OUT) for i in sorted(ids["session"] - alive)]
    return lapsed
