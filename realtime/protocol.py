"""Pure codecs for the app's websocket JSON text frames (pool presence, offers, rooms, signaling).

Every message is a frozen dataclass with a ``TYPE`` (the ``"type"`` on the wire). ``decode`` turns a text
frame from a client into a typed message or raises :class:`ProtocolError` with a code, a readable message and
the offending field, so the app can answer with an ``error`` frame instead of guessing. The same type name may
exist in both directions with different fields (``signal.offer`` carries ``to`` from a client and ``from`` to
a client). The app declares its own frames (desk, chat) the same way, with :func:`wire_field`, and decodes
all of a socket's frames at once with :func:`decode_with` over the :func:`message_types` of theirs and ours.
"""

from __future__ import annotations

import json
import math
import re
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, field, fields, is_dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, ClassVar, Final, Literal, Protocol, TypeAlias, Union

from realtime.roles import Role
from realtime.turn import IceServer

__all__ = [
    "CLIENT_MESSAGE_TYPES",
    "MAX_CANDIDATE_CHARS",
    "MAX_FRAME_CHARS",
    "MAX_SDP_CHARS",
    "SERVER_MESSAGE_TYPES",
    "Channel",
    "ClientMessage",
    "ErrorCode",
    "ErrorMessage",
    "Heartbeat",
    "MediaMode",
    "MediaModeChanged",
    "MediaModeSet",
    "Message",
    "Offer",
    "OfferAccept",
    "OfferDecline",
    "OfferWithdrawn",
    "PeerInfo",
    "PresenceState",
    "PresenceUpdate",
    "ProtocolError",
    "QueueUpdate",
    "RelayedAnswer",
    "RelayedIce",
    "RelayedOffer",
    "RoomClosed",
    "RoomInvite",
    "RoomJoin",
    "RoomJoined",
    "RoomLeave",
    "RoomPeerJoined",
    "RoomPeerLeft",
    "ServerMessage",
    "SignalAnswer",
    "SignalIce",
    "SignalOffer",
    "check_candidate",
    "check_sdp",
    "decode",
    "decode_server",
    "decode_with",
    "encode",
    "error_from",
    "message_types",
    "wire_field",
]

MAX_FRAME_CHARS: Final = 65_536
MAX_SDP_CHARS: Final = 32_768
MAX_CANDIDATE_CHARS: Final = 512
MAX_ID_CHARS: Final = 128
MAX_TOKEN_CHARS: Final = 2048
MAX_TEXT_CHARS: Final = 500

PresenceState = Literal["available", "away"]
MediaMode = Literal["audio", "video"]
Channel = Literal["counter", "satellite", "phone", "video"]
WithdrawReason = Literal["expired", "taken", "cancelled"]
LeaveReason = Literal["left", "disconnected", "closed", "removed"]


class ErrorCode(StrEnum):
    """Codes of ``error`` frames: the first group from :func:`decode`, the rest from the app and rooms."""

    TOO_LARGE = "too_large"
    MALFORMED_JSON = "malformed_json"
    NOT_AN_OBJECT = "not_an_object"
    UNKNOWN_TYPE = "unknown_type"
    MISSING_FIELD = "missing_field"
    UNKNOWN_FIELD = "unknown_field"
    INVALID_FIELD = "invalid_field"
    NOT_IN_ROOM = "not_in_room"
    ROOM_NOT_FOUND = "room_not_found"
    ROOM_FULL = "room_full"
    ROOM_CLOSED = "room_closed"
    BAD_TOKEN = "bad_token"  # noqa: S105 - an error code, not a secret
    TOKEN_EXPIRED = "token_expired"  # noqa: S105
    OFFER_GONE = "offer_gone"
    FORBIDDEN = "forbidden"
    RATE_LIMITED = "rate_limited"
    INTERNAL = "internal"
    NOT_CONNECTED = "not_connected"  # the socket is not (or no longer) a pool member's live connection


class ProtocolError(Exception):
    """A frame the server cannot act on; ``field`` names the offending JSON field (dotted path) if any."""

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field

    def __repr__(self) -> str:
        return f"ProtocolError(code={self.code!r}, message={self.message!r}, field={self.field!r})"


# --- field checks -------------------------------------------------------------------------------------------

_ID_RE: Final = re.compile(r"[A-Za-z0-9._:@-]+")
_TOKEN_RE: Final = re.compile(r"[A-Za-z0-9_.=-]+")
_LANG_RE: Final = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*")
_MID_RE: Final = re.compile(r"[!-~]{1,64}")  # printable ASCII, no spaces
_UFRAG_RE: Final = re.compile(r"[A-Za-z0-9+/]{1,256}")


