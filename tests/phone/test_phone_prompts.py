"""The shipped phone prompts: every language has every prompt, the texts are the catalogue's, not silence."""

from __future__ import annotations

import json

import numpy as np
import pytest
from aiortp.codecs.g711 import PcmuCodec

from app.config import Settings
from app.i18n import SUPPORTED
from app.phone.g711 import pcm_to_ulaw, ulaw_to_pcm
from app.phone.menu import MenuLayout
from app.phone.prompts import AUDIO_DIR, MANIFEST, WAIT_MINUTES, PromptLibrary, PromptMissing, read_ulaw_wav
from app.phone.prompts.generate import MENU_ORDER, _speakable, texts


@pytest.fixture(scope="module")
def library() -> PromptLibrary:
    return PromptLibrary.load()


def test_every_language_has_every_prompt_of_the_default_menu(library: PromptLibrary) -> None:
    layout = MenuLayout.of(MENU_ORDER)
    assert set(library.languages) == set(SUPPORTED)
    for page in range(layout.page_count):
        for option in layout.options(page):
            assert library.has(option.language, f"menu.{option.digit}"), option
    for lang in SUPPORTED:
        for name in ("greeting", "hold", "invalid", "closed", "callback", "callback_done"):
            assert library.has(lang, name), (lang, name)
        assert all(library.has(lang, f"wait.{m}") for m in WAIT_MINUTES)


def test_prompt_texts_are_the_catalogue_texts_of_the_desk_hours() -> None:
    """A changed translation, desk hours or locale data (the hours' range punctuation is Babel's) must be
    followed by `python -m app.phone.prompts.generate --changed`."""
    manifest = json.loads((AUDIO_DIR / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["hours"] == Settings(mode="dev").desk_hours  # type: ignore[arg-type]
    layout = MenuLayout.of(manifest["menu_order"])
    for lang, entry in manifest["languages"].items():
        recorded = {name: seg["text"] for name, seg in entry["prompts"].items()}
        assert recorded == texts(lang, layout, manifest["hours"]), (
            f"{lang}: run python -m app.phone.prompts.generate --changed"
        )


def test_prompts_are_speech_not_silence(library: PromptLibrary) -> None:
    for lang in SUPPORTED:
        pcm = np.frombuffer(library.get(lang, "greeting"), dtype="<i2").astype(np.float64)
        assert 1.0 < len(pcm) / 8000 < 15.0, lang
        assert np.sqrt(np.mean(pcm**2)) > 300, lang


def test_missing_prompt_falls_back_to_english_then_fails_loudly() -> None:
    library = PromptLibrary({"en": {"hold": b"\x01\x00"}}, {"en": {"hold": "Please hold."}})
    assert library.get("th", "hold") == b"\x01\x00"
    with pytest.raises(PromptMissing, match="greeting"):
        library.get("th", "greeting")


@pytest.mark.parametrize(("minutes", "said"), [(1, 1), (4, 5), (5, 5), (11, 15), (59, 60), (200, 60)])
def test_wait_is_said_as_the_next_figure_up(minutes: int, said: int) -> None:
    library = PromptLibrary({"en": {f"wait.{m}": bytes([m, 0]) for m in WAIT_MINUTES}}, {})
    assert library.wait("en", minutes) == bytes([said, 0])


def test_read_ulaw_wav__refuses_other_formats() -> None:
    with pytest.raises(ValueError, match="RIFF"):
        read_ulaw_wav(b"not a wav file at all")
    pcm_wav = (
        (AUDIO_DIR / "en.wav")
        .read_bytes()
        .replace(b"fmt \x10\x00\x00\x00\x07\x00", b"fmt \x10\x00\x00\x00\x01\x00", 1)
    )
    with pytest.raises(ValueError, match="μ-law"):
        read_ulaw_wav(pcm_wav)


def test_g711_tables_match_the_rtp_library_codec() -> None:
    every_sample = np.arange(-32768, 32768, dtype="<i2").tobytes()
    codec = PcmuCodec()
    assert pcm_to_ulaw(every_sample) == codec.encode(every_sample)
    assert ulaw_to_pcm(bytes(range(256))) == codec.decode(bytes(range(256)))


@pytest.mark.parametrize(
    ("lang", "text", "spoken"),
    [
        ("ja", "9時00分～17時00分です。", "くじ から じゅうしちじです。"),
        ("ja", "だいたい 15分です。", "だいたい じゅうごふんです。"),
        ("fil", "pindutin ang 8.", "pindutin ang walo."),
        ("en", "Press 8.", "Press 8."),
    ],
)
def test_speakable__rewrites_what_espeak_misreads(lang: str, text: str, spoken: str) -> None:
    assert _speakable(lang, text) == spoken
