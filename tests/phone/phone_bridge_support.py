"""A fake telephone line for the phone bridge tests: a sine tone in, everything the bridge sends recorded."""

from __future__ import annotations

import asyncio
import contextlib

import numpy as np

from interpreters.peers.audio_mix import PHONE_FRAME_SAMPLES, PHONE_RATE, Samples, from_pcm, to_pcm

FRAME_S = PHONE_FRAME_SAMPLES / PHONE_RATE


def sine(
    frequency: float, samples: int, rate: int = PHONE_RATE, amplitude: float = 0.3, start: int = 0
) -> Samples:
    t = np.arange(start, start + samples) / rate
    return (amplitude * 32767 * np.sin(2 * np.pi * frequency * t)).astype(np.int16)


def dominant_hz(samples: Samples, rate: int = PHONE_RATE) -> float:
    """The strongest frequency in the signal (Hann window, FFT peak)."""
    x = samples.astype(np.float64)
    spectrum = np.abs(np.fft.rfft(x * np.hanning(x.size)))
    spectrum[0] = 0
    return float(np.fft.rfftfreq(x.size, 1 / rate)[int(np.argmax(spectrum))])


class FakeCallAudio:
    """A caller who hums ``frequency`` in real time; records what the bridge sends back."""

    sample_rate = PHONE_RATE

    def __init__(self, frequency: float = 440.0) -> None:
        self.frequency = frequency
        self.written: list[bytes] = []
        self._sent = 0
        self._start: float | None = None
        self._hung_up = False
        self._wake = asyncio.Event()

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
        chunk = sine(self.frequency, PHONE_FRAME_SAMPLES, start=self._sent * PHONE_FRAME_SAMPLES)
        self._sent += 1
        return to_pcm(chunk)

    def write_frame(self, pcm: bytes) -> None:
        self.written.append(pcm)

    @property
    def ended(self) -> bool:
        return self._hung_up

    def hang_up(self) -> None:
        self._hung_up = True
        self._wake.set()

    def heard(self, last_frames: int | None = None) -> Samples:
        """What the caller heard (the last ``last_frames`` 20 ms frames, or all)."""
        frames = self.written if last_frames is None else self.written[-last_frames:]
        return from_pcm(b"".join(frames))
