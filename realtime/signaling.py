"""Room messages in, frames out: the transport-independent half of the app's websocket for calls.

:class:`RoomSignaling` takes a decoded room frame from one connection and returns an :class:`Outcome`: the
frames to send (to which connection) and the room events to record. It never touches a socket, so the app's
hub (one process, or Redis pub/sub across processes) only delivers ``Outcome.outbound`` and persists
``Outcome.events``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final, TypeAlias

from realtime.protocol import (
    ErrorMessage,
    MediaModeChanged,
    MediaModeSet,
    PeerInfo,
    RelayedAnswer,
    RelayedIce,
    RelayedOffer,
    RoomClosed,
    RoomInvite,
    RoomJoin,
    RoomJoined,
    RoomLeave,
    RoomPeerJoined,
    RoomPeerLeft,
    ServerMessage,
    SignalAnswer,
    SignalIce,
    SignalOffer,
)
from realtime.roles import Role
from realtime.rooms import (
    Participant,
    ParticipantJoined,
    ParticipantLeft,
    ParticipantRejoined,
    Room,
    RoomError,
    RoomEvent,
    RoomRegistry,
)
from realtime.rooms import RoomClosed as RoomClosedEvent
from realtime.tokens import issue_room_token
from realtime.turn import IceServer

__all__ = [
    "ROOM_MESSAGE_TYPES",
    "IceServersFor",
    "Outbound",
    "Outcome",
    "RoomMessage",
    "RoomSignaling",
    "describe_event",
    "make_invite",
]

RoomMessage: TypeAlias = RoomJoin | RoomLeave | SignalOffer | SignalAnswer | SignalIce | MediaModeSet
ROOM_MESSAGE_TYPES: Final = (RoomJoin, RoomLeave, SignalOffer, SignalAnswer, SignalIce, MediaModeSet)

IceServersFor: TypeAlias = Callable[[str, Role, datetime], Sequence[IceServer]]
"""(participant_id, role, now) -> ICE servers with fresh TURN credentials (see ``ice_server_list``)."""


@dataclass(frozen=True, slots=True)
class Outbound:
    """One frame for one websocket connection."""

    connection_id: str
    message: ServerMessage


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the app must do after a room frame: send ``outbound`` in order, record ``events``."""

    outbound: tuple[Outbound, ...] = ()
    events: tuple[RoomEvent, ...] = ()

    def __add__(self, other: Outcome) -> Outcome:
        return Outcome(self.outbound + other.outbound, self.events + other.events)


NamesFor: TypeAlias = Callable[[Sequence[str]], Awaitable[Mapping[str, str]]]
"""participant ids -> display names of the staff among them (interpreters, counselors); others left out."""


def _peer(p: Participant, names: Mapping[str, str]) -> PeerInfo:
    return PeerInfo(
        participant_id=p.participant_id, role=p.role, mode=p.mode, display_name=names.get(p.participant_id)
    )


def _notify(events: Sequence[RoomEvent]) -> tuple[Outbound, ...]:
    """Frames telling the other participants about leaves and closes (joins are answered by ``_joined``)."""
    out: list[Outbound] = []
    for event in events:
        if isinstance(event, ParticipantLeft):
            if event.reason in ("closed", "removed"):
                out.append(
                    Outbound(event.connection_id, RoomClosed(room_id=event.room_id, reason=event.reason))
                )
            if event.reason != "closed":
                for other in event.remaining:
                    msg = RoomPeerLeft(
                        room_id=event.room_id,
                        participant_id=event.participant_id,
                        role=event.role,
                        reason=event.reason,
                    )
                    out.append(Outbound(other.connection_id, msg))
    return tuple(out)


def make_invite(
    secret: bytes,
    room: Room,
    participant_id: str,
    role: Role,
    now: datetime,
    *,
    ttl_s: int = 120,
    offer_id: str | None = None,
) -> RoomInvite:
    """The ``room.invite`` frame (with a fresh room token) for the counselor, tablet or accepting interpreter.

    A resident's own-device link needs a longer ``ttl_s`` than a live socket (they may open it minutes later).
    """
    token = issue_room_token(secret, room.room_id, participant_id, role, ttl_s, now)
    return RoomInvite(
        room_id=room.room_id, consultation_id=room.consultation_id, role=role, token=token, offer_id=offer_id
    )


