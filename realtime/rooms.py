"""Call rooms: one per consultation, up to four role-labelled participants (mesh), admitted by room token.

The state changes are pure functions on frozen :class:`Room` values (``admit``, ``depart``, ``close``) that
return the new room and the events the app records call legs from. :class:`RoomStore` is the small storage
interface (an atomic read-modify-write per room plus a connection index), so a Redis-backed store can replace
:class:`InMemoryRoomStore` when several app processes share rooms. :class:`RoomRegistry` is the use-case
layer.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Final, Literal, TypeAlias, TypeVar

from realtime.protocol import ErrorCode, MediaMode
from realtime.roles import Role
from realtime.tokens import RoomClaims, TokenError, verify_room_token

__all__ = [
    "MAX_PARTICIPANTS",
    "CallLeg",
    "InMemoryRoomStore",
    "JoinResult",
    "LeaveReason",
    "Participant",
    "ParticipantJoined",
    "ParticipantLeft",
    "ParticipantRejoined",
    "Room",
    "RoomClosed",
    "RoomError",
    "RoomEvent",
    "RoomOpened",
    "RoomRegistry",
    "RoomStore",
    "admit",
    "close",
    "depart",
    "legs_from_events",
]

MAX_PARTICIPANTS: Final = 4  # browser mesh: each sends its media to every other participant

LeaveReason = Literal["left", "disconnected", "closed", "removed"]
T = TypeVar("T")


class RoomError(Exception):
    """A room operation was refused; ``code`` is an :class:`~realtime.protocol.ErrorCode` value."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class Participant:
    """Someone in a room, reachable on one websocket connection."""

    participant_id: str
    role: Role
    connection_id: str
    joined_at: datetime
    mode: MediaMode = "video"


@dataclass(frozen=True, slots=True)
class Room:
    """A call room's state; replaced (never mutated) on every change."""

    room_id: str
    consultation_id: str
    opened_at: datetime
    participants: tuple[Participant, ...] = ()
    closed_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        """Closed rooms are kept a while so late joiners get "room closed" rather than "not found"."""
        return self.closed_at is None

    def participant(self, participant_id: str) -> Participant | None:
        """The participant with this id, if present."""
        return next((p for p in self.participants if p.participant_id == participant_id), None)

    def others(self, participant_id: str) -> tuple[Participant, ...]:
        """Everyone but this participant (the peers to signal to)."""
        return tuple(p for p in self.participants if p.participant_id != participant_id)


# --- events -------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RoomOpened:
    """A room was created for a consultation."""

    room_id: str
    consultation_id: str
    at: datetime


@dataclass(frozen=True, slots=True)
class ParticipantJoined:
    """A participant entered: the app starts a call leg (role, joined_at)."""

    room_id: str
    consultation_id: str
    participant_id: str
    role: Role
    connection_id: str
    at: datetime


@dataclass(frozen=True, slots=True)
class ParticipantRejoined:
    """A participant present already came back on a new connection (reload): the call leg continues."""

    room_id: str
    consultation_id: str
    participant_id: str
    role: Role
    connection_id: str
    previous_connection_id: str
    at: datetime


@dataclass(frozen=True, slots=True)
class ParticipantLeft:
    """A participant left: the app ends the call leg (left_at = ``at``, joined_at given for convenience)."""

    room_id: str
    consultation_id: str
    participant_id: str
    role: Role
    connection_id: str
    joined_at: datetime
    at: datetime
    reason: LeaveReason
    remaining: tuple[Participant, ...]

    @property
    def interpreter_left_mid_call(self) -> bool:
        """The interpreter dropped while others stay in the open room: routing may find another one."""
        return self.role == "interpreter" and self.reason != "closed" and bool(self.remaining)

    @property
    def duration(self) -> timedelta:
        """Length of this leg."""
        return self.at - self.joined_at


@dataclass(frozen=True, slots=True)
class RoomClosed:
    """The room was closed (call ended or consultation cancelled); every leg has ended before this event."""

    room_id: str
    consultation_id: str
    at: datetime
    reason: str


RoomEvent: TypeAlias = RoomOpened | ParticipantJoined | ParticipantRejoined | ParticipantLeft | RoomClosed


@dataclass(frozen=True, slots=True)
class CallLeg:
    """One participant's stay in a room; interpreter legs are billable minutes."""

    room_id: str
    consultation_id: str
    participant_id: str
    role: Role
    joined_at: datetime
    left_at: datetime | None

    def duration(self, now: datetime) -> timedelta:
        """Length so far (``now`` for a leg still open)."""
        return (self.left_at or now) - self.joined_at


