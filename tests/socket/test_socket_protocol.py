"""The websocket's one decoder reads every group of frames; the app's frames keep the JSON screens read."""

from __future__ import annotations

import json
from typing import Any

import pytest

from app.chat import frames as chat
from app.live import frames as desk
from app.socket.protocol import (
    CLIENT_FRAME_TYPES,
    ClientFrame,
    Hello,
    SignedIn,
    Watch,
    Welcome,
    decode_client,
)
from realtime.protocol import (
    Heartbeat,
    Message,
    PresenceUpdate,
    ProtocolError,
    RoomLeave,
    encode,
    message_types,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"type":"heartbeat"}', Heartbeat()),
        ('{"type":"presence","state":"away"}', PresenceUpdate(state="away")),
        ('{"type":"room.leave","room_id":"r1"}', RoomLeave(room_id="r1")),
        ('{"type":"hello","token":"abc"}', Hello(token="abc")),
        ('{"type":"watch","consultation_id":"c1"}', Watch(consultation_id="c1")),
        ('{"type":"watch","consultation_id":"c1","ticket":null}', Watch(consultation_id="c1")),
        ('{"type":"watch","consultation_id":"c1","ticket":"t"}', Watch(consultation_id="c1", ticket="t")),
        ('{"type":"chat.join","consultation_id":"c1"}', chat.ChatJoin(consultation_id="c1")),
        (
            '{"type":"chat.send","consultation_id":"c1","text":"नमस्ते"}',
            chat.ChatSend(consultation_id="c1", text="नमस्ते"),
        ),
    ],
)
def test_decode_client__every_group(text: str, expected: ClientFrame) -> None:
    assert decode_client(text) == expected
    assert decode_client(encode(expected)) == expected


@pytest.mark.parametrize(
    ("text", "code", "field"),
    [
        ('{"type":"hello"}', "missing_field", "token"),
        ('{"type":"watch","consultation_id":5}', "invalid_field", "consultation_id"),
        ('{"type":"chat.send","consultation_id":"c1"}', "missing_field", "text"),
        ('{"type":"chat.join","consultation_id":"c1","extra":1}', "unknown_field", "extra"),
        ('{"type":"chat.leave","consultation_id":"c1"}', "unknown_type", "type"),
        ('{"type":"watching","consultation_id":"c1"}', "unknown_type", "type"),  # server frames are not taken
    ],
)
def test_decode_client__refusals_name_the_field(text: str, code: str, field: str) -> None:
    with pytest.raises(ProtocolError) as refused:
        decode_client(text)
    assert (refused.value.code, refused.value.field) == (code, field)


def test_decode_client__unknown_type_lists_every_group() -> None:
    with pytest.raises(ProtocolError) as refused:
        decode_client('{"type":"nope"}')
    for name in ("chat.send", "hello", "offer.accept", "signal.ice", "watch"):
        assert name in refused.value.message
    assert set(CLIENT_FRAME_TYPES) >= {"chat.join", "chat.send", "hello", "watch", "heartbeat", "room.join"}


def test_message_types__one_name_for_two_messages__refused() -> None:
    with pytest.raises(ValueError, match="hello"):
        message_types((Hello,), (Welcome,))


def _parsed(frame: Message) -> list[tuple[str, Any]]:
    """Keys in wire order with their values (screens read the JSON; the order shows in logs and tests)."""
    return list(json.loads(encode(frame)).items())


@pytest.mark.parametrize(
    ("frame", "legacy"),
    [
        (
            Welcome(
                connection_id="ab",
                role="counselor",
                participant_id="staff-3",
                server_time="2026-06-01T10:00:00+09:00",
            ),
            {
                "type": "hello",
                "connection_id": "ab",
                "role": "counselor",
                "participant_id": "staff-3",
                "server_time": "2026-06-01T10:00:00+09:00",
            },
        ),
        (
            Welcome(connection_id="ab", role="anonymous", participant_id=None, server_time="t"),
            {
                "type": "hello",
                "connection_id": "ab",
                "role": "anonymous",
                "participant_id": None,
                "server_time": "t",
            },
        ),
        (SignedIn(role="device", server_time="t"), {"type": "hello", "role": "device", "server_time": "t"}),
        (
            desk.Watching(consultation_id="c1", status=None, position=None, estimated_wait_s=None),
            {
                "type": "watching",
                "consultation_id": "c1",
                "status": None,
                "position": None,
                "estimated_wait_s": None,
                "fallback": None,
            },
        ),
        (
            desk.Watching(
                consultation_id="c1",
                status="requested",
                position=None,
                estimated_wait_s=None,
                fallback=desk.FallbackChoices(reason="desk_closed", options=("reservation",), queued=False),
            ),
            {
                "type": "watching",
                "consultation_id": "c1",
                "status": "requested",
                "position": None,
                "estimated_wait_s": None,
                "fallback": {"reason": "desk_closed", "options": ["reservation"], "queued": False},
            },
        ),
        (
            desk.CaseStatus(status="connected", consultation_id="c1"),
            {"type": "status", "status": "connected", "consultation_id": "c1"},
        ),
        (
            desk.QueueChanged(at="2026-06-01T01:00:00+00:00"),
            {"type": "queue.changed", "at": "2026-06-01T01:00:00+00:00"},
        ),
        (
            desk.CallTransferred(consultation_id="c1", room_id="c1", to_counselor_id="4"),
            {"type": "call.transferred", "consultation_id": "c1", "room_id": "c1", "to_counselor_id": "4"},
        ),
        (
            chat.ChatError(consultation_id="c1", status=422, detail="too long"),
            {"type": "chat.error", "consultation_id": "c1", "status": 422, "detail": "too long"},
        ),
        (
            chat.ChatError(consultation_id="c1", status=409, detail="no model", missing_pair=("ne", "ja")),
            {
                "type": "chat.error",
                "consultation_id": "c1",
                "status": 409,
                "detail": "no model",
                "missing_pair": ["ne", "ja"],
            },
        ),
        (
            chat.ChatOpened(consultation_id="c1", language="ne"),
            {"type": "chat.opened", "consultation_id": "c1", "language": "ne"},
        ),
        (
            chat.ChatActivity(consultation_id="c1", id=9),
            {"type": "chat.activity", "consultation_id": "c1", "id": 9},
        ),
    ],
)
def test_app_frames__same_json_as_before(frame: Message, legacy: dict[str, Any]) -> None:
    assert _parsed(frame) == list(legacy.items())


def test_chat_joined__transcript_lines_are_whole_chat_messages() -> None:
    line = chat.ChatMessage(
        consultation_id="c1",
        audience="counselor",
        id=1,
        sender="resident",
        text="こんにちは",
        original="नमस्ते",
        original_language="ne",
        language="ja",
        machine_translated=True,
        route="ne>en>ja",
        created_at="2026-06-01T01:00:00+00:00",
    )
    joined = json.loads(
        encode(chat.ChatJoined(consultation_id="c1", language="ne", open=True, messages=(line,)))
    )
    assert joined["messages"] == [json.loads(encode(line))]
    assert joined["messages"][0]["type"] == "chat.message" and joined["messages"][0]["text"] == "こんにちは"
