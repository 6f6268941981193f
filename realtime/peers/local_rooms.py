"""Call rooms in one process without the app: room signaling and frame delivery, for tests and benches.

Every frame is encoded to JSON text and decoded again on both ways, exactly as the app's websocket does, so a
bridge that works here speaks the real wire protocol. The rooms read the time from the ``now`` they are given
(a test's or bench's clock), never from the wall clock.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable, Sequence
from datetime import datetime

from realtime.peers.phone_bridge import PhoneBridgeError, RoomTransport
from realtime.protocol import ClientMessage, RoomInvite, ServerMessage, decode, decode_server, encode
from realtime.roles import Role
from realtime.rooms import InMemoryRoomStore, Room, RoomRegistry
from realtime.signaling import ROOM_MESSAGE_TYPES, Outbound, RoomSignaling, make_invite
from realtime.turn import IceServer

__all__ = ["LocalRooms", "LocalTransport"]


class LocalRooms:
    """A room registry and a relay between in-process connections (the app's hub, minus the sockets)."""

    def __init__(
        self, secret: bytes, ice_servers: Sequence[IceServer] = (), *, now: Callable[[], datetime]
    ) -> None:
        self.secret = secret
        self.now = now  # aware instants: room events and the invitations' validity
        self.registry = RoomRegistry(InMemoryRoomStore(), secret)
        self.signaling = RoomSignaling(self.registry, lambda _p, _r, _t: ice_servers)
        self._connections: dict[str, Callable[[ServerMessage], None]] = {}
        self._ids = itertools.count(1)
        self._opened = asyncio.Condition()

    async def open(self, consultation_id: str) -> Room:
        """Open the consultation's room (what routing does when the call is assigned)."""
        room, _ = await self.registry.open_room(consultation_id, consultation_id, self.now())
        async with self._opened:
            self._opened.notify_all()
        return room

    async def close(self, consultation_id: str, reason: str = "ended") -> None:
        """End the call for everyone."""
        outcome = await self.signaling.close_room(consultation_id, self.now(), reason)
        self._deliver(outcome.outbound)

    def transport(self, participant_id: str, role: Role = "phone") -> LocalTransport:
        """A new connection that will enter rooms as ``participant_id`` with ``role``."""
        return LocalTransport(self, f"local-{next(self._ids)}", participant_id, role)

    def attach(self, connection_id: str, deliver: Callable[[ServerMessage], None]) -> None:
        """Frames for ``connection_id`` go to ``deliver`` (a websocket's send, in the app)."""
        self._connections[connection_id] = deliver

    async def wait_open(self, consultation_id: str) -> Room:
        """The consultation's room once it is open."""
        async with self._opened:
            while True:
                room = await self.registry.store.open_room_of(consultation_id)
                if room is not None:
                    return room
                await self._opened.wait()

    async def receive(self, connection_id: str, message: ClientMessage) -> None:
        """A client frame from ``connection_id``, handled as the app's websocket would."""
        parsed = decode(encode(message))  # the same checks as a frame from a browser
        if isinstance(parsed, ROOM_MESSAGE_TYPES):
            outcome = await self.signaling.handle(connection_id, parsed, self.now())
            self._deliver(outcome.outbound)

    async def disconnect(self, connection_id: str) -> None:
        """The connection is gone: it leaves its rooms and the others are told."""
        self._connections.pop(connection_id, None)
        outcome = await self.signaling.disconnected(connection_id, self.now())
        self._deliver(outcome.outbound)

    def _deliver(self, outbound: Sequence[Outbound]) -> None:
        for out in outbound:
            deliver = self._connections.get(out.connection_id)
            if deliver is not None:
                deliver(decode_server(encode(out.message)))


class LocalTransport(RoomTransport):
    """One in-process connection to :class:`LocalRooms`."""

    def __init__(self, rooms: LocalRooms, connection_id: str, participant_id: str, role: Role) -> None:
        self.rooms = rooms
        self.connection_id = connection_id
        self.participant_id = participant_id
        self.role = role

    def listen(self, deliver: Callable[[ServerMessage], None]) -> None:
        self.rooms.attach(self.connection_id, deliver)

    async def invitation(self, consultation_id: str) -> RoomInvite:
        room = await self.rooms.wait_open(consultation_id)
        if not room.is_open:
            raise PhoneBridgeError("room_closed", "the call has ended")
        return make_invite(self.rooms.secret, room, self.participant_id, self.role, self.rooms.now())

    async def send(self, message: ClientMessage) -> None:
        await self.rooms.receive(self.connection_id, message)

    async def close(self) -> None:
        await self.rooms.disconnect(self.connection_id)