def legs_from_events(events: Iterable[RoomEvent]) -> list[CallLeg]:
    """Rebuild call legs from a room's events (rejoins continue a leg); open legs have ``left_at`` None."""
    legs: list[CallLeg] = []
    open_legs: dict[tuple[str, str], int] = {}
    for event in events:
        if isinstance(event, ParticipantJoined):
            open_legs[(event.room_id, event.participant_id)] = len(legs)
            legs.append(
                CallLeg(
                    event.room_id, event.consultation_id, event.participant_id, event.role, event.at, None
                )
            )
        elif isinstance(event, ParticipantLeft):
            index = open_legs.pop((event.room_id, event.participant_id), None)
            if index is not None:
                legs[index] = replace(legs[index], left_at=event.at)
    return legs


# --- pure transitions ---------------------------------------------------------------------------------------


def admit(
    room: Room,
    claims: RoomClaims,
    connection_id: str,
    now: datetime,
    *,
    max_participants: int = MAX_PARTICIPANTS,
) -> tuple[Room, list[RoomEvent]]:
    """Let a token holder in: a rejoin replaces their connection, a newcomer needs a free place."""
    if not room.is_open:
        raise RoomError(ErrorCode.ROOM_CLOSED, "this call has ended")
    if claims.room_id != room.room_id:
        raise RoomError(ErrorCode.BAD_TOKEN, "token was issued for another room")
    present = room.participant(claims.participant_id)
    if present is not None:
        if present.role != claims.role:
            raise RoomError(ErrorCode.FORBIDDEN, "participant is already in the room with another role")
        updated = replace(present, connection_id=connection_id)
        room = replace(
            room,
            participants=tuple(updated if p is present else p for p in room.participants),
        )
        return room, [
            ParticipantRejoined(
                room_id=room.room_id,
                consultation_id=room.consultation_id,
                participant_id=present.participant_id,
                role=present.role,
                connection_id=connection_id,
                previous_connection_id=present.connection_id,
                at=now,
            )
        ]
    if len(room.participants) >= max_participants:
        raise RoomError(ErrorCode.ROOM_FULL, f"the room already has {max_participants} participants")
    newcomer = Participant(claims.participant_id, claims.role, connection_id, now)
    room = replace(room, participants=(*room.participants, newcomer))
    return room, [
        ParticipantJoined(
            room_id=room.room_id,
            consultation_id=room.consultation_id,
            participant_id=newcomer.participant_id,
            role=newcomer.role,
            connection_id=connection_id,
            at=now,
        )
    ]


def depart(
    room: Room, participant_id: str, now: datetime, reason: LeaveReason, *, connection_id: str | None = None
) -> tuple[Room, list[RoomEvent]]:
    """Remove a participant; with ``connection_id`` only if that is still their connection (stale sockets)."""
    leaver = room.participant(participant_id)
    if leaver is None or (connection_id is not None and leaver.connection_id != connection_id):
        return room, []
    remaining = room.others(participant_id)
    room = replace(room, participants=remaining)
    return room, [
        ParticipantLeft(
            room_id=room.room_id,
            consultation_id=room.consultation_id,
            participant_id=leaver.participant_id,
            role=leaver.role,
            connection_id=leaver.connection_id,
            joined_at=leaver.joined_at,
            at=now,
            reason=reason,
            remaining=remaining,
        )
    ]


def close(room: Room, now: datetime, reason: str) -> tuple[Room, list[RoomEvent]]:
    """End the call: one ``ParticipantLeft(reason="closed")`` per participant, then ``RoomClosed``."""
    if not room.is_open:
        return room, []
    events: list[RoomEvent] = []
    for p in room.participants:
        events.append(
            ParticipantLeft(
                room_id=room.room_id,
                consultation_id=room.consultation_id,
                participant_id=p.participant_id,
                role=p.role,
                connection_id=p.connection_id,
                joined_at=p.joined_at,
                at=now,
                reason="closed",
                remaining=(),
            )
        )
    events.append(RoomClosed(room.room_id, room.consultation_id, now, reason))
    return replace(room, participants=(), closed_at=now), events


# --- storage ------------------------------------------------------------------------------------------------

Updater: TypeAlias = Callable[[Room | None], tuple[Room | None, T]]


class RoomStore(abc.ABC):
    """Where rooms live. ``update`` must be atomic per room (Redis: WATCH/MULTI or a Lua script)."""

    @abc.abstractmethod
    async def get(self, room_id: str) -> Room | None:
        """The room, open or recently closed."""

    @abc.abstractmethod
    async def update(self, room_id: str, fn: Updater[T]) -> T:
        """Apply ``fn`` to the current room (None if absent) and store what it returns (None deletes)."""

    @abc.abstractmethod
    async def open_room_of(self, consultation_id: str) -> Room | None:
        """The open room of a consultation, if any (one room per consultation)."""

    @abc.abstractmethod
    async def rooms_of_connection(self, connection_id: str) -> list[str]:
        """Ids of the rooms where this connection is a participant's current connection."""

    @abc.abstractmethod
    async def closed_before(self, before: datetime) -> list[str]:
        """Ids of rooms closed before ``before`` (for pruning)."""


