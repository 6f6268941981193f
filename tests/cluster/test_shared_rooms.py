"""Call rooms on a real Redis, as two processes see them: a room opened by one is joined through the other,
signals are routed between members connected to different processes, and concurrent changes never lose one."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from app.cluster.rooms import RedisRoomStore, room_from_json, room_to_json
from realtime.protocol import (
    ErrorCode,
    RelayedOffer,
    RoomJoin,
    RoomJoined,
    RoomPeerJoined,
    RoomPeerLeft,
    SignalOffer,
)
from realtime.rooms import Participant, Room, RoomError, RoomRegistry
from realtime.signaling import RoomSignaling
from realtime.tokens import issue_room_token
from tests.cluster.conftest import REDIS_URL

pytestmark = pytest.mark.redis

SECRET = b"s" * 32
NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
Registries = tuple[RoomRegistry, RoomRegistry]


@pytest.fixture
async def two_processes(redis_url: str) -> AsyncIterator[Registries]:
    """Two registries on two Redis connections, as two processes have; keys under this test's own prefix."""
    prefix = f"test-{uuid.uuid4().hex[:10]}"
    stores = [RedisRoomStore(REDIS_URL, prefix), RedisRoomStore(REDIS_URL, prefix)]
    try:
        yield RoomRegistry(stores[0], SECRET), RoomRegistry(stores[1], SECRET)
    finally:
        for store in stores:
            await store.close()


def _token(room_id: str, participant_id: str, role: str = "counselor") -> str:
    return issue_room_token(SECRET, room_id, participant_id, role, 300, NOW)  # type: ignore[arg-type]


def test_a_room_survives_its_json_form() -> None:
    room = Room(
        "case-1",
        "case-1",
        NOW,
        (Participant("interp-3", "interpreter", "conn-a", NOW + timedelta(seconds=2), "audio"),),
        closed_at=NOW + timedelta(minutes=5),
    )
    assert room_from_json(room_to_json(room)) == room


async def test_a_room_opened_on_one_process_is_joined_and_signalled_through_the_other(
    two_processes: Registries,
) -> None:
    on_a, on_b = two_processes
    room, events = await on_a.open_room("case-1", "case-1", NOW)
    assert len(events) == 1
    again, none = await on_b.open_room("case-1", "case-1", NOW)  # idempotent across processes
    assert again == room and none == []

    signaling_a, signaling_b = RoomSignaling(on_a), RoomSignaling(on_b)
    first = await signaling_a.handle(
        "conn-a", _join("case-1", _token("case-1", "interp-3", "interpreter")), NOW
    )
    assert isinstance(first.outbound[0].message, RoomJoined)
    second = await signaling_b.handle("conn-b", _join("case-1", _token("case-1", "cns-7")), NOW)
    joined = second.outbound[0].message
    assert isinstance(joined, RoomJoined)
    assert [peer.participant_id for peer in joined.peers] == ["interp-3"]  # B sees who joined through A
    told = [out for out in second.outbound if isinstance(out.message, RoomPeerJoined)]
    assert [out.connection_id for out in told] == ["conn-a"]  # addressed to A's socket (its hub topic)

    relayed = await signaling_b.handle("conn-b", SignalOffer(room_id="case-1", to="interp-3", sdp="v=0"), NOW)
    assert [(out.connection_id, type(out.message)) for out in relayed.outbound] == [("conn-a", RelayedOffer)]

    gone = await signaling_a.disconnected("conn-a", NOW + timedelta(seconds=9))
    assert [(out.connection_id, type(out.message)) for out in gone.outbound] == [("conn-b", RoomPeerLeft)]
    assert await on_b.store.rooms_of_connection("conn-a") == []
    left = await on_b.get("case-1")
    assert left is not None and [p.participant_id for p in left.participants] == ["cns-7"]


async def test_concurrent_joins_through_two_processes_are_all_kept_and_the_room_stays_bounded(
    two_processes: Registries,
) -> None:
    on_a, on_b = two_processes
    await on_a.open_room("case-2", "case-2", NOW)
    joins = [
        (on_a if n % 2 else on_b).join("case-2", _token("case-2", f"p-{n}"), f"conn-{n}", NOW)
        for n in range(6)
    ]
    results = await asyncio.gather(*joins, return_exceptions=True)
    admitted = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, RoomError)]
    assert len(admitted) == 4 and len(refused) == 2  # no join lost to a race, and never a fifth member
    assert {r.code for r in refused} == {ErrorCode.ROOM_FULL}
    room = await on_a.get("case-2")
    assert room is not None
    assert sorted(p.participant_id for p in room.participants) == sorted(
        r.participant.participant_id for r in admitted
    )


async def test_a_closed_room_refuses_joins_everywhere_and_is_pruned(two_processes: Registries) -> None:
    on_a, on_b = two_processes
    await on_a.open_room("case-3", "case-3", NOW)
    await on_a.join("case-3", _token("case-3", "cns-1"), "conn-1", NOW)
    events = await on_b.close_room("case-3", NOW + timedelta(minutes=1))
    assert [type(e).__name__ for e in events] == ["ParticipantLeft", "RoomClosed"]
    assert await on_a.store.open_room_of("case-3") is None
    assert await on_a.store.rooms_of_connection("conn-1") == []
    with pytest.raises(RoomError) as refused:
        await on_a.join("case-3", _token("case-3", "cns-1"), "conn-9", NOW + timedelta(minutes=2))
    assert refused.value.code == ErrorCode.ROOM_CLOSED
    assert await on_b.prune_closed(NOW + timedelta(minutes=2)) == 1
    assert await on_a.get("case-3") is None


def _join(room_id: str, token: str) -> RoomJoin:
    return RoomJoin(room_id=room_id, token=token)