def check_id(value: str) -> None:
    """Identifiers are echoed into logs and pages: keep them short and plain."""
    if not 0 < len(value) <= MAX_ID_CHARS or not _ID_RE.fullmatch(value):
        raise ValueError(f"must be 1-{MAX_ID_CHARS} characters of A-Z a-z 0-9 . _ : @ -")


def check_token(value: str) -> None:
    """Room tokens are base64url segments joined by dots."""
    if not 0 < len(value) <= MAX_TOKEN_CHARS or not _TOKEN_RE.fullmatch(value):
        raise ValueError(f"must be 1-{MAX_TOKEN_CHARS} characters of base64url and '.'")


def check_language(value: str) -> None:
    """BCP 47-ish tags such as ``ko``, ``fil`` or ``pt-BR``."""
    if not _LANG_RE.fullmatch(value):
        raise ValueError("must be a language code such as 'ko' or 'pt-BR'")


def check_text(value: str) -> None:
    """Free text shown to people (topic hints, error messages): bounded size."""
    if len(value) > MAX_TEXT_CHARS:
        raise ValueError(f"must be at most {MAX_TEXT_CHARS} characters")


def check_sdp(value: str) -> None:
    """Cheap sanity check before an SDP is relayed or parsed: version line, size, a media section."""
    if len(value) > MAX_SDP_CHARS:
        raise ValueError(f"SDP is {len(value)} characters, more than the limit of {MAX_SDP_CHARS}")
    if not value.startswith("v=0"):
        raise ValueError("SDP must start with 'v=0'")
    if "\x00" in value:
        raise ValueError("SDP must not contain NUL characters")
    if not re.search(r"(?:\r\n|\n)m=", value):
        raise ValueError("SDP has no media section (no 'm=' line)")


def check_candidate(value: str) -> None:
    """An ICE candidate attribute value (``candidate:...``), or ``""`` for end-of-candidates."""
    if value == "":
        return
    if len(value) > MAX_CANDIDATE_CHARS:
        raise ValueError(f"candidate is longer than {MAX_CANDIDATE_CHARS} characters")
    if not value.startswith("candidate:"):
        raise ValueError("candidate must start with 'candidate:' (or be empty for end-of-candidates)")
    if any(c in value for c in "\r\n\x00"):
        raise ValueError("candidate must be a single line")


def check_mid(value: str) -> None:
    """An SDP ``a=mid`` value."""
    if not _MID_RE.fullmatch(value):
        raise ValueError("must be 1-64 printable ASCII characters")


def check_mline_index(value: int) -> None:
    """Index of an m= line; a mesh call never has hundreds."""
    if not 0 <= value <= 255:
        raise ValueError("must be between 0 and 255")


def check_ufrag(value: str) -> None:
    """ICE username fragment (RFC 8839 ice-char)."""
    if not _UFRAG_RE.fullmatch(value):
        raise ValueError("must be 1-256 ICE characters")


def check_non_negative(value: int) -> None:
    """Counts and durations."""
    if value < 0:
        raise ValueError("must not be negative")


class _CrossFieldError(ValueError):
    """A constraint between fields, raised from ``__post_init__`` and reported on ``field``."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def wire_field(
    check: Callable[[Any], None] | None = None,
    *,
    wire: str | None = None,
    default: Any = MISSING,
    omit_none: bool = False,
) -> Any:
    """A dataclass field with codec metadata (wire name, value check, left out of the frame when None)."""
    meta: dict[str, Any] = {}
    if check is not None:
        meta["check"] = check
    if wire is not None:
        meta["wire"] = wire
    if omit_none:
        meta["omit_none"] = True
    return field(default=default, metadata=meta)


_f = wire_field


class Message(Protocol):
    """Any frame of the protocol, ours or the app's: a dataclass whose ``TYPE`` is the wire ``"type"``."""

    TYPE: ClassVar[str]


# --- client -> server ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Heartbeat:
    """Keeps an interpreter's presence alive (any frame does; this one carries nothing else)."""

    TYPE: ClassVar[str] = "heartbeat"


@dataclass(frozen=True, slots=True, kw_only=True)
class PresenceUpdate:
    """An interpreter (or counselor) goes available or away."""

    TYPE: ClassVar[str] = "presence"
    state: PresenceState


