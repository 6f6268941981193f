"""The resident catalogues are complete, consistent with the template, and hold the right language."""

from __future__ import annotations

import re
import unicodedata

import pytest
from babel import Locale

from app.i18n import LANGUAGES, SUPPORTED, translator
from app.i18n.catalog import (
    LOCALES_DIR,
    PLURAL_PROBE,
    Catalogue,
    check_catalogue,
    check_catalogues,
    check_template,
    load,
    load_template,
    parse,
    placeholders_of,
    po_path,
)
from app.seed.data import LANGUAGES as SEEDED_LANGUAGES
from app.seed.data import TOPICS

TEMPLATE = load_template()


def translations(lang: str) -> dict[str, tuple[str, ...]]:
    """Every form of every message of a catalogue, by key."""
    return {key: entry.forms for key, entry in load(lang).entries.items()}


def all_text(lang: str) -> str:
    return "\n".join(form for forms in translations(lang).values() for form in forms)


def test_template_is_sound__keys_and_placeholders() -> None:
    assert check_template(TEMPLATE) == []
    assert len(TEMPLATE.entries) >= 80


@pytest.mark.parametrize("lang", SUPPORTED)
def test_catalogue_is_complete__each_language(lang: str) -> None:
    """Fails on a missing key, an empty or fuzzy translation, a stale msgid or a wrong number of forms."""
    assert check_catalogue(load(lang), TEMPLATE) == []


@pytest.mark.parametrize("lang", SUPPORTED)
def test_placeholders_match_the_source__each_form_of_each_language(lang: str) -> None:
    catalogue = load(lang)
    for key, source in TEMPLATE.entries.items():
        expected = placeholders_of(source.msgid)
        entry = catalogue.entries[key]
        for index, form in enumerate(entry.forms):
            assert placeholders_of(form) == expected, (lang, key, index, form)


def test_check_catalogues__every_language_clean() -> None:
    assert {lang: problems for lang, problems in check_catalogues().items() if problems} == {}


def test_supported_languages__match_the_seeded_reference_data() -> None:
    assert set(SUPPORTED) == {language.code for language in SEEDED_LANGUAGES}
    assert set(SUPPORTED) == set(LANGUAGES)
    assert {path.parent.parent.name for path in LOCALES_DIR.glob("*/LC_MESSAGES/resident.po")} == set(
        SUPPORTED
    )


def test_self_names__match_the_native_names_of_the_reference_data() -> None:
    for language in SEEDED_LANGUAGES:
        assert translator(language.code).t("language.self_name") == language.native_name


def test_topic_keys__cover_every_seeded_topic() -> None:
    assert {f"topic.{topic.code}" for topic in TOPICS} <= set(TEMPLATE.entries)


# -- the checker itself: a test that cannot fail protects nothing --------------------------------------


def _broken_uk() -> Catalogue:
    text = po_path("uk").read_text(encoding="utf-8")
    text = text.replace('msgstr "Телефон: {phone}"', 'msgstr "Телефон: {telefon}"')
    text = text.replace('msgstr "Надіслати"', 'msgstr ""')
    text = text.replace('msgctxt "chat.send"', '#, fuzzy\nmsgctxt "chat.send"')
    text = re.sub(r'msgctxt "device\.retry"\nmsgid "[^"]*"\nmsgstr "[^"]*"\n', "", text)
    text = text.replace('msgstr[2] "Приблизно {minutes} хвилин"\n', "")
    return parse(text.encode(), "uk", "uk")


def test_checker_reports__missing_empty_fuzzy_placeholder_and_form_problems() -> None:
    problems = "\n".join(check_catalogue(_broken_uk(), TEMPLATE))
    assert "uk: device.retry: missing" in problems
    assert "uk: chat.send: fuzzy" in problems
    assert "uk: chat.send: empty translation" in problems
    assert "uk: ended.phone: placeholders ['telefon'] but the source has ['phone']" in problems
    assert "uk: waiting.minutes: form 2: empty translation" in problems


