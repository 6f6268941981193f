"""The pre-call device check: a server-side echo peer and the quality figures it measured.

The browser sends an SDP offer with its microphone and camera (non-trickle: wait for ICE gathering to complete
first, as aiortc does not trickle), gets an answer, and sees and hears itself come back through the server.
The server counts what arrived and reads aiortc's stats (round-trip time from the browser's RTCP receiver
reports, packet loss, jitter), so the page can say "camera OK, microphone OK, network fine" before a real
call. A receive- only media section gets a synthetic tone or pattern instead, so a resident without a camera
can check speakers.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc import sdp as aiortc_sdp
from aiortc.mediastreams import MediaStreamTrack
from aiortc.stats import (
    RTCInboundRtpStreamStats,
    RTCOutboundRtpStreamStats,
    RTCRemoteInboundRtpStreamStats,
    RTCTransportStats,
)

from realtime.peers.media import CountingTrack, FrameCounter, PatternVideoTrack, SineAudioTrack, drain
from realtime.peers.rtc import PeerRegistry
from realtime.protocol import check_sdp
from realtime.turn import IceServer

__all__ = [
    "DeviceCheck",
    "DeviceCheckBusy",
    "DeviceCheckError",
    "DeviceCheckReport",
    "DeviceCheckTooMany",
    "MediaQuality",
    "Mode",
    "UnknownSession",
    "own_candidates_only",
]

log = logging.getLogger(__name__)

Kind = Literal["audio", "video"]
Mode = Literal["echo", "sendrecv", "receive_only", "send_only", "none"]
_CLOCK_RATE: dict[str, int] = {"audio": 48_000, "video": 90_000}


class DeviceCheckError(Exception):
    """The offer cannot be answered (bad SDP, no audio or video section)."""


class DeviceCheckBusy(DeviceCheckError):
    """Too many device checks at once; each echo costs ~16% of a core (answer 503 and retry)."""


class DeviceCheckTooMany(DeviceCheckBusy):
    """This address already runs as many device checks as one address may (answer 429)."""


class UnknownSession(LookupError):
    """No device check with that id (finished, expired or never started)."""


@dataclass(frozen=True, slots=True)
class MediaQuality:
    """What the server saw for one kind of media, in both directions."""

    kind: Kind
    mode: Mode
    frames_received: int
    frames_sent: int
    first_frame_after_s: float | None
    packets_received: int
    packets_lost: int
    jitter_ms: float | None
    packets_sent: int
    remote_packets_lost: int | None
    round_trip_time_s: float | None
    width: int | None = None
    height: int | None = None

    @property
    def received(self) -> bool:
        """The browser's device really produced media that reached the server."""
        return self.frames_received > 0

    @property
    def loss_ratio(self) -> float | None:
        """Upstream (browser to server) packet loss, 0..1."""
        total = self.packets_received + self.packets_lost
        return None if total == 0 else max(self.packets_lost, 0) / total


@dataclass(frozen=True, slots=True)
class DeviceCheckReport:
    """A device check's figures, for the page and the logs."""

    session_id: str
    connection_state: str
    connected_after_s: float | None
    elapsed_s: float
    audio: MediaQuality | None
    video: MediaQuality | None
    round_trip_time_s: float | None
    bytes_received: int
    bytes_sent: int

    @property
    def audio_ok(self) -> bool:
        """Microphone audio arrived."""
        return self.audio is not None and self.audio.received

    @property
    def video_ok(self) -> bool:
        """Camera video arrived."""
        return self.video is not None and self.video.received

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, with the derived verdicts included."""
        out = asdict(self)
        out["audio_ok"] = self.audio_ok
        out["video_ok"] = self.video_ok
        for kind in ("audio", "video"):
            quality = getattr(self, kind)
            if quality is not None:
                out[kind]["loss_ratio"] = quality.loss_ratio
        return out


@dataclass
class _Session:
    session_id: str
    pc: RTCPeerConnection
    started_at: float
    modes: dict[str, Mode] = field(default_factory=dict)
    received: dict[str, FrameCounter] = field(default_factory=dict)
    sent: dict[str, FrameCounter] = field(default_factory=dict)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    connected_at: float | None = None
    client: str | None = None


def _same_address(text: str, client: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:  # a host name (mDNS "….local") or garbage: nothing to check against the requester
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if isinstance(client, ipaddress.IPv6Address) and client.ipv4_mapped is not None:
        client = client.ipv4_mapped
    return address == client


def own_candidates_only(offer_sdp: str, client: str) -> str:
    """The offer with only the ICE candidates on the requester's own address.

    The server sends STUN connectivity checks to every candidate it is given, so an anonymous offer naming
    other hosts would make it probe them; a browser reaching us from `client` has no business naming others.
    Raises DeviceCheckError when no candidate is left (nothing the server may check)."""
    try:
        requester = ipaddress.ip_address(client)
    except ValueError:
        raise DeviceCheckError(f"cannot check candidates for the address {client!r}") from None
    kept: list[str] = []
    candidates = 0
    for line in offer_sdp.splitlines():
        if line.startswith("a=candidate:"):
            fields = line.split()
            if len(fields) < 8 or not _same_address(fields[4], requester):
                continue
            candidates += 1
        kept.append(line)
    if candidates == 0:
        raise DeviceCheckError("the offer has no ICE candidate on the address it was sent from")
    return "\r\n".join(kept) + "\r\n"


def _offered_directions(offer_sdp: str) -> dict[str, str]:
    """mid -> the direction the browser offered, read with aiortc's own SDP parser."""
    try:
        description = aiortc_sdp.SessionDescription.parse(offer_sdp)
    except Exception as exc:  # untrusted input: aiortc's parser raises assorted errors
        raise DeviceCheckError(f"cannot parse SDP offer: {exc!r}") from None
    out = {}
    for media in description.media:
        if media.kind in ("audio", "video") and media.rtp.muxId:
            out[media.rtp.muxId] = media.direction or "sendrecv"
    return out


