"""The recorded phone prompts: one μ-law WAV per language plus a manifest of where each prompt lies in it.

``generate.py`` beside this file makes them offline from the catalogue's ``phone.*`` texts with espeak-ng;
the gateway loads them once at start and plays them as 8 kHz PCM. Prompt names: ``greeting``,
``menu.<digit>``, ``hold``, ``invalid``, ``closed``, ``callback``, ``callback_done``, ``wait.<minutes>``.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from app.phone.g711 import ulaw_to_pcm

__all__ = ["AUDIO_DIR", "PromptLibrary", "PromptMissing", "read_ulaw_wav", "wait_bucket"]

AUDIO_DIR = Path(__file__).parent / "audio"
MANIFEST = "manifest.json"
WAIT_MINUTES = (1, 2, 3, 5, 10, 15, 20, 30, 45, 60)
"""The wait figures that have a prompt; an estimate is said as the next figure up (never a shorter wait)."""

_WAVE_FORMAT_MULAW = 7


class PromptMissing(LookupError):
    """No prompt of that name in the language nor in its fall-backs."""


def wait_bucket(minutes: int) -> int:
    """The spoken figure for a wait of ``minutes``: the smallest prompt figure at least as long."""
    for bucket in WAIT_MINUTES:
        if minutes <= bucket:
            return bucket
    return WAIT_MINUTES[-1]


def read_ulaw_wav(data: bytes) -> bytes:
    """The μ-law samples of a WAV file that must be 8 kHz mono G.711 μ-law (anything else is refused)."""
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise ValueError("not a RIFF/WAVE file")
    pos, fmt_ok = 12, False
    while pos + 8 <= len(data):
        chunk, size = data[pos : pos + 4], struct.unpack("<I", data[pos + 4 : pos + 8])[0]
        body = data[pos + 8 : pos + 8 + size]
        if chunk == b"fmt ":
            code, channels, rate = struct.unpack("<HHI", body[:8])
            if (code, channels, rate) != (_WAVE_FORMAT_MULAW, 1, 8000):
                raise ValueError(f"expected 8 kHz mono μ-law, got format {code}, {channels} ch, {rate} Hz")
            fmt_ok = True
        elif chunk == b"data":
            if not fmt_ok:
                raise ValueError("data chunk before fmt chunk")
            return body
        pos += 8 + size + (size & 1)
    raise ValueError("no data chunk")


@dataclass(frozen=True, slots=True)
class PromptLibrary:
    """Prompts as 16-bit 8 kHz PCM by language and name, with a fall-back chain for missing ones."""

    prompts: Mapping[str, Mapping[str, bytes]]
    texts: Mapping[str, Mapping[str, str]]
    fallbacks: tuple[str, ...] = ("en", "ja")

    @classmethod
    def load(cls, directory: Path = AUDIO_DIR) -> PromptLibrary:
        manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
        prompts: dict[str, dict[str, bytes]] = {}
        texts: dict[str, dict[str, str]] = {}
        for lang, entry in manifest["languages"].items():
            ulaw = read_ulaw_wav((directory / entry["file"]).read_bytes())
            prompts[lang] = {
                name: ulaw_to_pcm(ulaw[seg["start"] : seg["start"] + seg["length"]])
                for name, seg in entry["prompts"].items()
            }
            texts[lang] = {name: seg["text"] for name, seg in entry["prompts"].items()}
        return cls(prompts, texts)

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self.prompts)

    def get(self, language: str, name: str) -> bytes:
        """PCM of prompt ``name`` in ``language``, else in the first fall-back language that has it."""
        for lang in (language, *self.fallbacks):
            pcm = self.prompts.get(lang, {}).get(name)
            if pcm is not None:
                return pcm
        raise PromptMissing(f"no phone prompt {name!r} for {language!r} (nor {', '.join(self.fallbacks)})")

    def has(self, language: str, name: str) -> bool:
        return name in self.prompts.get(language, {})

    def wait(self, language: str, minutes: int) -> bytes:
        """ "The waiting time is about N minutes", N rounded up to a figure that has a prompt."""
        return self.get(language, f"wait.{wait_bucket(minutes)}")