@dataclass(frozen=True, slots=True, kw_only=True)
class OfferAccept:
    """An interpreter takes a ringing offer."""

    TYPE: ClassVar[str] = "offer.accept"
    offer_id: str = _f(check_id)


@dataclass(frozen=True, slots=True, kw_only=True)
class OfferDecline:
    """An interpreter passes on a ringing offer, so routing rings the next one at once."""

    TYPE: ClassVar[str] = "offer.decline"
    offer_id: str = _f(check_id)


@dataclass(frozen=True, slots=True, kw_only=True)
class RoomJoin:
    """Enter a call room with the room token the server issued (``room.invite``)."""

    TYPE: ClassVar[str] = "room.join"
    room_id: str = _f(check_id)
    token: str = _f(check_token)


@dataclass(frozen=True, slots=True, kw_only=True)
class RoomLeave:
    """Leave a call room on purpose (hang up)."""

    TYPE: ClassVar[str] = "room.leave"
    room_id: str = _f(check_id)


@dataclass(frozen=True, slots=True, kw_only=True)
class SignalOffer:
    """An SDP offer for one peer in the same room (mesh: one RTCPeerConnection per pair)."""

    TYPE: ClassVar[str] = "signal.offer"
    room_id: str = _f(check_id)
    to: str = _f(check_id)
    sdp: str = _f(check_sdp)


@dataclass(frozen=True, slots=True, kw_only=True)
class SignalAnswer:
    """The SDP answer to a peer's offer."""

    TYPE: ClassVar[str] = "signal.answer"
    room_id: str = _f(check_id)
    to: str = _f(check_id)
    sdp: str = _f(check_sdp)


@dataclass(frozen=True, slots=True, kw_only=True)
class SignalIce:
    """A trickled ICE candidate (``RTCIceCandidateInit`` field names); ``candidate == ""`` ends gathering."""

    TYPE: ClassVar[str] = "signal.ice"
    room_id: str = _f(check_id)
    to: str = _f(check_id)
    candidate: str = _f(check_candidate)
    sdp_mid: str | None = _f(check_mid, wire="sdpMid", default=None)
    sdp_mline_index: int | None = _f(check_mline_index, wire="sdpMLineIndex", default=None)
    username_fragment: str | None = _f(check_ufrag, wire="usernameFragment", default=None)

    def __post_init__(self) -> None:
        if self.candidate and self.sdp_mid is None and self.sdp_mline_index is None:
            raise _CrossFieldError("a candidate needs sdpMid or sdpMLineIndex", "sdpMid")


@dataclass(frozen=True, slots=True, kw_only=True)
class MediaModeSet:
    """A participant switches between audio-only and video (e.g. on a weak network)."""

    TYPE: ClassVar[str] = "media.mode"
    room_id: str = _f(check_id)
    mode: MediaMode


ClientMessage: TypeAlias = (
    Heartbeat
    | PresenceUpdate
    | OfferAccept
    | OfferDecline
    | RoomJoin
    | RoomLeave
    | SignalOffer
    | SignalAnswer
    | SignalIce
    | MediaModeSet
)

# --- server -> client ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Offer:
    """A call offered to one interpreter. Never carries the resident's name or contact details."""

    TYPE: ClassVar[str] = "offer"
    offer_id: str = _f(check_id)
    consultation_id: str = _f(check_id)
    language: str = _f(check_language)
    channel: Channel
    municipality: str = _f(check_id)
    topic_hint: str | None = _f(check_text, default=None)
    expires_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class OfferWithdrawn:
    """An offer stopped ringing: it expired, another interpreter took it, or the case was cancelled."""

    TYPE: ClassVar[str] = "offer.withdrawn"
    offer_id: str = _f(check_id)
    reason: WithdrawReason


@dataclass(frozen=True, slots=True, kw_only=True)
class RoomInvite:
    """Tells a participant to join a call room (after ``offer.accept``, or to the counselor and tablet)."""

    TYPE: ClassVar[str] = "room.invite"
    room_id: str = _f(check_id)
    consultation_id: str = _f(check_id)
    role: Role
    token: str = _f(check_token)
    offer_id: str | None = _f(check_id, default=None)


@dataclass(frozen=True, slots=True, kw_only=True)
class PeerInfo:
    """Someone already in the room: the newcomer sends each of them a ``signal.offer``."""

    participant_id: str = _f(check_id)
    role: Role
    mode: MediaMode = "video"
    display_name: str | None = _f(check_text, default=None)  # staff only: the name on their picture


