"""Translators: plural forms, fallbacks that never break a screen, negotiation, the browser's JSON copy."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from datetime import date, time

import pytest
from babel import Locale

from app.i18n import FALLBACK, LANGUAGES, SUPPORTED, Translator, catalog_json, negotiate, reload, translator
from app.i18n.catalog import load, parse, po_path


@pytest.fixture(autouse=True)
def fresh_warnings() -> Iterator[None]:
    # Warnings are logged once per (language, key); start each test with a clean slate.
    reload()
    yield
    reload()


def uk_without(text_change: tuple[str, str]) -> Translator:
    """A Ukrainian translator over a damaged copy of the Ukrainian catalogue, with English behind it."""
    old, new = text_change
    text = po_path("uk").read_text(encoding="utf-8")
    assert old in text
    catalogue = parse(text.replace(old, new).encode(), "uk", "uk")
    return Translator(LANGUAGES["uk"], catalogue, load(FALLBACK))


# -- plural forms -----------------------------------------------------------------------------------------

MINUTES = {
    "en": {1: "About 1 minute", 2: "About 2 minutes", 5: "About 5 minutes", 21: "About 21 minutes"},
    "ru": {
        1: "Примерно 1 минута",
        2: "Примерно 2 минуты",
        5: "Примерно 5 минут",
        11: "Примерно 11 минут",
        12: "Примерно 12 минут",
        21: "Примерно 21 минута",
        22: "Примерно 22 минуты",
        111: "Примерно 111 минут",
    },
    "uk": {
        1: "Приблизно 1 хвилина",
        2: "Приблизно 2 хвилини",
        5: "Приблизно 5 хвилин",
        11: "Приблизно 11 хвилин",
        21: "Приблизно 21 хвилина",
        24: "Приблизно 24 хвилини",
    },
    "fr": {0: "Environ 0 minute", 1: "Environ 1 minute", 2: "Environ 2 minutes"},
    "ja": {1: "だいたい 1分", 5: "だいたい 5分"},
}


@pytest.mark.parametrize(
    ("lang", "count", "expected"),
    [(lang, count, text) for lang, cases in MINUTES.items() for count, text in cases.items()],
)
def test_plural_form__waiting_minutes(lang: str, count: int, expected: str) -> None:
    assert translator(lang).n("waiting.minutes", count) == expected


def test_plural_form__explicit_parameter_wins_over_count() -> None:
    assert translator("en").n("waiting.minutes", 1, minutes="one") == "About one minute"


def test_plural_form__phone_prompt_in_russian() -> None:
    ru = translator("ru")
    assert ru.n("phone.wait_minutes", 3) == "Время ожидания — примерно 3 минуты."
    assert ru.n("phone.wait_minutes", 25) == "Время ожидания — примерно 25 минут."


VALUES = {
    "phone": "086-426-3111",
    "hours": "09:00–17:00",
    "days": "Monday – Friday",
    "date": "D",
    "time": "T",
    "holiday": "H",
    "digit": 4,
    "operator": "O",
    "municipalities": "M",
    "language": "L",
}
PLURAL_KEYS = frozenset(key for key, value in catalog_json("en").items() if isinstance(value, list))


def fill(form: str, values: dict[str, object]) -> str:
    return re.sub(r"\{(\w+)\}", lambda match: str(values[match[1]]), form)


@pytest.mark.parametrize("lang", SUPPORTED)
def test_every_message__renders_in_every_language_without_gaps(lang: str) -> None:
    tr = translator(lang)
    for key in tr.message_keys():
        for count in (1, 2, 5, 21):
            text = tr.n(key, count, **VALUES) if key in PLURAL_KEYS else tr.t(key, **VALUES)
            assert text and "{" not in text and text != key, (lang, key, text)


# -- fallbacks: a resident's screen never breaks -----------------------------------------------------------


def test_missing_translation__falls_back_to_english_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    tr = uk_without(('msgctxt "ended.phone"', 'msgctxt "ended.phone_gone"'))
    with caplog.at_level(logging.WARNING, logger="app.i18n"):
        assert tr.t("ended.phone", phone="086") == "Phone: 086"
    assert "uk: ended.phone: missing" in caplog.text


def test_empty_translation__falls_back_to_english() -> None:
    tr = uk_without(('msgstr "Надіслати"', 'msgstr ""'))
    assert tr.t("chat.send") == "Send"


def test_fuzzy_translation__falls_back_to_english() -> None:
    tr = uk_without(('msgctxt "chat.send"', '#, fuzzy\nmsgctxt "chat.send"'))
    assert tr.t("chat.send") == "Send"


def test_translation_with_a_wrong_placeholder__falls_back_to_english() -> None:
    tr = uk_without(('msgstr "Телефон: {phone}"', 'msgstr "Телефон: {telefon}"'))
    assert tr.t("ended.phone", phone="086") == "Phone: 086"


def test_missing_plural_form__falls_back_to_english_forms() -> None:
    tr = uk_without(('msgstr[2] "Приблизно {minutes} хвилин"\n', ""))
    assert tr.n("waiting.minutes", 5) == "About 5 minutes"
    # The browser copy spreads the English forms over the three Ukrainian slots (one, few, many).
    assert tr.as_json()["waiting.minutes"] == [
        "About {minutes} minute",
        "About {minutes} minutes",
        "About {minutes} minutes",
    ]


def test_unknown_key__shows_the_key_and_does_not_raise(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="app.i18n"):
        assert translator("th").t("no.such_key") == "no.such_key"
    assert "unknown key" in caplog.text


def test_missing_parameter__keeps_the_sentence_with_a_visible_gap() -> None:
    assert translator("fr").t("ended.phone") == "Téléphone\u00a0: {phone}"


def test_unsupported_language__gives_english() -> None:
    assert translator("de").lang == "en"
    assert translator("pt-BR").lang == "pt"


def test_unreadable_catalogue__gives_english_text() -> None:
    tr = Translator(LANGUAGES["ko"], parse(b"garbage \x00", "ko", "ko"), load(FALLBACK))
    assert tr.t("chat.send") == "Send"


def test_warning__is_logged_once_per_key(caplog: pytest.LogCaptureFixture) -> None:
    tr = uk_without(('msgstr "Надіслати"', 'msgstr ""'))
    with caplog.at_level(logging.WARNING, logger="app.i18n"):
        for _ in range(5):
            tr.t("chat.send")
    assert caplog.text.count("chat.send") == 1


# -- parameters and locale formats --------------------------------------------------------------------------


def test_parameters__are_substituted_verbatim_and_never_formatted_as_code() -> None:
    assert translator("en").t("ended.phone", phone="{0.__class__}") == "Phone: {0.__class__}"


def test_numbers__use_the_languages_grouping() -> None:
    assert translator("en").n("waiting.position", 1200) == "You are number 1,200 in line."
    assert translator("fr").n("waiting.minutes", 1200) == "Environ 1\u202f200 minutes"


def cldr_hour_range(lang: str, start: str, end: str) -> str:
    """`start` to `end` joined the way the installed locale data joins two 24-hour times (CLDR's "Hm"
    interval pattern). The punctuation is the locale release's choice (Babel 2.19 gave Russian an em dash
    where earlier releases had an en dash), so the test reads it from there instead of writing it down."""
    patterns: list[str] = Locale.parse(LANGUAGES[lang].locale).interval_formats["Hm"]["H"]
    first, second = patterns
    assert first.startswith("HH:mm") and second == "HH:mm", (lang, first, second)
    return start + first.removeprefix("HH:mm") + end


def test_dates_and_hours__are_written_the_languages_way() -> None:
    assert translator("en").format_date(date(2026, 12, 1)) == "Tuesday, December 1, 2026"
    assert translator("ja").format_date(date(2026, 12, 1)) == "2026年12月1日火曜日"
    assert translator("ru").format_hours(time(9), time(17)) == cldr_hour_range("ru", "09:00", "17:00")
    assert translator("en").format_time(time(17, 30)) == "17:30"


@pytest.mark.parametrize(
    ("lang", "font"),
    [("hi", "Noto Sans Devanagari"), ("ne", "Noto Sans Devanagari"), ("th", "Noto Sans Thai"),
     ("ja", "Noto Sans JP"), ("zh", "Noto Sans SC"), ("ko", "Noto Sans KR"), ("vi", "Noto Sans")],
)  # fmt: skip
def test_font_stack__starts_with_the_scripts_font(lang: str, font: str) -> None:
    stack = translator(lang).font_stack
    assert stack.startswith(f'"{font}"')
    assert stack.endswith("sans-serif")


def test_direction_and_tags__for_html() -> None:
    assert {translator(lang).dir for lang in SUPPORTED} == {"ltr"}
    assert translator("pt").bcp47 == "pt-BR"
    assert translator("zh").bcp47 == "zh-Hans"


# -- negotiation ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("uk-UA,uk;q=0.9,ru;q=0.8,en;q=0.5", "uk"),
        ("ru;q=0.5, uk", "uk"),
        ("de-DE,de;q=0.9", "en"),
        ("de-DE,de;q=0.9,vi;q=0.1", "vi"),
        ("", "en"),
        (None, "en"),
        ("*", "en"),
        ("zh-TW", "zh"),
        ("zh-Hant-HK,en;q=0.5", "zh"),
        ("zh-Hans-CN", "zh"),
        ("tl-PH", "fil"),
        ("fil", "fil"),
        ("pt-PT", "pt"),
        ("es-MX,es;q=0.9", "es"),
        ("in-ID", "id"),
        ("ne-NP,en;q=0.3", "ne"),
        ("en;q=0, ja", "ja"),
        ("ja;q=abc, ko", "ko"),
        (";;;,,", "en"),
        ("EN-gb", "en"),
        ("fr-CA;q=0.8, vi;q=0.9", "vi"),
        ("hi_IN", "hi"),
        ("th;q=1.0, en;q=1.0", "th"),
        ("x" * 200, "en"),
    ],
)
def test_negotiate__accept_language(header: str | None, expected: str) -> None:
    assert negotiate(header) == expected


def test_negotiate__custom_default() -> None:
    assert negotiate("de", default="ja") == "ja"


# -- the browser's copy ------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", SUPPORTED)
def test_catalog_json__round_trips_and_gives_the_servers_text(lang: str) -> None:
    data = json.loads(json.dumps(catalog_json(lang), ensure_ascii=False))
    tr = translator(lang)
    assert (data["_lang"], data["_bcp47"], data["_dir"]) == (lang, tr.bcp47, tr.dir)
    assert data["_plural"] == tr.plural_expr
    assert data["_plural_categories"] == tr.plural_categories()
    assert {key for key in data if not key.startswith("_")} == set(tr.message_keys())
    for key in tr.message_keys():
        value = data[key]
        if key in PLURAL_KEYS:
            assert isinstance(value, list) and len(value) == tr.nplurals
            for count in (1, 2, 5, 21):
                expected = fill(
                    value[tr.plural_index(count)], {**VALUES, "minutes": count, "position": count}
                )
                assert tr.n(key, count) == expected, (lang, key, count)
        else:
            assert isinstance(value, str)
            assert tr.t(key, **VALUES) == fill(value, VALUES), (lang, key)


def test_open_days__named_from_the_configured_days_in_each_language() -> None:
    from routing import OpeningHours

    en, ja, ru = translator("en"), translator("ja"), translator("ru")
    assert en.format_days(range(5)) == "Monday\u2009–\u2009Friday"
    assert en.format_days([0, 1, 5]) == "Monday, Tuesday, and Saturday"
    assert ja.format_days(range(5)) == "月曜日～金曜日"
    assert ru.format_days([5, 6]) == "суббота и воскресенье"
    weekend = OpeningHours.from_dict(
        {
            "opens": "10:00",
            "closes": "24:00",
            "weekdays": ["sat", "sun"],
            "holiday_country": None,
            "annual_closures": [],
        }
    )
    text = en.opening_hours(weekend)
    assert text == "Opening hours: Saturday and Sunday, 10:00\u2009–\u200924:00."
    assert "weekday" not in text.lower()
    default = en.opening_hours(OpeningHours.from_dict({"opens": "09:00", "closes": "17:00"}))
    assert default.endswith("Closed on national holidays. Closed from 29 December to 3 January.")
