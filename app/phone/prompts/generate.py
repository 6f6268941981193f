"""Make the phone prompts from the catalogue's ``phone.*`` texts with espeak-ng (offline, Debian package).

    python -m app.phone.prompts.generate [--hours 09:00-17:00] [--out app/phone/prompts/audio] [--changed]

Run it again after changing a ``phone.*`` translation, the desk hours, the languages (or their order, which
sets the menu keys) or the locale data (the hours are written the way Babel's CLDR data writes a time range);
commit the output. ``--changed`` keeps the recorded audio of every prompt whose text and voice are the same
and synthesises only the others, so an unrelated prompt's audio does not churn with the espeak-ng version.
One μ-law 8 kHz WAV per language holds all its prompts back to back; ``manifest.json`` says where each one
starts, how long it is, and the text it says (the tests compare those texts with the catalogue).

espeak-ng is a robot voice, good enough to be understood and free to ship; a desk that records real voices
replaces the WAVs with the same layout. Where espeak-ng has no voice (Filipino) or misreads something
(Japanese kanji for times and minutes), ``_speakable`` rewrites the text for the synthesiser only; the
manifest keeps the catalogue's text.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import shutil
import struct
import subprocess
import sys
import wave
from collections.abc import Iterable
from pathlib import Path

import av
import numpy as np

from app.config import parse_hours
from app.i18n import translator
from app.phone.g711 import pcm_to_ulaw
from app.phone.menu import CALLBACK_DIGIT, MenuLayout
from app.phone.prompts import AUDIO_DIR, MANIFEST, WAIT_MINUTES, read_ulaw_wav
from app.seed.data import LANGUAGES as SEEDED_LANGUAGES

VOICES = {
    "ja": "ja",
    "en": "en-us",
    "zh": "cmn-latn-pinyin",  # plain "cmn" reads pinyin as English
    "vi": "vi",
    "ko": "ko",
    "pt": "pt-br",
    "es": "es-419",
    "ne": "ne",
    "fil": "id",  # no Tagalog voice in espeak-ng 1.51: Indonesian reads Tagalog spelling closely
    "id": "id",
    "hi": "hi",
    "th": "th",
    "fr": "fr-fr",
    "ru": "ru",
    "uk": "uk",
}
SPEED_WPM = 150
GAP_S = 0.25  # silence after each prompt, so two prompts in a row do not run together
RATE = 8000

_TAGALOG_DIGITS = ("sero", "isa", "dalawa", "tatlo", "apat", "lima", "anim", "pito", "walo", "siyam")
_JA_HOURS = {
    1: "いちじ", 2: "にじ", 3: "さんじ", 4: "よじ", 5: "ごじ", 6: "ろくじ", 7: "しちじ", 8: "はちじ",
    9: "くじ", 10: "じゅうじ", 11: "じゅういちじ", 12: "じゅうにじ", 13: "じゅうさんじ", 14: "じゅうよじ",
    15: "じゅうごじ", 16: "じゅうろくじ", 17: "じゅうしちじ", 18: "じゅうはちじ", 19: "じゅうくじ",
    20: "にじゅうじ", 21: "にじゅういちじ", 22: "にじゅうにじ", 23: "にじゅうさんじ", 0: "れいじ",
}  # fmt: skip
_JA_MINUTES = {
    1: "いっぷん", 2: "にふん", 3: "さんぷん", 4: "よんぷん", 5: "ごふん", 6: "ろっぷん", 7: "ななふん",
    8: "はっぷん", 9: "きゅうふん", 10: "じゅっぷん", 15: "じゅうごふん", 20: "にじゅっぷん",
    30: "さんじゅっぷん", 45: "よんじゅうごふん", 60: "ろくじゅっぷん",
}  # fmt: skip


def _ja_time(match: re.Match[str]) -> str:
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    minutes = "" if minute == 0 else _JA_MINUTES.get(minute, f"{minute}ふん")
    return _JA_HOURS.get(hour, f"{hour}じ") + minutes


def _speakable(lang: str, text: str) -> str:
    """The text as the synthesiser should read it (the catalogue text stays the reference)."""
    if lang == "ja":
        text = re.sub(r"(\d{1,2})時(?:(\d{1,2})分)?", _ja_time, text)
        text = re.sub(r"(\d+)分", lambda m: _JA_MINUTES.get(int(m.group(1)), f"{m.group(1)}ふん"), text)
        text = text.replace("～", " から ").replace("〜", " から ")
    if lang == "fil":
        text = re.sub(r"\d", lambda m: _TAGALOG_DIGITS[int(m.group(0))], text)
    return text


def texts(lang: str, layout: MenuLayout, hours: str) -> dict[str, str]:
    """Every prompt of one language, by name, from the catalogue."""
    tr = translator(lang)
    opens, closes = parse_hours(hours)
    digits = sorted(
        {o.digit for page in range(layout.page_count) for o in layout.options(page) if o.language == lang}
    )
    out = {"greeting": tr.t("phone.greeting")}
    out |= {f"menu.{digit}": tr.t("phone.menu_option", digit=digit) for digit in digits}
    out |= {
        "hold": tr.t("phone.hold"),
        "invalid": tr.t("phone.invalid"),
        "closed": tr.t("phone.closed", hours=tr.format_hours(opens, closes)),
        "callback": tr.t("phone.callback", digit=CALLBACK_DIGIT),
        "callback_done": tr.t("phone.callback_done"),
    }
    out |= {f"wait.{m}": tr.n("phone.wait_minutes", m) for m in WAIT_MINUTES}
    return out


def synthesise(voice: str, text: str) -> np.ndarray:
    """espeak-ng's speech for ``text`` as 8 kHz int16 samples."""
    wav = subprocess.run(  # noqa: S603 - fixed program, text passed as one argument
        ["espeak-ng", "-v", voice, "-s", str(SPEED_WPM), "--stdout", text],  # noqa: S607
        check=True,
        capture_output=True,
    ).stdout
    with wave.open(io.BytesIO(wav)) as reader:
        rate = reader.getframerate()
        samples = np.frombuffer(reader.readframes(reader.getnframes()), dtype="<i2")
    return _resample(samples, rate)


