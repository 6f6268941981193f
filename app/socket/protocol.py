"""Every frame the app's websocket takes, one decoder for all, and the socket's own frames (sign-in, watch).

Groups: pool and room frames are realtime's (realtime/protocol.py), desk frames app/live/frames.py, chat
frames app/chat/frames.py; the socket's own are here. :func:`decode_client` reads a text frame once into one
of them or raises ``ProtocolError``; the endpoint answers that with an ``error`` frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Final, TypeAlias

from app.chat.frames import CHAT_CLIENT_FRAMES, ChatClientFrame
from realtime.protocol import (
    CLIENT_MESSAGE_TYPES,
    ClientMessage,
    check_id,
    decode_with,
    message_types,
    wire_field,
)

# --- client -> server ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Hello:
    """A counter tablet or API client signs in with its bearer token (staff come with the session cookie)."""

    TYPE: ClassVar[str] = "hello"
    token: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Watch:
    """Follow one consultation's status, queue position and call; residents show their watch ticket."""

    TYPE: ClassVar[str] = "watch"
    consultation_id: str = wire_field(check_id)
    ticket: str | None = None


SocketFrame: TypeAlias = Hello | Watch
ClientFrame: TypeAlias = ClientMessage | ChatClientFrame | SocketFrame

CLIENT_FRAME_TYPES: Final = message_types(CLIENT_MESSAGE_TYPES, CHAT_CLIENT_FRAMES, (Hello, Watch))


def decode_client(text: str | bytes) -> ClientFrame:
    """The one decoder of the app's websocket: any client frame, typed, or ``ProtocolError``."""
    frame: ClientFrame = decode_with(text, CLIENT_FRAME_TYPES)
    return frame


# --- server -> client ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Welcome:
    """First frame on every socket: who the server takes you for, and its clock for countdowns."""

    TYPE: ClassVar[str] = "hello"
    connection_id: str
    role: str
    participant_id: str | None
    server_time: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SignedIn:
    """The answer to a ``hello`` with a valid bearer token."""

    TYPE: ClassVar[str] = "hello"
    role: str
    server_time: str
