"""Audio between the telephone (8 kHz mono PCM, 20 ms frames) and WebRTC (48 kHz Opus frames from aiortc).

:class:`Upsampler` turns the caller's 8 kHz frames into 48 kHz 20 ms ``AudioFrame``s for aiortc's Opus
encoder; :class:`Downsampler` turns whatever aiortc decodes (48 kHz stereo) into 8 kHz mono samples. Each
remote participant feeds a :class:`SampleQueue` (a small jitter buffer), and :func:`mix` sums the queues'
20 ms chunks with saturation, which is what the caller hears. Resampling is libswresample through PyAV
(already used by aiortc), so there is no home-made filter to get wrong.
"""

from __future__ import annotations

import fractions
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from av import AudioFrame, AudioResampler

__all__ = [
    "PHONE_FRAME_SAMPLES",
    "PHONE_RATE",
    "WEBRTC_FRAME_SAMPLES",
    "WEBRTC_RATE",
    "Downsampler",
    "SampleQueue",
    "Samples",
    "Upsampler",
    "from_pcm",
    "level_dbfs",
    "mix",
    "to_pcm",
]

PHONE_RATE = 8000
PHONE_FRAME_SAMPLES = 160  # 20 ms
WEBRTC_RATE = 48_000
WEBRTC_FRAME_SAMPLES = 960  # 20 ms, what aiortc's Opus encoder packs

Samples = npt.NDArray[np.int16]


def from_pcm(pcm: bytes) -> Samples:
    """16-bit signed little-endian mono PCM as samples (a trailing odd byte is dropped)."""
    return np.frombuffer(pcm[: len(pcm) - len(pcm) % 2], dtype="<i2").astype(np.int16)


def to_pcm(samples: Samples) -> bytes:
    """Samples as 16-bit signed little-endian mono PCM."""
    return samples.astype("<i2").tobytes()


def level_dbfs(samples: Samples) -> float:
    """RMS level relative to full scale (-inf for digital silence): tells speech or a tone from silence."""
    if samples.size == 0:
        return float("-inf")
    rms = float(np.sqrt(np.mean(np.square(samples.astype(np.float64)))))
    return float("-inf") if rms == 0 else 20 * float(np.log10(rms / 32768))


def mix(chunks: Sequence[Samples], length: int = PHONE_FRAME_SAMPLES) -> Samples:
    """Sum equally long chunks with saturation (two loud talkers clip instead of wrapping around)."""
    total = np.zeros(length, dtype=np.int32)
    for chunk in chunks:
        if chunk.size != length:
            raise ValueError(f"chunk has {chunk.size} samples, expected {length}")
        total += chunk
    return np.clip(total, -32768, 32767).astype(np.int16)


class Upsampler:
    """Caller audio to WebRTC: 8 kHz mono PCM in, 48 kHz mono 20 ms frames out, timestamped for aiortc."""

    def __init__(self) -> None:
        self._resampler = AudioResampler(
            format="s16", layout="mono", rate=WEBRTC_RATE, frame_size=WEBRTC_FRAME_SAMPLES
        )
        self._in_pts = 0
        self._out_pts = 0
        self._time_base = fractions.Fraction(1, WEBRTC_RATE)

    def push(self, pcm: bytes) -> list[AudioFrame]:
        """Resample one phone frame; returns the complete 20 ms WebRTC frames now available (often one)."""
        samples = from_pcm(pcm)
        if samples.size == 0:
            return []
        frame = AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = PHONE_RATE
        frame.pts = self._in_pts
        frame.time_base = fractions.Fraction(1, PHONE_RATE)
        self._in_pts += samples.size
        out = []
        for resampled in self._resampler.resample(frame):
            resampled.pts = self._out_pts
            resampled.time_base = self._time_base
            self._out_pts += resampled.samples
            out.append(resampled)
        return out


class Downsampler:
    """WebRTC audio to the telephone: any decoded ``AudioFrame`` in, 8 kHz mono samples out."""

    def __init__(self) -> None:
        self._resampler = AudioResampler(format="s16", layout="mono", rate=PHONE_RATE)

    def push(self, frame: AudioFrame) -> Samples:
        """Resample one decoded frame (aiortc's Opus decoder gives 48 kHz stereo s16)."""
        parts = [f.to_ndarray().reshape(-1).astype(np.int16) for f in self._resampler.resample(frame)]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int16)


class SampleQueue:
    """A jitter buffer for one source: plays only once ``prime`` samples are in, re-primes after running dry.

    Bounded at ``limit`` samples (the oldest are dropped) so a burst after a network stall cannot build up
    delay on the telephone line.
    """

    def __init__(self, prime: int = 2 * PHONE_FRAME_SAMPLES, limit: int = 15 * PHONE_FRAME_SAMPLES) -> None:
        if not 0 <= prime <= limit:
            raise ValueError("need 0 <= prime <= limit")
        self.prime = prime
        self.limit = limit
        self._buffer: Samples = np.zeros(0, dtype=np.int16)
        self._playing = False
        self.dropped = 0
        self.underruns = 0

    def __len__(self) -> int:
        return int(self._buffer.size)

    def push(self, samples: Samples) -> None:
        """Append decoded samples; drops the oldest beyond ``limit``."""
        buffer = np.concatenate((self._buffer, samples.astype(np.int16)))
        excess = buffer.size - self.limit
        if excess > 0:
            self.dropped += excess
            buffer = buffer[excess:]
        self._buffer = buffer

    def take(self, count: int = PHONE_FRAME_SAMPLES) -> Samples:
        """The next ``count`` samples, padded with silence when the source is behind (never blocks)."""
        if not self._playing:
            if self._buffer.size < max(self.prime, 1):
                return np.zeros(count, dtype=np.int16)
            self._playing = True
        chunk = self._buffer[:count]
        self._buffer = self._buffer[count:]
        if chunk.size < count:
            self._playing = False
            self.underruns += 1
            chunk = np.concatenate((chunk, np.zeros(count - chunk.size, dtype=np.int16)))
        return chunk