class DeviceCheck:
    """Answers device-check offers with an echo peer; one instance on ``app.state`` for the app's life."""

    def __init__(
        self,
        registry: PeerRegistry,
        *,
        ice_servers: tuple[IceServer, ...] = (),
        max_sessions: int = 4,
        max_per_client: int = 1,
        connect_within_s: float = 20.0,
        max_duration_s: float = 120.0,
    ) -> None:
        self.registry = registry
        self.ice_servers = ice_servers
        self.max_sessions = max_sessions
        self.max_per_client = max_per_client
        self.connect_within_s = min(connect_within_s, max_duration_s)
        self.max_duration_s = max_duration_s
        self._sessions: dict[str, _Session] = {}

    def __len__(self) -> int:
        return len(self._sessions)

    def running_for(self, client: str) -> int:
        """How many device checks `client` runs now."""
        return sum(1 for s in self._sessions.values() if s.client == client)

    async def answer(self, offer_sdp: str, client: str | None = None) -> tuple[str, str]:
        """Answer a browser's SDP offer sent from the address `client`; returns (session_id, answer_sdp).

        With a `client`, only the offer's candidates on that address are checked and the address may run
        `max_per_client` checks at once. The session ends by itself: when it has not connected within
        `connect_within_s`, when its connection fails, or after `max_duration_s`."""
        try:
            check_sdp(offer_sdp)
        except ValueError as exc:
            raise DeviceCheckError(str(exc)) from None
        if client is not None and self.running_for(client) >= self.max_per_client:
            raise DeviceCheckTooMany(f"this address already runs {self.max_per_client} device check(s)")
        if len(self._sessions) >= self.max_sessions:
            raise DeviceCheckBusy(f"{len(self._sessions)} device checks running; try again shortly")
        directions = _offered_directions(offer_sdp)
        if not directions:
            raise DeviceCheckError("the offer has no audio or video section")
        if client is not None:
            offer_sdp = own_candidates_only(offer_sdp, client)

        session_id, pc = self.registry.create(self.ice_servers, prefix="devcheck", on_close=self._on_closed)
        session = _Session(session_id=session_id, pc=pc, started_at=time.monotonic(), client=client)
        self._sessions[session_id] = session

        @pc.on("connectionstatechange")  # type: ignore[untyped-decorator,unused-ignore]
        async def on_state() -> None:
            if pc.connectionState == "connected" and session.connected_at is None:
                session.connected_at = time.monotonic()
            elif pc.connectionState == "failed":  # nothing more to measure: free the slot now
                await self.registry.close(session_id)

        try:
            await pc.setRemoteDescription(RTCSessionDescription(sdp=offer_sdp, type="offer"))
            # Attach by transceiver, not on "track": a recvonly section fires no track event in aiortc.
            for transceiver in pc.getTransceivers():
                self._attach(session, transceiver, directions.get(transceiver.mid or "", "inactive"))
            await pc.setLocalDescription(await pc.createAnswer())
        except Exception as exc:
            await self.registry.close(session_id)
            raise DeviceCheckError(f"cannot answer the offer: {exc}") from exc
        session.tasks.append(asyncio.create_task(self._expire(session_id)))
        return session_id, pc.localDescription.sdp

    def _attach(self, session: _Session, transceiver: Any, offered: str) -> None:
        kind: str = transceiver.kind
        remote_sends = offered in ("sendrecv", "sendonly") and transceiver.receiver.track is not None
        remote_receives = offered in ("sendrecv", "recvonly")
        outgoing: MediaStreamTrack | None = None
        if remote_sends:
            received = FrameCounter()
            session.received[kind] = received
            counted = CountingTrack(transceiver.receiver.track, received)
            if remote_receives:
                session.modes[kind] = "echo"
                session.sent[kind] = received  # every frame received is sent back
                outgoing = counted
            else:
                session.modes[kind] = "receive_only"
                session.tasks.append(asyncio.create_task(drain(counted)))
        elif remote_receives:
            session.modes[kind] = "send_only"
            synthetic: MediaStreamTrack = SineAudioTrack() if kind == "audio" else PatternVideoTrack()
            sent = FrameCounter()
            session.sent[kind] = sent
            outgoing = CountingTrack(synthetic, sent)
        else:
            session.modes[kind] = "none"
        if outgoing is not None:
            transceiver.sender.replaceTrack(outgoing)
            transceiver.direction = "sendrecv" if remote_sends else "sendonly"
        elif remote_sends:
            transceiver.direction = "recvonly"

    async def _expire(self, session_id: str) -> None:
        await asyncio.sleep(self.connect_within_s)
        session = self._sessions.get(session_id)
        if session is not None and session.connected_at is None:
            log.info("device check %s did not connect within %s s", session_id, self.connect_within_s)
        else:
            await asyncio.sleep(self.max_duration_s - self.connect_within_s)
            log.info("device check %s reached its time limit", session_id)
        session = self._sessions.get(session_id)
        if session is not None:
            # Do not cancel this very task while it closes the peer.
            with contextlib.suppress(ValueError):
                session.tasks.remove(asyncio.current_task())  # type: ignore[arg-type]
        await self.registry.close(session_id)

    async def _on_closed(self, session_id: str) -> None:
        session = self._sessions.pop(session_id, None)
        if session is None:
            return
        for task in session.tasks:
            task.cancel()
        await asyncio.gather(*session.tasks, return_exceptions=True)

    async def report(self, session_id: str) -> DeviceCheckReport:
        """The figures so far (poll: the round-trip time needs an RTCP report, 1-3 s after media starts)."""
        session = self._sessions.get(session_id)
        if session is None:
            raise UnknownSession(session_id)
        return await build_report(
            session.session_id,
            session.pc,
            started_at=session.started_at,
            connected_at=session.connected_at,
            modes=session.modes,
            received=session.received,
            sent=session.sent,
        )

    async def close(self, session_id: str) -> None:
        """End a device check (the page is done with it)."""
        if session_id not in self._sessions:
            raise UnknownSession(session_id)
        await self.registry.close(session_id)

    async def close_all(self) -> None:
        """App shutdown."""
        await asyncio.gather(*(self.registry.close(s) for s in list(self._sessions)))


