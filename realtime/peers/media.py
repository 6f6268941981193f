"""Synthetic media and frame counting for the server-side peers.

A sine tone and a moving colour pattern stand in for a microphone and a camera (bots, benches, and the device
check's answer to a receive-only browser); :class:`CountingTrack` wraps a track to count the frames that pass,
which is how the device check knows that audio and video really arrived.
"""

from __future__ import annotations

import asyncio
import fractions
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack, VideoStreamTrack
from av import AudioFrame, VideoFrame
from av.frame import Frame
from av.packet import Packet

__all__ = ["CountingTrack", "FrameCounter", "PatternVideoTrack", "SineAudioTrack", "drain"]

AUDIO_RATE = 48_000
AUDIO_PTIME = 0.020


class SineAudioTrack(MediaStreamTrack):
    """A 48 kHz mono sine tone in 20 ms frames, paced in real time like a microphone."""

    kind = "audio"

    def __init__(self, frequency: float = 440.0, amplitude: float = 0.3) -> None:
        super().__init__()
        self._samples = int(AUDIO_RATE * AUDIO_PTIME)
        self._step = 2 * np.pi * frequency / AUDIO_RATE
        self._amplitude = int(32767 * amplitude)
        self._timestamp = 0
        self._start: float | None = None

    async def recv(self) -> Frame:
        if self.readyState != "live":
            raise MediaStreamError
        if self._start is None:
            self._start = time.monotonic()
        else:
            self._timestamp += self._samples
            wait = self._start + self._timestamp / AUDIO_RATE - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
        t = np.arange(self._timestamp, self._timestamp + self._samples)
        pcm = (self._amplitude * np.sin(self._step * t)).astype(np.int16).reshape(1, -1)
        frame = AudioFrame.from_ndarray(pcm, format="s16", layout="mono")
        frame.sample_rate = AUDIO_RATE
        frame.pts = self._timestamp
        frame.time_base = fractions.Fraction(1, AUDIO_RATE)
        return frame


class PatternVideoTrack(VideoStreamTrack):
    """Colour bands scrolling across a frame (yuv420p, cheap to make); 30 fps paced by aiortc's clock."""

    kind = "video"

    def __init__(self, width: int = 320, height: int = 240) -> None:
        super().__init__()
        if width % 2 or height % 2:
            raise ValueError("width and height must be even (yuv420p)")
        self.width = width
        self.height = height
        self._index = 0
        self._ramp = (np.arange(width, dtype=np.uint16) * 255 // max(width - 1, 1)).astype(np.uint8)

    async def recv(self) -> Frame:
        pts, time_base = await self.next_timestamp()
        i = self._index
        self._index += 1
        w, h = self.width, self.height
        y = np.empty((h * 3 // 2, w), dtype=np.uint8)
        y[:h] = np.roll(self._ramp, i * 4)  # luma ramp moving right
        u = np.uint8((i * 3) % 256)
        v = np.uint8(255 - (i * 5) % 256)
        chroma = y[h:].reshape(h // 2, w)  # U plane then V plane, each (h/2) x (w/2), packed row-wise
        chroma[: h // 4] = u
        chroma[h // 4 :] = v
        frame = VideoFrame.from_ndarray(y, format="yuv420p")
        frame.pts = pts
        frame.time_base = time_base
        return frame


@dataclass(slots=True)
class FrameCounter:
    """Frames seen on one track, with the monotonic time of the first and the last video size."""

    frames: int = 0
    first_at: float | None = None
    last_at: float | None = None
    width: int | None = None
    height: int | None = None

    def see(self, frame: Frame | Packet[Any]) -> None:
        """Count one frame."""
        now = time.monotonic()
        self.frames += 1
        if self.first_at is None:
            self.first_at = now
        self.last_at = now
        if isinstance(frame, VideoFrame):
            self.width, self.height = frame.width, frame.height


class CountingTrack(MediaStreamTrack):
    """Passes a source track's frames through unchanged, counting them (an echo that knows what it echoed)."""

    def __init__(self, source: MediaStreamTrack, counter: FrameCounter | None = None) -> None:
        super().__init__()
        self.kind = source.kind
        self.source = source
        self.counter = counter if counter is not None else FrameCounter()

    async def recv(self) -> Frame | Packet[Any]:
        frame = await self.source.recv()
        self.counter.see(frame)
        return frame

    def stop(self) -> None:
        super().stop()
        self.source.stop()


async def drain(track: MediaStreamTrack) -> None:
    """Consume a track until it ends (a sink for received media nobody sends on)."""
    try:
        while True:
            await track.recv()
    except MediaStreamError:
        return
