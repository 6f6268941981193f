"""An aiortc call participant for automated tests and benchmarks (bot.py: pytest does not collect it).

It sends a sine tone and a moving colour pattern, counts what it receives, and notes when the first remote
video frame arrived, measured from the moment it started creating its offer (or handling one): the figure the
architecture notes quote (~113 ms on loopback).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from types import TracebackType
from typing import Self

from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from realtime.peers.device_check import DeviceCheckReport, Mode, build_report
from realtime.peers.media import FrameCounter, PatternVideoTrack, SineAudioTrack
from realtime.peers.rtc import rtc_configuration
from realtime.turn import IceServer

__all__ = ["Bot"]


class Bot:
    """One participant: ``create_offer``/``accept_answer`` as caller, or ``create_answer`` as callee."""

    def __init__(
        self,
        *,
        ice_servers: Sequence[IceServer] = (),
        audio: bool = True,
        video: bool = True,
        width: int = 320,
        height: int = 240,
        send: bool = True,
        name: str = "bot",
    ) -> None:
        """``send=False`` makes a receive-only participant (like a resident without a camera)."""
        self.name = name
        self.receive_kinds = [k for k, on in (("audio", audio), ("video", video)) if on]
        self.pc = RTCPeerConnection(configuration=rtc_configuration(ice_servers))
        self.local_tracks: dict[str, MediaStreamTrack] = {}
        if send and audio:
            self.local_tracks["audio"] = SineAudioTrack()
        if send and video:
            self.local_tracks["video"] = PatternVideoTrack(width, height)
        self.received: dict[str, FrameCounter] = {"audio": FrameCounter(), "video": FrameCounter()}
        self.started_at: float | None = None
        self.connected_at: float | None = None
        self._first_frame: dict[str, asyncio.Event] = {"audio": asyncio.Event(), "video": asyncio.Event()}
        self._consumers: list[asyncio.Task[None]] = []
        self._closed = False

        @self.pc.on("track")  # type: ignore[untyped-decorator,unused-ignore]
        def on_track(track: MediaStreamTrack) -> None:
            self._consumers.append(asyncio.create_task(self._consume(track)))

        @self.pc.on("connectionstatechange")  # type: ignore[untyped-decorator,unused-ignore]
        def on_state() -> None:
            if self.pc.connectionState == "connected" and self.connected_at is None:
                self.connected_at = time.monotonic()

    async def _consume(self, track: MediaStreamTrack) -> None:
        counter = self.received.get(track.kind)
        event = self._first_frame.get(track.kind)
        if counter is None or event is None:
            return
        try:
            while True:
                frame = await track.recv()
                counter.see(frame)
                event.set()
        except MediaStreamError:
            return

    def _local_sdp(self) -> str:
        description = self.pc.localDescription
        assert description is not None
        sdp: str = description.sdp
        return sdp

    async def create_offer(self) -> str:
        """Start the clock, add the synthetic tracks, and return a complete (non-trickle) SDP offer."""
        self.started_at = time.monotonic()
        for kind in self.receive_kinds:
            track = self.local_tracks.get(kind)
            if track is not None:
                self.pc.addTrack(track)
            else:
                self.pc.addTransceiver(kind, direction="recvonly")
        await self.pc.setLocalDescription(await self.pc.createOffer())
        return self._local_sdp()

    async def accept_answer(self, answer_sdp: str) -> None:
        """Apply the callee's answer; media starts once ICE and DTLS connect."""
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=answer_sdp, type="answer"))

    async def create_answer(self, offer_sdp: str) -> str:
        """Answer an offer, sending the synthetic tracks on the offered sections that can carry them."""
        self.started_at = time.monotonic()
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=offer_sdp, type="offer"))
        # Attach by transceiver: a recvonly offer section fires no "track" event but may want our media.
        for transceiver in self.pc.getTransceivers():
            track = self.local_tracks.get(transceiver.kind)
            current: MediaStreamTrack | None = transceiver.sender.track
            if track is not None and current is None:
                transceiver.sender.replaceTrack(track)
                transceiver.direction = "sendrecv"
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        return self._local_sdp()

    async def wait_first_frame(self, kind: str = "video", within_s: float = 10.0) -> float:
        """Seconds from ``create_offer``/``create_answer`` to the first decoded remote frame of ``kind``."""
        async with asyncio.timeout(within_s):
            await self._first_frame[kind].wait()
        first = self.received[kind].first_at
        assert first is not None and self.started_at is not None
        return first - self.started_at

    @property
    def connected_after_s(self) -> float | None:
        """Seconds from the start to ICE+DTLS connected."""
        if self.connected_at is None or self.started_at is None:
            return None
        return self.connected_at - self.started_at

    async def report(self) -> DeviceCheckReport:
        """The bot's own view (frames received, RTT from the far end's receiver reports)."""
        modes: dict[str, Mode] = {
            k: "sendrecv" if k in self.local_tracks else "receive_only" for k in self.receive_kinds
        }
        return await build_report(
            self.name,
            self.pc,
            started_at=self.started_at or time.monotonic(),
            connected_at=self.connected_at,
            modes=modes,
            received=self.received,
            sent={},
        )

    async def close(self) -> None:
        """Close the peer connection and stop the consumers (idempotent)."""
        if self._closed:
            return
        self._closed = True
        await self.pc.close()
        for track in self.local_tracks.values():
            track.stop()
        for task in self._consumers:
            task.cancel()
        await asyncio.gather(*self._consumers, return_exceptions=True)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()