async def build_report(
    session_id: str,
    pc: RTCPeerConnection,
    *,
    started_at: float,
    connected_at: float | None,
    modes: dict[str, Mode],
    received: dict[str, FrameCounter],
    sent: dict[str, FrameCounter],
) -> DeviceCheckReport:
    """Combine frame counters with ``getStats()`` (shared by the device check and the bot)."""
    stats = await pc.getStats() if pc.connectionState != "closed" else {}
    inbound: dict[str, RTCInboundRtpStreamStats] = {}
    outbound: dict[str, RTCOutboundRtpStreamStats] = {}
    remote_inbound: dict[str, RTCRemoteInboundRtpStreamStats] = {}
    bytes_received = bytes_sent = 0
    seen_transports: set[str] = set()
    for s in stats.values():
        if isinstance(s, RTCInboundRtpStreamStats):
            inbound[s.kind] = s
        elif isinstance(s, RTCRemoteInboundRtpStreamStats):
            remote_inbound[s.kind] = s
        elif isinstance(s, RTCOutboundRtpStreamStats):
            outbound[s.kind] = s
        elif isinstance(s, RTCTransportStats) and s.id not in seen_transports:
            seen_transports.add(s.id)
            bytes_received += s.bytesReceived
            bytes_sent += s.bytesSent

    def quality(kind: Kind) -> MediaQuality | None:
        mode = modes.get(kind)
        if mode is None:
            return None
        rx, tx = received.get(kind), sent.get(kind)
        inb, outb, rinb = inbound.get(kind), outbound.get(kind), remote_inbound.get(kind)
        rtt = getattr(rinb, "roundTripTime", None)
        return MediaQuality(
            kind=kind,
            mode=mode,
            frames_received=rx.frames if rx else 0,
            frames_sent=tx.frames if tx else 0,
            first_frame_after_s=None if rx is None or rx.first_at is None else rx.first_at - started_at,
            packets_received=inb.packetsReceived if inb else 0,
            packets_lost=inb.packetsLost if inb else 0,
            jitter_ms=None if inb is None else inb.jitter * 1000 / _CLOCK_RATE[kind],
            packets_sent=outb.packetsSent if outb else 0,
            remote_packets_lost=rinb.packetsLost if rinb else None,
            round_trip_time_s=rtt,
            width=rx.width if rx else None,
            height=rx.height if rx else None,
        )

    audio, video = quality("audio"), quality("video")
    rtts = [q.round_trip_time_s for q in (audio, video) if q is not None and q.round_trip_time_s is not None]
    return DeviceCheckReport(
        session_id=session_id,
        connection_state=pc.connectionState,
        connected_after_s=None if connected_at is None else connected_at - started_at,
        elapsed_s=time.monotonic() - started_at,
        audio=audio,
        video=video,
        round_trip_time_s=min(rtts) if rtts else None,
        bytes_received=bytes_received,
        bytes_sent=bytes_sent,
    )