class InMemoryRoomStore(RoomStore):
    """Rooms of a single app process (the embedded default)."""

    def __init__(self) -> None:
        self._rooms: dict[str, Room] = {}
        self._open_by_consultation: dict[str, str] = {}
        self._by_connection: dict[str, set[str]] = {}

    async def get(self, room_id: str) -> Room | None:
        return self._rooms.get(room_id)

    async def update(self, room_id: str, fn: Updater[T]) -> T:
        # No await between read and write: atomic on one event loop.
        old = self._rooms.get(room_id)
        new, result = fn(old)
        self._unindex(old)
        if new is None:
            self._rooms.pop(room_id, None)
        else:
            self._rooms[room_id] = new
            self._index(new)
        return result

    def _unindex(self, room: Room | None) -> None:
        if room is None:
            return
        if self._open_by_consultation.get(room.consultation_id) == room.room_id:
            del self._open_by_consultation[room.consultation_id]
        for p in room.participants:
            rooms = self._by_connection.get(p.connection_id)
            if rooms is not None:
                rooms.discard(room.room_id)
                if not rooms:
                    del self._by_connection[p.connection_id]

    def _index(self, room: Room) -> None:
        if room.is_open:
            self._open_by_consultation[room.consultation_id] = room.room_id
        for p in room.participants:
            self._by_connection.setdefault(p.connection_id, set()).add(room.room_id)

    async def open_room_of(self, consultation_id: str) -> Room | None:
        room_id = self._open_by_consultation.get(consultation_id)
        return None if room_id is None else self._rooms.get(room_id)

    async def rooms_of_connection(self, connection_id: str) -> list[str]:
        return sorted(self._by_connection.get(connection_id, ()))

    async def closed_before(self, before: datetime) -> list[str]:
        return [r.room_id for r in self._rooms.values() if r.closed_at is not None and r.closed_at < before]


# --- use cases ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class JoinResult:
    """Outcome of a successful join: the room after it, who joined, and the events to record."""

    room: Room
    participant: Participant
    rejoined: bool
    previous_connection_id: str | None
    events: tuple[RoomEvent, ...]

    @property
    def peers(self) -> tuple[Participant, ...]:
        """The others already in the room: the newcomer offers to each (avoids offer glare)."""
        return self.room.others(self.participant.participant_id)


def _token_error(exc: TokenError) -> RoomError:
    if exc.reason == "expired":
        return RoomError(ErrorCode.TOKEN_EXPIRED, "room token has expired; ask for a new invitation")
    return RoomError(ErrorCode.BAD_TOKEN, f"room token refused ({exc.reason})")


