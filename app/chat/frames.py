"""The chat's websocket frames, in and out (typed like realtime's; encoded with ``realtime.protocol.encode``).

- ``chat.join`` {consultation_id}: a counselor follows a chat (gets ``chat.joined`` with the transcript, then
  every line as ``chat.message`` in Japanese);
- ``chat.send`` {consultation_id, text, ticket?}: a counselor, or the resident with their watch ticket (or
  after watching with it), writes a line.
Refusals come back as ``chat.error`` {consultation_id, status, detail, missing_pair?}.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from realtime.protocol import check_id, wire_field

Sender = Literal["counselor", "resident"]

# --- client -> server ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatJoin:
    """A counselor starts following one consultation's chat."""

    TYPE: ClassVar[str] = "chat.join"
    consultation_id: str = wire_field(check_id)


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatSend:
    """One line from a counselor or the resident; the text is checked (length, blank) by the chat service."""

    TYPE: ClassVar[str] = "chat.send"
    consultation_id: str = wire_field(check_id)
    text: str
    ticket: str | None = None


ChatClientFrame = ChatJoin | ChatSend
CHAT_CLIENT_FRAMES = (ChatJoin, ChatSend)

# --- server -> client ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatMessage:
    """One line as one side sees it: ``text`` is in that side's language, ``original`` as it was written."""

    TYPE: ClassVar[str] = "chat.message"
    consultation_id: str
    audience: Sender
    id: int
    sender: Sender
    text: str
    original: str
    original_language: str
    language: str
    machine_translated: bool
    route: str
    created_at: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatJoined:
    """The answer to ``chat.join``: the transcript so far, in Japanese."""

    TYPE: ClassVar[str] = "chat.joined"
    consultation_id: str
    language: str
    open: bool
    messages: tuple[ChatMessage, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatError:
    """Why a chat frame was refused; ``missing_pair`` names the language pair no model translates."""

    TYPE: ClassVar[str] = "chat.error"
    consultation_id: str
    status: int
    detail: str
    missing_pair: tuple[str, ...] | None = wire_field(default=None, omit_none=True)


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatOpened:
    """The resident took the machine-translated chat: the desk and the resident's screen open it."""

    TYPE: ClassVar[str] = "chat.opened"
    consultation_id: str
    language: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatActivity:
    """A new line in some chat: the desk marks it."""

    TYPE: ClassVar[str] = "chat.activity"
    consultation_id: str
    id: int