def _resample(samples: np.ndarray, rate: int) -> np.ndarray:
    frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout="mono")
    frame.sample_rate = rate
    resampler = av.AudioResampler(format="s16", layout="mono", rate=RATE)
    chunks = [f.to_ndarray().reshape(-1) for f in (*resampler.resample(frame), *resampler.resample(None))]
    return np.concatenate(chunks).astype("<i2") if chunks else np.zeros(0, dtype="<i2")


def ulaw_wav(ulaw: bytes) -> bytes:
    """A minimal WAVE file: format 7 (μ-law), 8 kHz, mono, 8 bits per sample."""
    fmt = struct.pack("<HHIIHH", 7, 1, RATE, RATE, 1, 8)
    body = (
        b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(ulaw)) + ulaw
    )
    return b"RIFF" + struct.pack("<I", len(body)) + body + (b"\x00" if len(ulaw) & 1 else b"")


MENU_ORDER = tuple(seed.code for seed in SEEDED_LANGUAGES)
"""The desk's languages in their seeded order: the order the gateway reads the menu in (key 4 is Korean)."""


def recorded(directory: Path) -> dict[tuple[str, str], tuple[str, str, bytes]]:
    """The prompts already in ``directory``: (language, name) -> (voice, text, μ-law audio with its gap)."""
    path = directory / MANIFEST
    if not path.exists():
        return {}
    manifest = json.loads(path.read_text(encoding="utf-8"))
    found: dict[tuple[str, str], tuple[str, str, bytes]] = {}
    for lang, entry in manifest["languages"].items():
        ulaw = read_ulaw_wav((directory / entry["file"]).read_bytes())
        for name, seg in entry["prompts"].items():
            audio = ulaw[seg["start"] : seg["start"] + seg["length"]]
            found[(lang, name)] = (entry["voice"], seg["text"], audio)
    return found


def generate(
    out: Path, hours: str, languages: Iterable[str] = MENU_ORDER, *, changed_only: bool = False
) -> dict[str, object]:
    """Write every language's WAV and the manifest; with ``changed_only``, reuse the audio already in ``out``
    of each prompt whose voice and text are unchanged."""
    languages = tuple(languages)
    layout = MenuLayout.of(languages)
    gap = np.zeros(int(RATE * GAP_S), dtype="<i2")
    before = recorded(out) if changed_only else {}
    manifest: dict[str, object] = {"hours": hours, "menu_order": list(languages), "languages": {}}
    entries: dict[str, object] = {}
    for lang in languages:
        voice = VOICES[lang]
        ulaw = bytearray()
        prompts: dict[str, object] = {}
        made = 0
        for name, text in texts(lang, layout, hours).items():
            old = before.get((lang, name))
            if old is not None and old[:2] == (voice, text):
                speech = old[2]
            else:
                voiced = synthesise(voice, _speakable(lang, text))
                speech = pcm_to_ulaw(np.concatenate([voiced, gap]).tobytes())
                made += 1
            prompts[name] = {"start": len(ulaw), "length": len(speech), "text": text}
            ulaw += speech
        (out / f"{lang}.wav").write_bytes(ulaw_wav(bytes(ulaw)))
        entries[lang] = {"file": f"{lang}.wav", "voice": voice, "prompts": prompts}
        print(
            f"{lang}: {len(prompts)} prompts ({made} synthesised), {len(ulaw) / RATE:.1f} s"
            f" (espeak-ng voice {voice})"
        )
    manifest["languages"] = entries
    (out / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--hours", default="09:00-17:00", help="desk hours said when closed (HH:MM-HH:MM)")
    parser.add_argument("--out", type=Path, default=AUDIO_DIR)
    parser.add_argument(
        "--changed",
        action="store_true",
        help="synthesise only prompts whose text or voice changed; keep the others' recorded audio",
    )
    args = parser.parse_args(argv)
    if shutil.which("espeak-ng") is None:
        print("espeak-ng is not installed (Debian: apt-get install espeak-ng)", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    generate(args.out, args.hours, changed_only=args.changed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
