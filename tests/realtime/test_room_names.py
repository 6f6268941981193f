"""Names on the call's pictures: staff display names travel in room.joined's peers and room.peer_joined;
nobody else's name does."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from app.live.room_names import staff_ids
from realtime import protocol as p
from realtime.rooms import InMemoryRoomStore, RoomRegistry
from realtime.signaling import RoomSignaling
from realtime.tokens import issue_room_token

SECRET = b"s" * 32
T0 = datetime(2025, 4, 1, 1, 0, tzinfo=UTC)
NAMES = {"interp-7": "Sita Gurung", "staff-3": "相談員 山田"}


async def names_for(participant_ids: Sequence[str]) -> Mapping[str, str]:
    return {pid: NAMES[pid] for pid in participant_ids if pid in NAMES}


def join(participant: str, role: p.Role) -> p.RoomJoin:
    return p.RoomJoin(room_id="room-1", token=issue_room_token(SECRET, "room-1", participant, role, 120, T0))


async def test_join__staff_names_reach_the_others_and_the_tablet_has_none() -> None:
    registry = RoomRegistry(InMemoryRoomStore(), SECRET)
    await registry.open_room("room-1", "case-9", T0)
    signaling = RoomSignaling(registry, names_for=names_for)
    await signaling.handle("ws-1", join("tablet-1", "counter_tablet"), T0)
    await signaling.handle("ws-2", join("staff-3", "counselor"), T0)
    third = await signaling.handle("ws-3", join("interp-7", "interpreter"), T0)
    joined, *told = third.outbound
    assert isinstance(joined.message, p.RoomJoined)
    assert {(peer.participant_id, peer.display_name) for peer in joined.message.peers} == {
        ("tablet-1", None),
        ("staff-3", "相談員 山田"),
    }
    assert {out.connection_id for out in told} == {"ws-1", "ws-2"}
    for out in told:
        assert isinstance(out.message, p.RoomPeerJoined) and out.message.display_name == "Sita Gurung"
        wire = p.encode(out.message)
        assert json.loads(wire)["display_name"] == "Sita Gurung"
        assert p.decode_server(wire) == out.message
    assert p.decode_server(p.encode(joined.message)) == joined.message


async def test_join__without_a_name_look_up_frames_carry_no_name() -> None:
    registry = RoomRegistry(InMemoryRoomStore(), SECRET)
    await registry.open_room("room-1", "case-9", T0)
    signaling = RoomSignaling(registry)
    await signaling.handle("ws-1", join("staff-3", "counselor"), T0)
    second = await signaling.handle("ws-2", join("interp-7", "interpreter"), T0)
    joined, told = second.outbound
    assert isinstance(joined.message, p.RoomJoined) and joined.message.peers[0].display_name is None
    assert isinstance(told.message, p.RoomPeerJoined) and told.message.display_name is None


def test_staff_ids__only_counselors_and_interpreters_with_numeric_ids() -> None:
    counselors, interpreters = staff_ids(["staff-3", "interp-7", "tablet-abcd1234", "resident-1", "staff-x"])
    assert counselors == {3: "staff-3"} and interpreters == {7: "interp-7"}
