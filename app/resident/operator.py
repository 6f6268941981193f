"""Who runs the service, said on the resident's first page in their language.

The operator's name and the member municipalities come from settings and the reference data, never from the
catalogue: one sentence (`resident.operator`) carries them. Residents reading Japanese or Chinese get the
Japanese names (Han script they read); everyone else gets the English ones (Latin script).
"""

from __future__ import annotations

from collections.abc import Sequence

from babel.lists import format_list

from app.i18n.languages import LANGUAGES
from app.i18n.runtime import Translator

JAPANESE_NAMES = frozenset({"ja", "zh"})


def operator_line(
    tr: Translator, operator_ja: str, operator_en: str, places: Sequence[tuple[str, str]]
) -> str:
    """The sentence naming the operator and the municipalities (pairs of Japanese and English names)."""
    japanese = tr.lang in JAPANESE_NAMES
    names = [ja if japanese else en for ja, en in places]
    listed = format_list(names, locale=LANGUAGES[tr.lang].locale) if names else ""
    return tr.t("resident.operator", operator=operator_ja if japanese else operator_en, municipalities=listed)
