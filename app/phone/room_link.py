"""The app's end of the phone bridge: a phone call enters the consultation's call room like a browser would.

The bridge gets a connection of its own on the live hub (so room frames reach it exactly as they reach a
websocket) and its frames go through the gateway (so relaying, the ``phone`` call leg with its minutes, and
the clean-up when it disconnects are those of every other participant). It never needs an invitation pushed
to it: once routing has connected the consultation (the room is open), the app signs a ``phone`` room token
itself, which also covers a bridge that starts after the call began.

Use from the SIP gateway::

    bridge = phone_bridge(app, call_audio, on_queue=..., on_status=...)
    bridge.play_hold_music()
    await bridge.join(consultation_id)      # returns once the caller is in the call
    reason = await bridge.wait_ended()      # "hung_up", "left" or "room_closed:<reason>"
    await bridge.close()
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from typing import Final

from fastapi import FastAPI
from sqlalchemy import select

from app.clock import Clock
from app.config import Settings
from app.consultation.models import Consultation
from app.enums import ConsultationStatus
from app.live import topics
from app.live.frames import CaseStatus
from app.live.gateway import Gateway
from app.live.hub import Hub, Subscriber
from realtime.peers.phone_bridge import PhoneBridge, PhoneBridgeError, RoomTransport
from realtime.phone_audio import CallAudio
from realtime.protocol import (
    SERVER_MESSAGE_TYPES,
    ClientMessage,
    ErrorCode,
    ProtocolError,
    QueueUpdate,
    RoomInvite,
    ServerMessage,
    decode,
    decode_with,
    encode,
    message_types,
)
from realtime.signaling import ROOM_MESSAGE_TYPES, make_invite

__all__ = ["INVITE_TTL_S", "AppRoomTransport", "phone_bridge"]

log = logging.getLogger(__name__)

BRIDGE_HEARS: Final = message_types(SERVER_MESSAGE_TYPES, (CaseStatus,))  # what the hub sends it, typed
INVITE_TTL_S: Final = 120  # used at once: the bridge signs and presents its own token
_OVER: Final = frozenset(
    {
        ConsultationStatus.ended,
        ConsultationStatus.cancelled,
        ConsultationStatus.abandoned,
        ConsultationStatus.fallback,
    }
)

OnQueue = Callable[[int, int | None], None]
"""(position, estimated_wait_s or None): the caller's place in the queue changed."""
OnStatus = Callable[[str], None]
"""A consultation status push ("connecting", "connected", "interpreter_changing", "ended", ...)."""


class AppRoomTransport(RoomTransport):
    """One in-process connection to the live hub and gateway, used by one phone bridge."""

    def __init__(
        self, app: FastAPI, *, on_queue: OnQueue | None = None, on_status: OnStatus | None = None
    ) -> None:
        self._gateway: Gateway = app.state.gateway
        self._hub: Hub = app.state.hub
        self._settings: Settings = app.state.settings
        self._clock: Clock = app.state.clock
        self._sessionmaker = app.state.sessionmaker
        self._on_queue = on_queue
        self._on_status = on_status
        self.connection_id = f"phone-{uuid.uuid4().hex}"
        self._deliver: Callable[[ServerMessage], None] | None = None
        self._statuses: dict[str, ConsultationStatus] = {}
        self._changed = asyncio.Event()
        self._closed = False
        self._subscriber = Subscriber(self._receive, self._hub_closed, self.connection_id)
        self._subscriber.start()
        self._hub.subscribe(self._subscriber, [topics.connection(self.connection_id)])

    def listen(self, deliver: Callable[[ServerMessage], None]) -> None:
        self._deliver = deliver

    async def invitation(self, consultation_id: str) -> RoomInvite:
        """Follow the consultation until its call room is open, then sign the phone participant's token."""
        # follow first, then read: a change in between is not missed
        self._hub.subscribe(self._subscriber, [topics.consultation(consultation_id)])
        async with self._sessionmaker() as session:
            status = await session.scalar(
                select(Consultation.status).where(Consultation.public_id == consultation_id)
            )
        if status is None:
            self._hub.unsubscribe(self._subscriber, [topics.consultation(consultation_id)])
            raise PhoneBridgeError("room_not_found", f"no consultation {consultation_id!r}")
        desk = self._gateway.desk
        position = desk.position(consultation_id)
        if position is not None and self._on_queue is not None:
            self._on_queue(position.position, position.estimated_wait_s)
        while True:
            self._changed.clear()
            room = await desk.rooms.store.open_room_of(consultation_id)
            if room is not None:
                return make_invite(
                    self._settings.room_secret,
                    room,
                    topics.phone_participant(consultation_id),
                    "phone",
                    self._clock.now(),
                    ttl_s=INVITE_TTL_S,
                )
            if status in _OVER or self._statuses.get(consultation_id) in _OVER:
                raise PhoneBridgeError("room_closed", f"consultation {consultation_id} ended without a call")
            status = None
            await self._changed.wait()

    async def send(self, message: ClientMessage) -> None:
        parsed = decode(encode(message))  # the checks every websocket frame gets
        if not isinstance(parsed, ROOM_MESSAGE_TYPES):
            raise ValueError(f"a phone bridge only sends room frames, not {type(parsed).TYPE}")
        await self._gateway.room_frame(self.connection_id, parsed, self._clock.now(), None)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._hub.unsubscribe(self._subscriber)
        await self._subscriber.stop()
        await self._gateway.disconnected(self.connection_id, self._clock.now())

    async def _receive(self, text: str) -> None:
        """A frame the hub would have written to a websocket."""
        try:
            message: ServerMessage | CaseStatus = decode_with(text, BRIDGE_HEARS)
        except ProtocolError as exc:
            if exc.code not in (ErrorCode.UNKNOWN_TYPE, ErrorCode.MALFORMED_JSON):
                log.warning("phone bridge got a frame it cannot read: %s", exc)
            return  # queue.changed, fallback.offered and the like: nothing for the bridge
        match message:
            case CaseStatus():
                self._status(message.consultation_id, message.status)
            case QueueUpdate():
                if self._on_queue is not None:
                    self._on_queue(message.position, message.estimated_wait_s)
            case RoomInvite():
                self._changed.set()  # the room is open
            case _:
                if self._deliver is not None:
                    self._deliver(message)

    def _status(self, consultation_id: str, status: str) -> None:
        if status in ConsultationStatus._value2member_map_:  # not "connecting" or "interpreter_changing"
            self._statuses[consultation_id] = ConsultationStatus(status)
        self._changed.set()
        if self._on_status is not None:
            self._on_status(status)

    async def _hub_closed(self, code: int, reason: str) -> None:
        """The hub drops a connection that falls far behind; the bridge then sees no more frames."""
        log.warning("phone bridge connection %s closed by the hub: %s %s", self.connection_id, code, reason)


def phone_bridge(
    app: FastAPI,
    audio: CallAudio,
    *,
    on_queue: OnQueue | None = None,
    on_status: OnStatus | None = None,
) -> PhoneBridge:
    """A bridge for one answered phone call, wired to this app's rooms and peer registry (in the loop)."""
    transport = AppRoomTransport(app, on_queue=on_queue, on_status=on_status)
    return PhoneBridge(audio, transport, peers=app.state.peers, name=transport.connection_id[:14])
