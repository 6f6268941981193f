"""The phone bridge's way into the app's rooms (app/phone/room_link.py), on SQLite and PostgreSQL.

No browser here: who else is in the call does not matter for following the case, joining, the phone call leg,
or giving up when the case ends without a call (the browser test covers media).
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.consultation.models import CallLeg, Consultation
from app.enums import CallRole
from app.phone.room_link import phone_bridge
from realtime.peers.phone_bridge import PhoneBridgeError
from realtime.peers.rtc import loopback_candidates
from realtime.testing.tone_call import ToneCall

ENGLISH_BY_PHONE = {"channel": "phone", "language": "en", "resident_municipality": "33202"}


async def _phone_case(client: AsyncClient, headers: dict[str, str], key: str) -> str:
    created = await client.post(
        "/api/v1/consultations", json=ENGLISH_BY_PHONE, headers={**headers, "Idempotency-Key": key}
    )
    assert created.status_code == 201, created.text
    case_id: str = created.json()["id"]
    return case_id


async def _phone_legs(db: AsyncSession, case_id: str) -> list[CallLeg]:
    db.expire_all()
    return list(
        (
            await db.scalars(
                select(CallLeg)
                .join(Consultation, Consultation.id == CallLeg.consultation_id)
                .where(Consultation.public_id == case_id, CallLeg.role == CallRole.phone)
            )
        ).all()
    )


async def test_join__unknown_consultation_is_refused(app_and_client: tuple[Any, AsyncClient]) -> None:
    app, _ = app_and_client
    bridge = phone_bridge(app, ToneCall())
    try:
        with pytest.raises(PhoneBridgeError) as refused:
            await bridge.join("no-such-case")
        assert refused.value.code == "room_not_found"
    finally:
        await bridge.close()


async def test_join__waits_in_the_queue_hearing_positions_and_gives_up_when_the_case_is_cancelled(
    app_and_client: tuple[Any, AsyncClient], auth: dict[str, dict[str, str]]
) -> None:
    app, client = app_and_client
    case_id = await _phone_case(client, auth["desk_staff"], "phone-queue-0001")  # no counselor is available
    positions: list[tuple[int, int | None]] = []
    statuses: list[str] = []
    line = ToneCall()
    bridge = phone_bridge(
        app, line, on_queue=lambda p, w: positions.append((p, w)), on_status=statuses.append
    )
    try:
        bridge.play_hold_music()
        joining = asyncio.create_task(bridge.join(case_id))
        await asyncio.sleep(0.2)
        assert not joining.done()
        assert positions and positions[0][0] == 1  # where the caller stands, for the wait announcements
        cancelled = await client.post(
            f"/api/v1/consultations/{case_id}/cancel", json={}, headers=auth["admin"]
        )
        assert cancelled.status_code == 204, cancelled.text
        with pytest.raises(PhoneBridgeError) as gave_up:
            await asyncio.wait_for(joining, 5)
        assert gave_up.value.code == "room_closed"
        assert "cancelled" in statuses
        assert line.frames_written > 0  # the hold music played meanwhile
    finally:
        await bridge.close()


async def test_join__a_connected_case_gets_its_phone_leg_which_ends_when_the_caller_hangs_up(
    app_and_client: tuple[Any, AsyncClient], auth: dict[str, dict[str, str]], db: AsyncSession
) -> None:
    app, client = app_and_client
    present = await client.post("/api/v1/presence", json={"state": "available"}, headers=auth["counselor"])
    assert present.status_code == 204
    case_id = await _phone_case(client, auth["desk_staff"], "phone-call-0001")  # English: the counselor alone
    line = ToneCall()
    with loopback_candidates():
        bridge = phone_bridge(app, line)
        try:
            joined = await asyncio.wait_for(bridge.join(case_id), 5)
            assert joined.role == "phone" and joined.participant_id == f"phone-{case_id[:8]}"
            (leg,) = await _phone_legs(db, case_id)
            assert leg.left_at is None and leg.participant_id == joined.participant_id
            room = await app.state.desk.rooms.get(case_id)
            assert [(p.participant_id, p.mode) for p in room.participants] == [
                (joined.participant_id, "audio")
            ]
            line.hang_up()
            assert await asyncio.wait_for(bridge.wait_ended(), 5) == "hung_up"
        finally:
            await bridge.close()
    (leg,) = await _phone_legs(db, case_id)
    assert leg.left_at is not None and leg.leave_reason == "left" and leg.left_at > leg.joined_at