def test_checker_reports__header_problems() -> None:
    text = po_path("ru").read_text(encoding="utf-8")
    text = re.sub(r'"Plural-Forms: [^"]*"\n', "", text).replace('"Language: ru\\n"', '"Language: uk\\n"')
    problems = check_catalogue(parse(text.encode(), "ru", "ru"), TEMPLATE)
    assert "ru: the header has no Plural-Forms" in problems
    assert "ru: the header says Language: uk" in problems


def test_checker_reports__unreadable_file() -> None:
    problems = check_catalogue(parse(b'msgid "x"\nmsgstr "y"\nmsgstr "z"\nnonsense', "fr", "fr"), TEMPLATE)
    assert any("cannot be read" in problem for problem in problems)


# -- plural rules ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", SUPPORTED)
def test_plural_rule__agrees_with_cldr_for_whole_numbers(lang: str) -> None:
    """The gettext Plural-Forms header and CLDR (used by Intl.PluralRules in browsers) pick the same form."""
    tr = translator(lang)
    categories = tr.plural_categories()
    assert len(set(categories)) == len(categories) == tr.nplurals
    cldr = Locale.parse(LANGUAGES[lang].locale).plural_form
    for n in PLURAL_PROBE:
        category = cldr(n)
        expected = categories.index(category) if category in categories else len(categories) - 1
        assert tr.plural_index(n) == expected, (lang, n, category)


# -- the right language in the right file: cheap script and punctuation checks -------------------------

_SCRIPT = {
    "hi": r"[\u0900-\u097F]",
    "ne": r"[\u0900-\u097F]",
    "th": r"[\u0E00-\u0E7F]",
    "zh": r"[\u4E00-\u9FFF]",
    "ko": r"[\uAC00-\uD7A3]",
    "ja": r"[\u3040-\u30FF]",
    "ru": r"[\u0400-\u04FF]",
    "uk": r"[\u0400-\u04FF]",
}


@pytest.mark.parametrize("lang", sorted(_SCRIPT))
def test_every_translation__is_written_in_the_languages_script(lang: str) -> None:
    pattern = re.compile(_SCRIPT[lang])
    for key, forms in translations(lang).items():
        for form in forms:
            assert pattern.search(form), (lang, key, form)


def test_chinese__has_no_japanese_kana() -> None:
    assert not re.search(r"[\u3040-\u30FF]", all_text("zh"))


def test_ukrainian__has_ukrainian_letters_and_no_russian_ones() -> None:
    text = all_text("uk").lower()
    assert set("іїє") <= set(text)
    assert not set("ыэъё") & set(text)


def test_russian__has_russian_letters_and_no_ukrainian_ones() -> None:
    text = all_text("ru").lower()
    assert set("ыэё") & set(text)
    assert not set("іїєґ") & set(text)


def test_vietnamese__has_vietnamese_letters() -> None:
    assert set("ươđ") <= set(all_text("vi").lower())


@pytest.mark.parametrize("lang", ["zh", "ja"])
def test_cjk_translations__use_full_width_punctuation(lang: str) -> None:
    for key, forms in translations(lang).items():
        for form in forms:
            assert not re.search(r"[,.!?:;()]", form), (lang, key, form)


@pytest.mark.parametrize("lang", ["hi", "ne"])
def test_devanagari_sentences__end_with_a_danda(lang: str) -> None:
    for key, source in TEMPLATE.entries.items():
        for form in load(lang).entries[key].forms:
            assert not form.endswith("."), (lang, key, form)
            if source.msgid.endswith("."):
                assert form.endswith("।"), (lang, key, form)


def test_thai__has_no_full_stops() -> None:
    for key, forms in translations("th").items():
        for form in forms:
            assert not form.endswith("."), (key, form)


def test_french__puts_a_no_break_space_before_high_punctuation() -> None:
    assert not re.search(r" [:;!?]", all_text("fr"))


@pytest.mark.parametrize("lang", SUPPORTED)
def test_catalogue_text__is_nfc_normalised(lang: str) -> None:
    text = all_text(lang)
    assert unicodedata.normalize("NFC", text) == text
