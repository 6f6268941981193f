"""A fake telephone call for tests and benches (tone_call.py: pytest does not collect it).

The caller hums a sine tone in real time (20 ms frames at 8 kHz, paced like RTP), and every frame the bridge
sends back is recorded, so a test can check what the caller heard (tone, level, silence).
"""

from __future__ import annotations

import asyncio
import contextlib

import numpy as np

from realtime.peers.audio_mix import PHONE_FRAME_SAMPLES, PHONE_RATE, Samples, from_pcm, to_pcm

__all__ = ["ToneCall", "sine"]

FRAME_S = PHONE_FRAME_SAMPLES / PHONE_RATE


def sine(
    frequency: float, samples: int, rate: int = PHONE_RATE, amplitude: float = 0.3, start: int = 0
) -> Samples:
    """``samples`` of a sine tone starting at sample index ``start`` (phase-continuous across calls)."""
    t = np.arange(start, start + samples) / rate
    return (amplitude * 32767 * np.sin(2 * np.pi * frequency * t)).astype(np.int16)


class ToneCall:
    """A :class:`~realtime.phone_audio.CallAudio` whose caller hums ``frequency`` until ``hang_up``."""

    sample_rate = PHONE_RATE

    def __init__(self, frequency: float = 440.0, *, keep_frames: int | None = None) -> None:
        """``keep_frames`` bounds the recording (a long bench keeps only the last frames)."""
        self.frequency = frequency
        self.written: list[bytes] = []
        self.frames_written = 0
        self._keep = keep_frames
        self._sent = 0
        self._start: float | None = None
        self._hung_up = False
        self._wake = asyncio.Event()
        # one second of tone, cut into frames once: an integer frequency repeats every second exactly, and a
        # cheap fake keeps a bench's CPU figure about the bridge
        second = sine(frequency, PHONE_RATE)
        self._frames = [
            to_pcm(second[i : i + PHONE_FRAME_SAMPLES]) for i in range(0, PHONE_RATE, PHONE_FRAME_SAMPLES)
        ]
        self._exact = float(frequency).is_integer()

    async def read_frame(self) -> bytes:
        loop = asyncio.get_running_loop()
        if self._start is None:
            self._start = loop.time()
        due = self._start + self._sent * FRAME_S - loop.time()
        if due > 0 and not self._hung_up:
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), due)
        if self._hung_up:
            return b""
        if self._exact:
            pcm = self._frames[self._sent % len(self._frames)]
        else:
            pcm = to_pcm(sine(self.frequency, PHONE_FRAME_SAMPLES, start=self._sent * PHONE_FRAME_SAMPLES))
        self._sent += 1
        return pcm

    def write_frame(self, pcm: bytes) -> None:
        self.frames_written += 1
        self.written.append(pcm)
        if self._keep is not None and len(self.written) > 2 * self._keep:
            del self.written[: -self._keep]

    @property
    def ended(self) -> bool:
        return self._hung_up

    def hang_up(self) -> None:
        """The caller puts the phone down: ``read_frame`` returns ``b""`` from now on."""
        self._hung_up = True
        self._wake.set()

    def heard(self, last_frames: int | None = None) -> Samples:
        """What the caller heard (the last ``last_frames`` 20 ms frames, or all that were kept)."""
        frames = self.written if last_frames is None else self.written[-last_frames:]
        return from_pcm(b"".join(frames))