class RoomSignaling:
    """Handles ``room.*``, ``signal.*`` and ``media.mode`` frames against a :class:`RoomRegistry`."""

    def __init__(
        self,
        registry: RoomRegistry,
        ice_servers_for: IceServersFor | None = None,
        names_for: NamesFor | None = None,
    ) -> None:
        self.registry = registry
        self._ice_servers_for = ice_servers_for
        self._names_for = names_for

    async def handle(
        self,
        connection_id: str,
        msg: RoomMessage,
        now: datetime,
        *,
        principal: str | None = None,
    ) -> Outcome:
        """Act on one frame from ``connection_id``; refusals come back as an ``error`` frame to the sender.

        ``principal`` (the authenticated participant id, if the socket is logged in) pins room tokens to it.
        """
        try:
            if isinstance(msg, RoomJoin):
                return await self._join(connection_id, msg, now, principal)
            if isinstance(msg, RoomLeave):
                src = await self.registry.sender(msg.room_id, None, connection_id)
                events = await self.registry.leave(
                    msg.room_id, src.participant_id, now, reason="left", connection_id=connection_id
                )
                return Outcome(_notify(events), tuple(events))
            if isinstance(msg, MediaModeSet):
                room, me = await self.registry.set_mode(msg.room_id, connection_id, msg.mode)
                frame = MediaModeChanged(room_id=room.room_id, from_=me.participant_id, mode=msg.mode)
                return Outcome(
                    tuple(Outbound(p.connection_id, frame) for p in room.others(me.participant_id))
                )
            return await self._relay(connection_id, msg)
        except RoomError as exc:
            return Outcome(
                (Outbound(connection_id, ErrorMessage(code=exc.code, message=exc.message, field=None)),)
            )

    async def _join(self, connection_id: str, msg: RoomJoin, now: datetime, principal: str | None) -> Outcome:
        result = await self.registry.join(
            msg.room_id, msg.token, connection_id, now, expected_participant_id=principal
        )
        me = result.participant
        ice = tuple(self._ice_servers_for(me.participant_id, me.role, now)) if self._ice_servers_for else ()
        everyone = [me.participant_id, *(p.participant_id for p in result.peers)]
        names = await self._names_for(everyone) if self._names_for else {}
        out = [
            Outbound(
                connection_id,
                RoomJoined(
                    room_id=result.room.room_id,
                    participant_id=me.participant_id,
                    role=me.role,
                    peers=tuple(_peer(p, names) for p in result.peers),
                    ice_servers=ice,
                ),
            )
        ]
        if result.previous_connection_id is not None and result.previous_connection_id != connection_id:
            out.append(
                Outbound(
                    result.previous_connection_id, RoomClosed(room_id=result.room.room_id, reason="replaced")
                )
            )
        joined = RoomPeerJoined(
            room_id=result.room.room_id,
            participant_id=me.participant_id,
            role=me.role,
            rejoined=result.rejoined,
            display_name=names.get(me.participant_id),
        )
        out += [Outbound(p.connection_id, joined) for p in result.peers]
        return Outcome(tuple(out), result.events)

    async def _relay(self, connection_id: str, msg: SignalOffer | SignalAnswer | SignalIce) -> Outcome:
        src, target = await self.registry.route_signal(msg.room_id, connection_id, msg.to)
        relayed: ServerMessage
        if isinstance(msg, SignalOffer):
            relayed = RelayedOffer(room_id=msg.room_id, from_=src.participant_id, sdp=msg.sdp)
        elif isinstance(msg, SignalAnswer):
            relayed = RelayedAnswer(room_id=msg.room_id, from_=src.participant_id, sdp=msg.sdp)
        else:
            relayed = RelayedIce(
                room_id=msg.room_id,
                from_=src.participant_id,
                candidate=msg.candidate,
                sdp_mid=msg.sdp_mid,
                sdp_mline_index=msg.sdp_mline_index,
                username_fragment=msg.username_fragment,
            )
        return Outcome((Outbound(target.connection_id, relayed),))

    async def disconnected(self, connection_id: str, now: datetime) -> Outcome:
        """A websocket closed (call in the disconnect clean-up): leaves its rooms, tells the others."""
        events = await self.registry.leave_connection(connection_id, now)
        return Outcome(_notify(events), tuple(events))

    async def remove(self, room_id: str, participant_id: str, now: datetime) -> Outcome:
        """Staff removes a participant (e.g. a mistaken interpreter); they get ``room.closed`` "removed"."""
        events = await self.registry.leave(room_id, participant_id, now, reason="removed")
        return Outcome(_notify(events), tuple(events))

    async def close_room(self, room_id: str, now: datetime, reason: str = "ended") -> Outcome:
        """End the call for everyone (consultation finished or cancelled)."""
        events = await self.registry.close_room(room_id, now, reason)
        out = [
            Outbound(e.connection_id, RoomClosed(room_id=e.room_id, reason=reason))
            for e in events
            if isinstance(e, ParticipantLeft)
        ]
        return Outcome(tuple(out), tuple(events))


def describe_event(event: RoomEvent) -> str:
    """A one-line log text for a room event."""
    if isinstance(event, ParticipantJoined):
        return f"{event.role} {event.participant_id} joined {event.room_id}"
    if isinstance(event, ParticipantRejoined):
        return f"{event.role} {event.participant_id} rejoined {event.room_id}"
    if isinstance(event, ParticipantLeft):
        mid = " (interpreter left mid-call)" if event.interpreter_left_mid_call else ""
        return f"{event.role} {event.participant_id} left {event.room_id}: {event.reason}{mid}"
    if isinstance(event, RoomClosedEvent):
        return f"room {event.room_id} closed: {event.reason}"
    return f"room {event.room_id} opened for {event.consultation_id}"