@dataclass(frozen=True, slots=True, kw_only=True)
class RoomJoined:
    """Admission into a room, with who is there and the ICE servers (TURN credentials) to use."""

    TYPE: ClassVar[str] = "room.joined"
    room_id: str = _f(check_id)
    participant_id: str = _f(check_id)
    role: Role
    peers: tuple[PeerInfo, ...] = ()
    ice_servers: tuple[IceServer, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class RoomPeerJoined:
    """Another participant entered; ``rejoined`` means they reconnected and old peer connections are dead."""

    TYPE: ClassVar[str] = "room.peer_joined"
    room_id: str = _f(check_id)
    participant_id: str = _f(check_id)
    role: Role
    rejoined: bool = False
    display_name: str | None = _f(check_text, default=None)  # staff only: the name on their picture


@dataclass(frozen=True, slots=True, kw_only=True)
class RoomPeerLeft:
    """Another participant left; close the peer connection to them."""

    TYPE: ClassVar[str] = "room.peer_left"
    room_id: str = _f(check_id)
    participant_id: str = _f(check_id)
    role: Role
    reason: LeaveReason


@dataclass(frozen=True, slots=True, kw_only=True)
class RoomClosed:
    """The call is over for everyone (consultation ended or cancelled)."""

    TYPE: ClassVar[str] = "room.closed"
    room_id: str = _f(check_id)
    reason: str = _f(check_text)


@dataclass(frozen=True, slots=True, kw_only=True)
class RelayedOffer:
    """A peer's SDP offer, relayed with the sender's participant id."""

    TYPE: ClassVar[str] = "signal.offer"
    room_id: str = _f(check_id)
    from_: str = _f(check_id, wire="from")
    sdp: str = _f(check_sdp)


@dataclass(frozen=True, slots=True, kw_only=True)
class RelayedAnswer:
    """A peer's SDP answer, relayed with the sender's participant id."""

    TYPE: ClassVar[str] = "signal.answer"
    room_id: str = _f(check_id)
    from_: str = _f(check_id, wire="from")
    sdp: str = _f(check_sdp)


@dataclass(frozen=True, slots=True, kw_only=True)
class RelayedIce:
    """A peer's ICE candidate, relayed with the sender's participant id."""

    TYPE: ClassVar[str] = "signal.ice"
    room_id: str = _f(check_id)
    from_: str = _f(check_id, wire="from")
    candidate: str = _f(check_candidate)
    sdp_mid: str | None = _f(check_mid, wire="sdpMid", default=None)
    sdp_mline_index: int | None = _f(check_mline_index, wire="sdpMLineIndex", default=None)
    username_fragment: str | None = _f(check_ufrag, wire="usernameFragment", default=None)


@dataclass(frozen=True, slots=True, kw_only=True)
class MediaModeChanged:
    """A peer switched audio-only/video, so the others can adapt their UI."""

    TYPE: ClassVar[str] = "media.mode"
    room_id: str = _f(check_id)
    from_: str = _f(check_id, wire="from")
    mode: MediaMode


@dataclass(frozen=True, slots=True, kw_only=True)
class ErrorMessage:
    """Why the server did not act on a frame; ``field`` is the JSON path of the culprit, if any."""

    TYPE: ClassVar[str] = "error"
    code: str = _f(check_id)
    message: str = _f(check_text)
    field: str | None = _f(check_text, default=None)


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueUpdate:
    """Waiting status for the counter tablet or resident: 1-based position and estimated wait."""

    TYPE: ClassVar[str] = "queue.update"
    consultation_id: str = _f(check_id)
    position: int = _f(check_non_negative)
    estimated_wait_s: int | None = _f(check_non_negative, default=None)


ServerMessage: TypeAlias = (
    Offer
    | OfferWithdrawn
    | RoomInvite
    | RoomJoined
    | RoomPeerJoined
    | RoomPeerLeft
    | RoomClosed
    | RelayedOffer
    | RelayedAnswer
    | RelayedIce
    | MediaModeChanged
    | ErrorMessage
    | QueueUpdate
)

_CLIENT_CLASSES: Final[tuple[type[Any], ...]] = typing.get_args(ClientMessage)
_SERVER_CLASSES: Final[tuple[type[Any], ...]] = typing.get_args(ServerMessage)
CLIENT_MESSAGE_TYPES: Final[Mapping[str, type[Any]]] = {c.TYPE: c for c in _CLIENT_CLASSES}
SERVER_MESSAGE_TYPES: Final[Mapping[str, type[Any]]] = {c.TYPE: c for c in _SERVER_CLASSES}


def error_from(exc: ProtocolError) -> ErrorMessage:
    """The ``error`` frame answering a rejected client frame."""
    field = None if exc.field is None else exc.field[:MAX_TEXT_CHARS]
    return ErrorMessage(code=exc.code, message=exc.message[:MAX_TEXT_CHARS], field=field)


# --- generic codec ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class _FieldSpec:
    name: str
    wire: str
    hint: Any
    check: Callable[[Any], None] | None
    required: bool
    omit_none: bool


_SPECS: dict[type[Any], tuple[_FieldSpec, ...]] = {}


def _specs(cls: type[Any]) -> tuple[_FieldSpec, ...]:
    cached = _SPECS.get(cls)
    if cached is not None:
        return cached
    hints = typing.get_type_hints(cls)
    out = []
    for f in fields(cls):
        out.append(
            _FieldSpec(
                name=f.name,
                wire=f.metadata.get("wire", f.name),
                hint=hints[f.name],
                check=f.metadata.get("check"),
                required=f.default is MISSING and f.default_factory is MISSING,
                omit_none=f.metadata.get("omit_none", False),
            )
        )
    _SPECS[cls] = tuple(out)
    return _SPECS[cls]


def _describe(hint: Any) -> str:
    origin = typing.get_origin(hint)
    if hint is str:
        return "a string"
    if hint is int:
        return "an integer"
    if hint is bool:
        return "true or false"
    if hint is datetime:
        return "an ISO 8601 time with a timezone"
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in typing.get_args(hint))
    if origin in (Union, types.UnionType):
        inner = [a for a in typing.get_args(hint) if a is not type(None)]
        return " or ".join(_describe(a) for a in inner) + " or null"
    if origin is tuple:
        return "a list"
    if is_dataclass(hint):
        return "an object"
    return str(hint)


