"""Sounds the phone bridge plays to a caller: generated hold music, and a player for prompts.

The hold music is synthesised here (no audio file, no download): a soft music-box arpeggio over the chord
progression C - Am - F - G, with a quiet pad underneath, kept in the telephone band (notes between 260 Hz and
1.1 kHz plus one overtone, well under the 4 kHz Nyquist limit of 8 kHz audio) and about -20 dBFS so it sits
under a prompt. It loops seamlessly: every note has faded out before the loop point.
"""

from __future__ import annotations

import asyncio
import functools
from typing import Final

import numpy as np

from realtime.peers.audio_mix import PHONE_FRAME_SAMPLES, PHONE_RATE, Samples, from_pcm, to_pcm

__all__ = ["HOLD_MUSIC_SECONDS", "Player", "hold_music_pcm"]

_NOTE_S: Final = 0.4
# (arpeggio notes as semitones from A4 = 440 Hz, pad chord) per bar; 8 notes per bar
_BARS: Final[tuple[tuple[tuple[int, ...], tuple[int, ...]], ...]] = (
    ((-9, -5, -2, 3, 7, 3, -2, -5), (-21, -17, -14)),  # C major: C4 E4 G4 C5 E5 ...
    ((-12, -9, -5, 0, 3, 0, -5, -9), (-24, -21, -17)),  # A minor
    ((-16, -12, -9, -4, 0, -4, -9, -12), (-28, -24, -21)),  # F major
    ((-14, -10, -7, -2, 2, -2, -7, -10), (-26, -22, -19)),  # G major
)
HOLD_MUSIC_SECONDS: Final = len(_BARS) * 8 * _NOTE_S


def _hz(semitones_from_a4: int) -> float:
    return float(440.0 * 2 ** (semitones_from_a4 / 12))


@functools.cache
def hold_music_pcm(rate: int = PHONE_RATE) -> bytes:
    """One loop of hold music as 16-bit mono PCM at ``rate`` (12.8 s; computed once)."""
    total = round(HOLD_MUSIC_SECONDS * rate)
    out = np.zeros(total, dtype=np.float64)
    note_len = round(_NOTE_S * rate)
    ring = np.arange(int(1.2 * rate)) / rate  # a note rings on under the next ones
    pluck = np.minimum(ring / 0.008, 1.0) * np.exp(-ring * 4.5)
    for bar, (notes, chord) in enumerate(_BARS):
        bar_start = bar * 8 * note_len
        for i, semis in enumerate(notes):
            f = _hz(semis)
            tone = np.sin(2 * np.pi * f * ring) + 0.25 * np.sin(2 * np.pi * 2 * f * ring)
            start = bar_start + i * note_len
            stop = min(start + ring.size, total)
            out[start:stop] += 0.22 * (pluck * tone)[: stop - start]
        bar_t = np.arange(8 * note_len) / rate
        swell = np.sin(np.pi * bar_t / bar_t[-1]) ** 2  # fades in and out within the bar: no click at joins
        pad = sum(np.sin(2 * np.pi * _hz(s) * bar_t) for s in chord)
        out[bar_start : bar_start + bar_t.size] += 0.05 * swell * pad
    peak = float(np.max(np.abs(out)))
    samples = (out / peak * 0.3 * 32767).astype(np.int16)  # ~-10 dBFS peak, ~-20 dBFS RMS
    return to_pcm(samples)


class _Sound:
    def __init__(self, samples: Samples, *, loop: bool) -> None:
        self.samples = samples
        self.loop = loop
        self.position = 0
        self.done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def take(self, count: int) -> Samples | None:
        if self.samples.size == 0:
            self.finish()
            return None
        if self.loop:
            idx = (self.position + np.arange(count)) % self.samples.size
            self.position = int((self.position + count) % self.samples.size)
            return self.samples[idx]
        if self.position >= self.samples.size:
            self.finish()
            return None
        chunk = self.samples[self.position : self.position + count]
        self.position += count
        if chunk.size < count:
            chunk = np.concatenate((chunk, np.zeros(count - chunk.size, dtype=np.int16)))
        return chunk

    def finish(self) -> None:
        if not self.done.done():
            self.done.set_result(None)


class Player:
    """What the caller hears besides the call: a prompt interrupts the music, which resumes after it."""

    def __init__(self) -> None:
        self._music: _Sound | None = None
        self._prompts: list[_Sound] = []

    @property
    def active(self) -> bool:
        """Something is playing or queued."""
        return self._music is not None or bool(self._prompts)

    @property
    def music_playing(self) -> bool:
        """Hold music is on (possibly paused under a prompt)."""
        return self._music is not None

    def play_music(self, pcm: bytes | None = None) -> None:
        """Loop ``pcm`` (default: the generated hold music) until stopped; no-op if music is already on."""
        if self._music is None:
            self._music = _Sound(from_pcm(pcm if pcm is not None else hold_music_pcm()), loop=True)

    def stop_music(self) -> None:
        """Stop the hold music (prompts still play)."""
        if self._music is not None:
            self._music.finish()
            self._music = None

    def play_prompt(self, pcm: bytes) -> asyncio.Future[None]:
        """Queue an announcement; the future resolves when it has been played (or was stopped)."""
        sound = _Sound(from_pcm(pcm), loop=False)
        self._prompts.append(sound)
        return sound.done

    def stop(self) -> None:
        """Silence: stop the music and drop every prompt."""
        self.stop_music()
        for sound in self._prompts:
            sound.finish()
        self._prompts.clear()

    def take(self, count: int = PHONE_FRAME_SAMPLES) -> Samples | None:
        """The next chunk to play, or None when nothing is playing."""
        while self._prompts:
            chunk = self._prompts[0].take(count)
            if chunk is not None:
                return chunk
            self._prompts.pop(0)
        if self._music is not None:
            return self._music.take(count)
        return None
