"""The phone bridge: a server-side aiortc participant that brings a telephone caller into a consultation call.

It joins the consultation's room with the role ``phone`` and speaks the same signaling as the browser client
(``app/ui/call/static/call.js``): the newcomer sends ``signal.offer`` to everyone already there, the others
answer; a fresh offer from a peer replaces the old connection; ``room.peer_joined`` with ``rejoined`` drops a
peer's dead connection. aiortc does not trickle, so its candidates travel inside the SDP; the browsers'
trickled candidates are added as they come (held until the remote description is set).

Media: the caller's 8 kHz PCM is resampled once to 48 kHz and fanned out to one Opus sender per participant
(audio only: offered video is answered ``inactive``, so no VP8 is decoded). Audio from every participant is
decoded, resampled to 8 kHz and mixed into the caller's line every 20 ms, together with hold music or a
prompt from :class:`~realtime.peers.hold_music.Player`.

The bridge reaches the rooms through a :class:`RoomTransport`: the app's in-process websocket hub in
production (``app/phone/room_link.py``), :class:`~realtime.peers.local_rooms.LocalRooms` in tests and
benches.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Final

from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from aiortc.sdp import candidate_from_sdp
from av import AudioFrame
from av.frame import Frame

from realtime.peers.audio_mix import (
    PHONE_FRAME_SAMPLES,
    Downsampler,
    SampleQueue,
    Samples,
    Upsampler,
    mix,
    to_pcm,
)
from realtime.peers.hold_music import Player
from realtime.peers.rtc import PeerRegistry
from realtime.phone_audio import CallAudio
from realtime.protocol import (
    ClientMessage,
    ErrorMessage,
    MediaModeSet,
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
    SignalOffer,
)
from realtime.turn import IceServer

__all__ = ["BridgeStats", "PhoneBridge", "PhoneBridgeError", "RoomTransport"]

log = logging.getLogger(__name__)

FRAME_S: Final = 0.020
RESYNC_AFTER_S: Final = 0.2  # the event loop stalled this long: restart the clock instead of bursting
SENDER_QUEUE_FRAMES: Final = 10  # 200 ms of caller audio per participant before the oldest is dropped


class PhoneBridgeError(Exception):
    """The bridge could not join (no room, token refused, call over); ``code`` is the server's error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class RoomTransport(abc.ABC):
    """The bridge's line to the call rooms: one websocket-like connection."""

    @abc.abstractmethod
    def listen(self, deliver: Callable[[ServerMessage], None]) -> None:
        """Hand every frame the server sends this connection to ``deliver``, in order."""

    @abc.abstractmethod
    async def invitation(self, consultation_id: str) -> RoomInvite:
        """Wait until the consultation's call room is open; the ``room.invite`` for the phone participant.

        Raises :class:`PhoneBridgeError` when the consultation ended without a call.
        """

    @abc.abstractmethod
    async def send(self, message: ClientMessage) -> None:
        """Send one frame as a client would."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Hang up the connection (the server then treats the bridge as disconnected)."""


@dataclass(slots=True)
class BridgeStats:
    """What went through the bridge (for tests, benches and logs)."""

    caller_frames: int = 0
    line_frames: int = 0
    peer_frames: dict[str, int] = field(default_factory=dict)


class _CallerFanout:
    """The caller's audio, upsampled once, queued for each participant's Opus sender."""

    def __init__(self) -> None:
        self._queues: set[asyncio.Queue[AudioFrame | None]] = set()
        self.ended = False

    def subscribe(self) -> _CallerTrack:
        return _CallerTrack(self)

    def add(self, queue: asyncio.Queue[AudioFrame | None]) -> None:
        self._queues.add(queue)
        if self.ended:
            queue.put_nowait(None)

    def discard(self, queue: asyncio.Queue[AudioFrame | None]) -> None:
        self._queues.discard(queue)

    def push(self, frame: AudioFrame) -> None:
        for queue in self._queues:
            if queue.full():  # a stalled sender loses the oldest audio, never the newest
                queue.get_nowait()
            queue.put_nowait(frame)

    def end(self) -> None:
        self.ended = True
        for queue in self._queues:
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(None)


class _CallerTrack(MediaStreamTrack):
    """One participant's copy of the caller's voice (an aiortc track; ``None`` in the queue ends it)."""

    kind = "audio"

    def __init__(self, fanout: _CallerFanout) -> None:
        super().__init__()
        self._fanout = fanout
        self._queue: asyncio.Queue[AudioFrame | None] = asyncio.Queue(maxsize=SENDER_QUEUE_FRAMES)
        fanout.add(self._queue)

    async def recv(self) -> Frame:
        if self.readyState != "live":
            raise MediaStreamError
        frame = await self._queue.get()
        if frame is None:
            self.stop()
            raise MediaStreamError
        return frame

    def stop(self) -> None:
        super().stop()
        self._fanout.discard(self._queue)