def _invalid(path: str, hint: Any) -> ProtocolError:
    return ProtocolError(ErrorCode.INVALID_FIELD, f"field '{path}' must be {_describe(hint)}", path)


def _decode_value(value: Any, hint: Any, path: str) -> Any:
    origin = typing.get_origin(hint)
    if origin in (Union, types.UnionType):
        args = typing.get_args(hint)
        if value is None and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)]
        if len(inner) != 1:  # pragma: no cover - only Optional[X] is used
            raise TypeError(f"unsupported union {hint}")
        try:
            return _decode_value(value, inner[0], path)
        except ProtocolError as exc:
            raise _invalid(path, hint) from exc
    if hint is str:
        if not isinstance(value, str):
            raise _invalid(path, hint)
        return value
    if hint is bool:
        if not isinstance(value, bool):
            raise _invalid(path, hint)
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _invalid(path, hint)
        return value
    if hint is datetime:
        if not isinstance(value, str):
            raise _invalid(path, hint)
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise _invalid(path, hint) from None
        if parsed.tzinfo is None:
            raise _invalid(path, hint)
        return parsed
    if origin is Literal:
        if not isinstance(value, str) or value not in typing.get_args(hint):
            raise _invalid(path, hint)
        return value
    if origin is tuple:
        (item_hint, _ellipsis) = typing.get_args(hint)
        if not isinstance(value, list):
            raise _invalid(path, hint)
        if len(value) > 16:
            raise ProtocolError(ErrorCode.INVALID_FIELD, f"field '{path}' has more than 16 items", path)
        return tuple(_decode_value(v, item_hint, f"{path}[{i}]") for i, v in enumerate(value))
    if isinstance(hint, type) and is_dataclass(hint):
        if not isinstance(value, dict):
            raise _invalid(path, hint)
        return _decode_object(hint, value, prefix=f"{path}.")
    raise TypeError(f"unsupported field type {hint}")  # pragma: no cover


