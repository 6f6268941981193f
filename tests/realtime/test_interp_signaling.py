"""Room frames in, addressed frames out: joins, relays with `from`, errors to the sender, leaves, closes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from realtime import protocol as p
from realtime.roles import Role
from realtime.rooms import InMemoryRoomStore, ParticipantJoined, ParticipantLeft, RoomRegistry
from realtime.signaling import Outbound, Outcome, RoomSignaling, describe_event, make_invite
from realtime.tokens import issue_room_token
from realtime.turn import IceServer, ice_server_list

SECRET = b"s" * 32
T0 = datetime(2025, 4, 1, 1, 0, tzinfo=UTC)
SDP = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n"


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def join(participant: str, role: Role, room: str = "room-1") -> p.RoomJoin:
    return p.RoomJoin(room_id=room, token=issue_room_token(SECRET, room, participant, role, 120, T0))


def ice_for(participant_id: str, role: Role, now: datetime) -> list[IceServer]:
    return ice_server_list(user=participant_id, now=now, turn_urls=["turn:127.0.0.1:3478"], turn_secret="t")


@pytest.fixture
async def signaling() -> RoomSignaling:
    registry = RoomRegistry(InMemoryRoomStore(), SECRET)
    await registry.open_room("room-1", "case-9", T0)
    return RoomSignaling(registry, ice_for)


async def test_join__joined_to_self_peer_joined_to_others(signaling: RoomSignaling) -> None:
    first = await signaling.handle("ws-1", join("tablet-1", "counter_tablet"), at(1))
    (only,) = first.outbound
    assert only.connection_id == "ws-1"
    assert isinstance(only.message, p.RoomJoined) and only.message.peers == ()
    assert only.message.ice_servers[0].username is not None
    assert only.message.ice_servers[0].username.endswith(":tablet-1")

    second = await signaling.handle("ws-2", join("interp:7", "interpreter"), at(2))
    assert second.events == (ParticipantJoined("room-1", "case-9", "interp:7", "interpreter", "ws-2", at(2)),)
    joined, told = second.outbound
    assert joined.connection_id == "ws-2" and isinstance(joined.message, p.RoomJoined)
    assert joined.message.peers == (p.PeerInfo(participant_id="tablet-1", role="counter_tablet"),)
    assert told == Outbound(
        "ws-1",
        p.RoomPeerJoined(room_id="room-1", participant_id="interp:7", role="interpreter", rejoined=False),
    )
    for out in first.outbound + second.outbound:
        assert p.decode_server(p.encode(out.message)) == out.message


async def test_signals__relayed_with_from_to_the_target_connection(signaling: RoomSignaling) -> None:
    await signaling.handle("ws-1", join("a", "counselor"), at(1))
    await signaling.handle("ws-2", join("b", "resident"), at(1))
    offer = await signaling.handle("ws-2", p.SignalOffer(room_id="room-1", to="a", sdp=SDP), at(2))
    assert offer.outbound == (Outbound("ws-1", p.RelayedOffer(room_id="room-1", from_="b", sdp=SDP)),)
    answer = await signaling.handle("ws-1", p.SignalAnswer(room_id="room-1", to="b", sdp=SDP), at(2))
    assert answer.outbound == (Outbound("ws-2", p.RelayedAnswer(room_id="room-1", from_="a", sdp=SDP)),)
    ice = p.SignalIce(room_id="room-1", to="a", candidate="", sdp_mid="0", username_fragment="abcd")
    relayed = await signaling.handle("ws-2", ice, at(2))
    assert relayed.outbound == (
        Outbound(
            "ws-1",
            p.RelayedIce(room_id="room-1", from_="b", candidate="", sdp_mid="0", username_fragment="abcd"),
        ),
    )
    assert json_from(relayed.outbound[0].message)["from"] == "b"


def json_from(msg: p.ServerMessage) -> dict[str, object]:
    data: dict[str, object] = json.loads(p.encode(msg))
    return data


async def test_signal__not_in_room__error_to_sender_only(signaling: RoomSignaling) -> None:
    await signaling.handle("ws-1", join("a", "counselor"), at(1))
    outcome = await signaling.handle("ws-9", p.SignalOffer(room_id="room-1", to="a", sdp=SDP), at(2))
    (err,) = outcome.outbound
    assert err.connection_id == "ws-9"
    assert isinstance(err.message, p.ErrorMessage) and err.message.code == p.ErrorCode.NOT_IN_ROOM
    outcome = await signaling.handle("ws-1", p.SignalOffer(room_id="room-1", to="ghost", sdp=SDP), at(2))
    assert isinstance(outcome.outbound[0].message, p.ErrorMessage)
    assert "not in room" in outcome.outbound[0].message.message


async def test_join__expired_token__error_frame(signaling: RoomSignaling) -> None:
    outcome = await signaling.handle("ws-1", join("a", "counselor"), at(500))
    (err,) = outcome.outbound
    assert isinstance(err.message, p.ErrorMessage) and err.message.code == p.ErrorCode.TOKEN_EXPIRED
    assert outcome.events == ()


async def test_join__principal_mismatch__forbidden(signaling: RoomSignaling) -> None:
    outcome = await signaling.handle("ws-1", join("user:5", "counselor"), at(1), principal="user:6")
    assert isinstance(outcome.outbound[0].message, p.ErrorMessage)
    assert outcome.outbound[0].message.code == p.ErrorCode.FORBIDDEN


async def test_rejoin__old_connection_closed_others_told_rejoined(signaling: RoomSignaling) -> None:
    await signaling.handle("ws-1", join("a", "counselor"), at(1))
    await signaling.handle("ws-2", join("b", "interpreter"), at(1))
    outcome = await signaling.handle("ws-2b", join("b", "interpreter"), at(5))
    assert [o.connection_id for o in outcome.outbound] == ["ws-2b", "ws-2", "ws-1"]
    assert outcome.outbound[1].message == p.RoomClosed(room_id="room-1", reason="replaced")
    assert outcome.outbound[2].message == p.RoomPeerJoined(
        room_id="room-1", participant_id="b", role="interpreter", rejoined=True
    )
    assert (await signaling.disconnected("ws-2", at(6))).outbound == ()


async def test_leave_and_disconnect__others_told(signaling: RoomSignaling) -> None:
    await signaling.handle("ws-1", join("a", "counselor"), at(1))
    await signaling.handle("ws-2", join("b", "interpreter"), at(1))
    await signaling.handle("ws-3", join("c", "resident"), at(1))
    outcome = await signaling.disconnected("ws-2", at(60))
    assert outcome.outbound == tuple(
        Outbound(
            c, p.RoomPeerLeft(room_id="room-1", participant_id="b", role="interpreter", reason="disconnected")
        )
        for c in ("ws-1", "ws-3")
    )
    (left,) = outcome.events
    assert isinstance(left, ParticipantLeft) and left.interpreter_left_mid_call
    outcome = await signaling.handle("ws-3", p.RoomLeave(room_id="room-1"), at(61))
    assert [o.connection_id for o in outcome.outbound] == ["ws-1"]
    outcome = await signaling.handle("ws-3", p.RoomLeave(room_id="room-1"), at(62))
    assert isinstance(outcome.outbound[0].message, p.ErrorMessage)


async def test_media_mode__broadcast_to_others(signaling: RoomSignaling) -> None:
    await signaling.handle("ws-1", join("a", "counselor"), at(1))
    await signaling.handle("ws-2", join("b", "resident"), at(1))
    outcome = await signaling.handle("ws-2", p.MediaModeSet(room_id="room-1", mode="audio"), at(2))
    assert outcome.outbound == (
        Outbound("ws-1", p.MediaModeChanged(room_id="room-1", from_="b", mode="audio")),
    )


async def test_remove_and_close__room_closed_frames(signaling: RoomSignaling) -> None:
    await signaling.handle("ws-1", join("a", "counselor"), at(1))
    await signaling.handle("ws-2", join("b", "interpreter"), at(1))
    await signaling.handle("ws-3", join("c", "resident"), at(1))
    removed = await signaling.remove("room-1", "b", at(10))
    assert removed.outbound[0] == Outbound("ws-2", p.RoomClosed(room_id="room-1", reason="removed"))
    assert {o.connection_id for o in removed.outbound[1:]} == {"ws-1", "ws-3"}
    closed = await signaling.close_room("room-1", at(20), "ended")
    assert closed.outbound == (
        Outbound("ws-1", p.RoomClosed(room_id="room-1", reason="ended")),
        Outbound("ws-3", p.RoomClosed(room_id="room-1", reason="ended")),
    )
    assert len(closed.events) == 3


async def test_outcome__adds_up() -> None:
    a = Outcome((Outbound("x", p.RoomClosed(room_id="r", reason="ended")),))
    assert (a + a).outbound == a.outbound * 2


async def test_make_invite__token_admits_that_participant(signaling: RoomSignaling) -> None:
    room = await signaling.registry.get("room-1")
    assert room is not None
    invite = make_invite(SECRET, room, "interp:7", "interpreter", at(0), offer_id="offer-3")
    assert (invite.consultation_id, invite.role, invite.offer_id) == ("case-9", "interpreter", "offer-3")
    assert p.decode_server(p.encode(invite)) == invite
    outcome = await signaling.handle("ws-1", p.RoomJoin(room_id=invite.room_id, token=invite.token), at(1))
    assert isinstance(outcome.outbound[0].message, p.RoomJoined)
    assert outcome.outbound[0].message.role == "interpreter"
    assert [describe_event(e) for e in outcome.events] == ["interpreter interp:7 joined room-1"]