@dataclass(slots=True)
class _Link:
    """The connection to one other participant."""

    participant_id: str
    peer_id: str
    pc: RTCPeerConnection
    track: _CallerTrack
    line: SampleQueue = field(default_factory=SampleQueue)
    pending: list[RelayedIce] = field(default_factory=list)
    consumers: list[asyncio.Task[None]] = field(default_factory=list)


class PhoneBridge:
    """One phone call in (at most) one consultation room; create it when the call is answered.

    ``play_hold_music`` / ``play_prompt`` work before ``join`` (the caller waits in the queue); ``join``
    stops the hold music and connects the caller to everyone in the call; ``wait_ended`` returns why the
    bridge left (``"hung_up"``, ``"left"``, or ``"room_closed:<reason>"``); ``close`` always cleans up.
    """

    def __init__(
        self,
        audio: CallAudio,
        transport: RoomTransport,
        *,
        peers: PeerRegistry | None = None,
        name: str = "phone",
    ) -> None:
        self.audio = audio
        self.transport = transport
        self.name = name
        self.player = Player()
        self.stats = BridgeStats()
        self.room_id: str | None = None
        self.participant_id: str | None = None
        self._peers = peers if peers is not None else PeerRegistry()
        self._ice_servers: Sequence[IceServer] = ()
        self._links: dict[str, _Link] = {}
        self._fanout = _CallerFanout()
        self._inbox: asyncio.Queue[ServerMessage] = asyncio.Queue()
        self._early: list[ServerMessage] = []
        self._joined: asyncio.Future[RoomJoined] | None = None
        self._ended: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._worker: asyncio.Task[None] | None = None
        self._reader: asyncio.Task[None] | None = None
        self._pacer: asyncio.Task[None] | None = None
        self._closed = False
        transport.listen(self._inbox.put_nowait)

    # -- what the SIP gateway calls --------------------------------------------------------------------------

    def play_hold_music(self, pcm: bytes | None = None) -> None:
        """Loop hold music (generated by default) to the caller until ``join`` or ``stop_playback``."""
        self.player.play_music(pcm)
        self._ensure_pacer()

    def play_prompt(self, pcm: bytes) -> asyncio.Future[None]:
        """Play an announcement (8 kHz PCM) over the music or the call; resolves when it has been played."""
        done = self.player.play_prompt(pcm)
        self._ensure_pacer()
        return done

    def stop_playback(self) -> None:
        """Stop music and prompts."""
        self.player.stop()

    async def join(self, consultation_id: str) -> RoomJoined:
        """Wait for the consultation's call, enter its room and connect the caller to everyone in it."""
        if self._closed or self.room_id is not None or self._ended.done():
            raise PhoneBridgeError("forbidden", "a bridge joins one call once (this one is closed or in use)")
        invite = await self.transport.invitation(consultation_id)
        self.room_id = invite.room_id
        self._joined = asyncio.get_running_loop().create_future()
        self._start_worker()
        await self.transport.send(RoomJoin(room_id=invite.room_id, token=invite.token))
        try:
            joined = await self._joined
        except PhoneBridgeError:
            self.room_id = None
            raise
        self.player.stop_music()
        await self.transport.send(MediaModeSet(room_id=joined.room_id, mode="audio"))
        self._reader = asyncio.create_task(self._read_caller(), name=f"{self.name}-caller")
        self._ensure_pacer()
        return joined

    async def wait_ended(self) -> str:
        """Why the bridge is out of the call: ``hung_up``, ``left`` or ``room_closed:<reason>``."""
        return await asyncio.shield(self._ended)

    @property
    def participants(self) -> list[str]:
        """The participants the caller is connected to (or connecting to)."""
        return sorted(self._links)

    async def leave(self) -> None:
        """Hang up the call side (the telephone line stays up, e.g. for a goodbye prompt)."""
        await self._leave_room("left")

    async def close(self) -> None:
        """Leave the room, stop every task and the connection (idempotent)."""
        if self._closed:
            return
        await self.leave()
        self._closed = True
        self.player.stop()
        self._finish("left")
        for task in (self._worker, self._pacer, self._reader):
            if task is not None and task is not asyncio.current_task():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        await self.transport.close()

    # -- signaling -------------------------------------------------------------------------------------------

    def _start_worker(self) -> None:
        if self._worker is None:
            self._worker = asyncio.create_task(self._work(), name=f"{self.name}-signaling")

    async def _work(self) -> None:
        """Server frames one at a time, in order (an answer must not overtake its offer's candidates)."""
        while True:
            message = await self._inbox.get()
            try:
                await self._handle(message)
            except Exception:  # one bad frame must not take the call down
                log.exception("%s: handling %s failed", self.name, type(message).__name__)

    async def _handle(self, message: ServerMessage) -> None:
        joined = self._joined is not None and self._joined.done()
        if isinstance(message, ErrorMessage):
            if self._joined is not None and not self._joined.done():
                self._joined.set_exception(PhoneBridgeError(message.code, message.message))
            else:
                log.warning("%s: server error %s: %s", self.name, message.code, message.message)
            return
        if self.room_id is None or getattr(message, "room_id", None) != self.room_id:
            return
        if isinstance(message, RoomJoined):
            await self._on_joined(message)
        elif not joined:
            self._early.append(message)  # a peer's offer may overtake our room.joined
        elif isinstance(message, RoomPeerJoined):
            if message.rejoined:
                await self._drop(message.participant_id)
        elif isinstance(message, RoomPeerLeft):
            await self._drop(message.participant_id)
        elif isinstance(message, RoomClosed):
            await self._teardown()
            self._finish(f"room_closed:{message.reason}")
        elif isinstance(message, RelayedOffer):
            await self._answer(message)
        elif isinstance(message, RelayedAnswer):
            await self._on_answer(message)
        elif isinstance(message, RelayedIce):
            await self._on_ice(message)

    async def _on_joined(self, message: RoomJoined) -> None:
        self.participant_id = message.participant_id
        self._ice_servers = message.ice_servers
        assert self._joined is not None
        if not self._joined.done():
            self._joined.set_result(message)
        early, self._early = self._early, []
        for frame in early:
            await self._handle(frame)
        for peer in message.peers:
            if peer.participant_id not in self._links:  # they offered first: that connection stands
                await self._offer(peer.participant_id)

    def _link(self, participant_id: str) -> _Link:
        track = self._fanout.subscribe()
        peer_id, pc = self._peers.create(self._ice_servers, prefix=self.name, on_close=self._on_pc_closed)
        link = _Link(participant_id, peer_id, pc, track)
        self._links[participant_id] = link
        self.stats.peer_frames.setdefault(participant_id, 0)

        @pc.on("track")  # type: ignore[untyped-decorator,unused-ignore]
        def on_track(remote: MediaStreamTrack) -> None:
            if remote.kind == "audio":
                link.consumers.append(
                    asyncio.create_task(self._listen(link, remote), name=f"{self.name}<-{participant_id}")
                )

        return link

    async def _offer(self, participant_id: str) -> None:
        link = self._link(participant_id)
        link.pc.addTransceiver(link.track, direction="sendrecv")
        await link.pc.setLocalDescription(await link.pc.createOffer())
        await self._send_sdp(SignalOffer, participant_id, link.pc)

    async def _answer(self, message: RelayedOffer) -> None:
        await self._drop(message.from_)  # a fresh offer means a fresh connection
        link = self._link(message.from_)
        await link.pc.setRemoteDescription(RTCSessionDescription(sdp=message.sdp, type="offer"))
        audio_taken = False
        for transceiver in link.pc.getTransceivers():
            if transceiver.kind == "audio" and not audio_taken:
                transceiver.sender.replaceTrack(link.track)
                transceiver.direction = "sendrecv"
                audio_taken = True
            else:
                transceiver.direction = "inactive"  # video or extra audio: nothing sent or decoded
        await link.pc.setLocalDescription(await link.pc.createAnswer())
        await self._flush(link)
        await self._send_sdp(SignalAnswer, message.from_, link.pc)

    async def _send_sdp(
        self, kind: type[SignalOffer] | type[SignalAnswer], participant_id: str, pc: RTCPeerConnection
    ) -> None:
        description = pc.localDescription
        if description is None or self.room_id is None:
            return
        await self.transport.send(kind(room_id=self.room_id, to=participant_id, sdp=description.sdp))

    async def _on_answer(self, message: RelayedAnswer) -> None:
        link = self._links.get(message.from_)
        if link is None or link.pc.signalingState != "have-local-offer":
            return
        await link.pc.setRemoteDescription(RTCSessionDescription(sdp=message.sdp, type="answer"))
        await self._flush(link)

    async def _on_ice(self, message: RelayedIce) -> None:
        link = self._links.get(message.from_)
        if link is None or not message.candidate:
            return
        remote: RTCSessionDescription | None = link.pc.remoteDescription  # None until set (typed wrongly)
        if remote is None:
            link.pending.append(message)
            return
        await self._add_candidate(link, message)

    async def _flush(self, link: _Link) -> None:
        pending, link.pending = link.pending, []
        for message in pending:
            await self._add_candidate(link, message)

    @staticmethod
    async def _add_candidate(link: _Link, message: RelayedIce) -> None:
        try:
            candidate = candidate_from_sdp(message.candidate.removeprefix("candidate:"))
        except (AssertionError, ValueError, IndexError):
            log.info("ignored an unparsable ICE candidate from %s", message.from_)
            return
        candidate.sdpMid = message.sdp_mid
        candidate.sdpMLineIndex = message.sdp_mline_index
        await link.pc.addIceCandidate(candidate)

    async def _drop(self, participant_id: str) -> None:
        link = self._links.pop(participant_id, None)
        if link is None:
            return
        link.track.stop()
        for task in link.consumers:
            task.cancel()
        await asyncio.gather(*link.consumers, return_exceptions=True)
        # shielded: a cancelled close would cancel aiortc's shared "closed" future under a close in progress
        await asyncio.shield(self._peers.close(link.peer_id))

    async def _on_pc_closed(self, peer_id: str) -> None:
        """ICE failed (the registry closed it) or we closed it: forget the link if it is still that one."""
        for participant_id, link in list(self._links.items()):
            if link.peer_id == peer_id:
                await self._drop(participant_id)

    async def _leave_room(self, reason: str) -> None:
        """Say ``room.leave`` (the server ends the call leg), then report the bridge out of the call."""
        room_id = self.room_id
        if room_id is None:
            return
        await self._teardown()
        with contextlib.suppress(Exception):
            # shielded: the leave (and the leg's end in the database) completes even if we are cancelled
            await asyncio.shield(self.transport.send(RoomLeave(room_id=room_id)))
        self._finish(reason)

    async def _teardown(self) -> None:
        """Out of the room: close every connection, stop reading the caller."""
        self.room_id = None
        for participant_id in list(self._links):
            await self._drop(participant_id)
        self._fanout.end()
        if self._reader is not None and self._reader is not asyncio.current_task():
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader

    def _finish(self, reason: str) -> None:
        if not self._ended.done():
            self._ended.set_result(reason)

    # -- media -----------------------------------------------------------------------------------------------

    async def _read_caller(self) -> None:
        """The caller's voice to every participant, until the caller hangs up."""
        upsampler = Upsampler()
        while True:
            pcm = await self.audio.read_frame()
            if not pcm:
                break
            self.stats.caller_frames += 1
            for frame in upsampler.push(pcm):
                self._fanout.push(frame)
        await self._leave_room("hung_up")

    async def _listen(self, link: _Link, track: MediaStreamTrack) -> None:
        """One participant's decoded audio into their jitter buffer at 8 kHz."""
        downsampler = Downsampler()
        try:
            while True:
                frame = await track.recv()
                if isinstance(frame, AudioFrame):
                    link.line.push(downsampler.push(frame))
                    self.stats.peer_frames[link.participant_id] = (
                        self.stats.peer_frames.get(link.participant_id, 0) + 1
                    )
        except MediaStreamError:
            return

    def _ensure_pacer(self) -> None:
        if self._pacer is None or self._pacer.done():
            self._pacer = asyncio.create_task(self._pace(), name=f"{self.name}-line")

    def _line_busy(self) -> bool:
        return not self._closed and not self.audio.ended and (self.room_id is not None or self.player.active)

    def line_chunk(self) -> Samples:
        """The next 20 ms the caller hears: every participant mixed, plus music or a prompt."""
        chunks = [link.line.take(PHONE_FRAME_SAMPLES) for link in self._links.values()]
        played = self.player.take(PHONE_FRAME_SAMPLES)
        if played is not None:
            chunks.append(played)
        return mix(chunks)

    async def _pace(self) -> None:
        """Write one mixed frame to the telephone every 20 ms of wall-clock time."""
        loop = asyncio.get_running_loop()
        start, sent = loop.time(), 0
        while self._line_busy():
            self.audio.write_frame(to_pcm(self.line_chunk()))
            self.stats.line_frames += 1
            sent += 1
            delay = start + sent * FRAME_S - loop.time()
            if delay < -RESYNC_AFTER_S:
                start, sent = loop.time(), 0
            elif delay > 0:
                await asyncio.sleep(delay)
