"""The resident languages: codes, locale data for dates and numbers, and the fonts each script needs.

No resident text lives here: even a language's own name comes from its catalogue (`language.self_name`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

SUPPORTED: tuple[str, ...] = (
    "ja",
    "en",
    "zh",
    "vi",
    "ko",
    "pt",
    "es",
    "ne",
    "fil",
    "id",
    "hi",
    "th",
    "fr",
    "ru",
    "uk",
)
FALLBACK = "en"

# Every stack ends with Noto Sans JP before the generic family so that Japanese text shown inside another
# language's page (an original chat message, a street address) gets Japanese glyphs, not Chinese ones.
_JP_TAIL = '"Noto Sans JP", "Hiragino Sans", "Yu Gothic", "Meiryo", sans-serif'
_FONTS = {
    "Latn": f'"Noto Sans", "Segoe UI", Roboto, "Helvetica Neue", Arial, {_JP_TAIL}',
    "Cyrl": f'"Noto Sans", "Segoe UI", Roboto, "Helvetica Neue", Arial, {_JP_TAIL}',
    "Jpan": '"Noto Sans JP", "Hiragino Sans", "Hiragino Kaku Gothic ProN", "Yu Gothic", "Meiryo", sans-serif',
    "Hans": f'"Noto Sans SC", "PingFang SC", "Microsoft YaHei", "Source Han Sans SC", {_JP_TAIL}',
    "Kore": f'"Noto Sans KR", "Apple SD Gothic Neo", "Malgun Gothic", {_JP_TAIL}',
    "Deva": f'"Noto Sans Devanagari", "Nirmala UI", "Kohinoor Devanagari", "Noto Sans", {_JP_TAIL}',
    "Thai": f'"Noto Sans Thai", "Leelawadee UI", Thonburi, "Noto Sans", {_JP_TAIL}',
}


@dataclass(frozen=True, slots=True)
class Language:
    """What the runtime needs to know about one resident language besides its text."""

    code: str
    bcp47: str  # for <html lang>, Intl.* in the browser and text-to-speech voices
    locale: str  # the CLDR locale Babel uses for dates, times and numbers
    script: str  # ISO 15924
    dir: Literal["ltr", "rtl"] = "ltr"

    @property
    def font_stack(self) -> str:
        """A CSS font-family value that shows this script with local system fonts."""
        return _FONTS[self.script]


LANGUAGES: dict[str, Language] = {
    lang.code: lang
    for lang in (
        Language("ja", "ja", "ja", "Jpan"),
        Language("en", "en", "en", "Latn"),
        Language("zh", "zh-Hans", "zh_Hans_CN", "Hans"),
        Language("vi", "vi", "vi", "Latn"),
        Language("ko", "ko", "ko", "Kore"),
        Language("pt", "pt-BR", "pt_BR", "Latn"),
        Language("es", "es-419", "es_419", "Latn"),
        Language("ne", "ne", "ne", "Deva"),
        Language("fil", "fil", "fil", "Latn"),
        Language("id", "id", "id", "Latn"),
        Language("hi", "hi", "hi", "Deva"),
        Language("th", "th", "th", "Thai"),
        Language("fr", "fr", "fr", "Latn"),
        Language("ru", "ru", "ru", "Cyrl"),
        Language("uk", "uk", "uk", "Cyrl"),
    )
}


# The residents' "ja" is やさしい日本語 (Easy Japanese); plain Japanese is the staff's language.
EASY_JAPANESE = "ja"


def resident_order(codes: Iterable[str]) -> list[str]:
    """The order residents see the languages in, the same on the counter tablet and the phone page: the
    catalogue order (`SUPPORTED`, Easy Japanese first), codes it does not know after them as given."""
    rank = {code: i for i, code in enumerate(SUPPORTED)}
    listed = list(codes)
    return sorted(listed, key=lambda code: (rank.get(code, len(rank)), listed.index(code)))