class RoomRegistry:
    """Room use cases: open, join with a token, leave, route a signal, close; returns events, never sends."""

    def __init__(
        self,
        store: RoomStore,
        secret: bytes | Sequence[bytes],
        *,
        max_participants: int = MAX_PARTICIPANTS,
    ) -> None:
        if not 2 <= max_participants <= MAX_PARTICIPANTS:
            raise ValueError(f"max_participants must be between 2 and {MAX_PARTICIPANTS} (mesh)")
        self.store = store
        self._secret = secret
        self.max_participants = max_participants

    async def get(self, room_id: str) -> Room | None:
        """The room, if known."""
        return await self.store.get(room_id)

    async def open_room(
        self, room_id: str, consultation_id: str, now: datetime
    ) -> tuple[Room, list[RoomEvent]]:
        """Open the consultation's room; idempotent: the consultation's open room is returned as is.

        The returned room's id may differ from ``room_id`` then: use it for the invitations.
        """
        existing = await self.store.open_room_of(consultation_id)
        if existing is not None:
            return existing, []

        def fn(room: Room | None) -> tuple[Room | None, tuple[Room, list[RoomEvent]]]:
            if room is not None:
                if room.consultation_id != consultation_id:
                    raise RoomError(ErrorCode.FORBIDDEN, "room id already used by another consultation")
                if not room.is_open:
                    raise RoomError(ErrorCode.ROOM_CLOSED, "room id belongs to a call that has ended")
                return room, (room, [])
            new = Room(room_id=room_id, consultation_id=consultation_id, opened_at=now)
            return new, (new, [RoomOpened(room_id, consultation_id, now)])

        return await self.store.update(room_id, fn)

    async def join(
        self,
        room_id: str,
        token: str,
        connection_id: str,
        now: datetime,
        *,
        expected_participant_id: str | None = None,
    ) -> JoinResult:
        """Admit the token's participant on ``connection_id``; ``expected_participant_id`` pins a login."""
        try:
            claims = verify_room_token(self._secret, token, room_id=room_id, now=now)
        except TokenError as exc:
            raise _token_error(exc) from None
        if expected_participant_id is not None and claims.participant_id != expected_participant_id:
            raise RoomError(ErrorCode.FORBIDDEN, "room token belongs to someone else")

        def fn(room: Room | None) -> tuple[Room | None, JoinResult]:
            if room is None:
                raise RoomError(ErrorCode.ROOM_NOT_FOUND, f"no room {room_id!r}")
            previous = room.participant(claims.participant_id)
            new, events = admit(room, claims, connection_id, now, max_participants=self.max_participants)
            me = new.participant(claims.participant_id)
            assert me is not None
            return new, JoinResult(
                room=new,
                participant=me,
                rejoined=previous is not None,
                previous_connection_id=None if previous is None else previous.connection_id,
                events=tuple(events),
            )

        return await self.store.update(room_id, fn)

    async def leave(
        self,
        room_id: str,
        participant_id: str,
        now: datetime,
        *,
        reason: LeaveReason = "left",
        connection_id: str | None = None,
    ) -> list[RoomEvent]:
        """A participant hangs up (or staff removes them with ``reason="removed"``); no-op if absent."""

        def fn(room: Room | None) -> tuple[Room | None, list[RoomEvent]]:
            if room is None:
                return None, []
            new, events = depart(room, participant_id, now, reason, connection_id=connection_id)
            return new, events

        return await self.store.update(room_id, fn)

    async def leave_connection(self, connection_id: str, now: datetime) -> list[RoomEvent]:
        """A websocket closed: its participants leave every room (unless they already rejoined elsewhere)."""
        events: list[RoomEvent] = []
        for room_id in await self.store.rooms_of_connection(connection_id):

            def fn(room: Room | None) -> tuple[Room | None, list[RoomEvent]]:
                if room is None:
                    return None, []
                out: list[RoomEvent] = []
                for p in room.participants:
                    if p.connection_id == connection_id:
                        room, evs = depart(
                            room, p.participant_id, now, "disconnected", connection_id=connection_id
                        )
                        out += evs
                return room, out

            events += await self.store.update(room_id, fn)
        return events

    async def sender(self, room_id: str, participant_id: str | None, connection_id: str) -> Participant:
        """The participant that this connection speaks for in the room, or ``not_in_room``."""
        room = await self.store.get(room_id)
        if room is None or not room.is_open:
            raise RoomError(ErrorCode.NOT_IN_ROOM, f"not in room {room_id!r}")
        for p in room.participants:
            if p.connection_id == connection_id and (
                participant_id is None or p.participant_id == participant_id
            ):
                return p
        raise RoomError(ErrorCode.NOT_IN_ROOM, f"not in room {room_id!r}")

    async def route_signal(
        self, room_id: str, connection_id: str, to: str
    ) -> tuple[Participant, Participant]:
        """Check that sender and target share the open room; returns (sender, target) for the relay."""
        src = await self.sender(room_id, None, connection_id)
        room = await self.store.get(room_id)
        target = None if room is None else room.participant(to)
        if target is None or target.participant_id == src.participant_id:
            raise RoomError(ErrorCode.NOT_IN_ROOM, f"participant {to!r} is not in room {room_id!r}")
        return src, target

    async def set_mode(self, room_id: str, connection_id: str, mode: MediaMode) -> tuple[Room, Participant]:
        """Record a participant's audio/video mode (shown to late joiners)."""
        src = await self.sender(room_id, None, connection_id)

        def fn(room: Room | None) -> tuple[Room | None, tuple[Room, Participant]]:
            if room is None or room.participant(src.participant_id) is None:
                raise RoomError(ErrorCode.NOT_IN_ROOM, f"not in room {room_id!r}")
            updated = replace(src, mode=mode)
            new = replace(
                room,
                participants=tuple(
                    updated if p.participant_id == src.participant_id else p for p in room.participants
                ),
            )
            return new, (new, updated)

        return await self.store.update(room_id, fn)

    async def close_room(self, room_id: str, now: datetime, reason: str = "ended") -> list[RoomEvent]:
        """End the call: everyone's leg ends now; the room refuses further joins."""

        def fn(room: Room | None) -> tuple[Room | None, list[RoomEvent]]:
            if room is None:
                return None, []
            return close(room, now, reason)

        return await self.store.update(room_id, fn)

    async def prune_closed(self, before: datetime) -> int:
        """Forget rooms closed before ``before`` (call from a periodic task); returns how many."""
        ids = await self.store.closed_before(before)
        for room_id in ids:
            await self.store.update(
                room_id, lambda room: (None if room is None or not room.is_open else room, None)
            )
        return len(ids)