def _decode_object(
    cls: type[Any], data: dict[str, Any], *, prefix: str = "", skip: frozenset[str] = frozenset()
) -> Any:
    specs = _specs(cls)
    known = {s.wire for s in specs} | skip
    for key in data:
        if key not in known:
            accepted = ", ".join(sorted(s.wire for s in specs)) or "none"
            shown = f"{prefix}{key[:64]}"  # the key is client input: keep the echo short
            raise ProtocolError(
                ErrorCode.UNKNOWN_FIELD, f"unknown field '{shown}' (accepted fields: {accepted})", shown
            )
    kwargs: dict[str, Any] = {}
    for spec in specs:
        path = prefix + spec.wire
        if spec.wire not in data:
            if spec.required:
                raise ProtocolError(ErrorCode.MISSING_FIELD, f"missing field '{path}'", path)
            continue
        value = _decode_value(data[spec.wire], spec.hint, path)
        if spec.check is not None and value is not None:
            try:
                spec.check(value)
            except ValueError as exc:
                raise ProtocolError(ErrorCode.INVALID_FIELD, f"field '{path}': {exc}", path) from None
        kwargs[spec.name] = value
    try:
        return cls(**kwargs)
    except _CrossFieldError as exc:
        raise ProtocolError(ErrorCode.INVALID_FIELD, str(exc), prefix + exc.field) from None


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not valid JSON")


def message_types(*groups: Mapping[str, type[Any]] | tuple[type[Any], ...]) -> Mapping[str, type[Any]]:
    """Wire type -> message class over several groups; one type name may not mean two messages."""
    out: dict[str, type[Any]] = {}
    for group in groups:
        classes = group.values() if isinstance(group, Mapping) else group
        for cls in classes:
            if out.get(cls.TYPE, cls) is not cls:
                raise ValueError(f"two messages are called {cls.TYPE!r}")
            out[cls.TYPE] = cls
    return out


def decode_with(text: str | bytes, known: Mapping[str, type[Any]]) -> Any:
    """Parse one frame into whichever ``known`` message its ``type`` names (see :func:`message_types`)."""
    return _decode_with(text, known)


def _decode_with(text: str | bytes, registry: Mapping[str, type[Any]]) -> Any:
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise ProtocolError(ErrorCode.MALFORMED_JSON, "frame is not valid UTF-8") from None
    if len(text) > MAX_FRAME_CHARS:
        raise ProtocolError(
            ErrorCode.TOO_LARGE, f"frame is {len(text)} characters, more than the limit of {MAX_FRAME_CHARS}"
        )
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except (json.JSONDecodeError, ValueError) as exc:
        raise ProtocolError(ErrorCode.MALFORMED_JSON, f"frame is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ProtocolError(ErrorCode.NOT_AN_OBJECT, "frame must be a JSON object with a 'type' field")
    if "type" not in data:
        raise ProtocolError(ErrorCode.MISSING_FIELD, "missing field 'type'", "type")
    msg_type = data["type"]
    if not isinstance(msg_type, str):
        raise ProtocolError(ErrorCode.INVALID_FIELD, "field 'type' must be a string", "type")
    cls = registry.get(msg_type)
    if cls is None:
        accepted = ", ".join(sorted(registry))
        raise ProtocolError(
            ErrorCode.UNKNOWN_TYPE,
            f"unknown message type {msg_type[:64]!r}; accepted types: {accepted}",
            "type",
        )
    return _decode_object(cls, data, skip=frozenset({"type"}))


def decode(text: str | bytes) -> ClientMessage:
    """Parse one client frame; raises :class:`ProtocolError` (answer it with ``encode(error_from(exc))``)."""
    msg: ClientMessage = _decode_with(text, CLIENT_MESSAGE_TYPES)
    return msg


def decode_server(text: str | bytes) -> ServerMessage:
    """Parse one server frame (for bots, tests and non-browser clients)."""
    msg: ServerMessage = _decode_with(text, SERVER_MESSAGE_TYPES)
    return msg


def _encode_value(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("datetimes on the wire must be timezone-aware")
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, tuple):
        return [_encode_value(v) for v in value]
    if is_dataclass(value) and not isinstance(value, type):
        wire_type = getattr(type(value), "TYPE", None)
        if wire_type is not None:  # a whole message inside another (a transcript's lines)
            return {"type": wire_type, **_encode_fields(value)}
        return _encode_fields(value)
    if isinstance(value, float) and not math.isfinite(value):  # pragma: no cover - no float fields today
        raise ValueError("non-finite numbers are not valid JSON")
    return value


def _encode_fields(obj: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    nested = not hasattr(type(obj), "TYPE")
    for spec in _specs(type(obj)):
        value = getattr(obj, spec.name)
        if value is None and (nested or spec.omit_none):
            # RTCIceServer turns `username: null` into "null": omit unset members of nested objects.
            continue
        out[spec.wire] = _encode_value(value)
    return out


def encode(msg: Message) -> str:
    """One compact JSON text frame for a message (either direction)."""
    return json.dumps({"type": msg.TYPE, **_encode_fields(msg)}, ensure_ascii=False, separators=(",", ":"))
