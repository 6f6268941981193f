"""The desk's frames: what the live desk pushes to consoles, tablets and residents as a case moves along.

Typed like realtime's pool and room messages (encoded with ``realtime.protocol.encode``). Times are the
server's ``isoformat()`` strings, as screens have always read them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseStatus:
    """A watched case moved: ``connecting``, ``connected``, ``interpreter_changing`` or a final status."""

    TYPE: ClassVar[str] = "status"
    status: str
    consultation_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueChanged:
    """Staff consoles reload the queue (routing decided something)."""

    TYPE: ClassVar[str] = "queue.changed"
    at: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PresenceForced:
    """Routing set an interpreter away (missed offers in a row, say); their console shows it."""

    TYPE: ClassVar[str] = "presence.forced"
    state: Literal["away"] = "away"
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class FallbackOffered:
    """No live interpreter: the resident and the desk see which fallbacks may be taken."""

    TYPE: ClassVar[str] = "fallback.offered"
    consultation_id: str
    reason: str
    options: tuple[str, ...]
    queued: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class CallTransferred:
    """To the counselor who handed a call over: leave the room, a colleague has it."""

    TYPE: ClassVar[str] = "call.transferred"
    consultation_id: str
    room_id: str
    to_counselor_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class FallbackChoices:
    """The fallbacks a waiting case may take now (inside ``watching``; later ones come as fallback.offered).

    ``queued``: the case is also in the queue, so the resident may keep waiting instead.
    """

    reason: str
    options: tuple[str, ...]
    queued: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class Watching:
    """The answer to ``watch``: where the case stands now (later changes come as status frames), with the
    fallback choices it already has, so a watcher that connects after routing decided sees them too."""

    TYPE: ClassVar[str] = "watching"
    consultation_id: str
    status: str | None
    position: int | None
    estimated_wait_s: int | None
    fallback: FallbackChoices | None = None


DeskFrame = CaseStatus | QueueChanged | PresenceForced | FallbackOffered | CallTransferred | Watching

__all__ = [
    "CallTransferred",
    "CaseStatus",
    "DeskFrame",
    "FallbackChoices",
    "FallbackOffered",
    "PresenceForced",
    "QueueChanged",
    "Watching",
]
