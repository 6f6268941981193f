"""Translators for resident screens and phone prompts, language negotiation, and catalogues for the browser.

A resident's screen must never break because of a catalogue: a missing, empty, fuzzy or malformed
translation falls back to English (with a warning in the log), and a key unknown even to English shows the
key itself. The tests, not the runtime, are where such gaps fail loudly.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta
from typing import Literal

from babel import Locale
from babel.dates import format_date, format_interval, format_skeleton
from babel.lists import format_list
from babel.numbers import format_decimal

from app.i18n.catalog import PLACEHOLDER_RE, PLURAL_PROBE, Catalogue, Text, load, placeholders_of
from app.i18n.languages import FALLBACK, LANGUAGES, SUPPORTED, Language
from routing import YEAR_END, OpeningHours

logger = logging.getLogger(__name__)

# Tags that browsers send for languages we serve under another code.
_ALIASES = {"tl": "fil", "in": "id", "zh-hant": "zh", "zh-tw": "zh", "zh-hk": "zh", "zh-mo": "zh"}
_TAG_RE = re.compile(r"^[A-Za-z]{1,8}(?:[-_][A-Za-z0-9]{1,8})*$|^\*$")
_warned: set[tuple[str, str, str]] = set()


def _warn_once(lang: str, key: str, what: str) -> None:
    # One line per (language, key, problem): a busy desk must not flood the log with the same gap.
    if (lang, key, what) not in _warned:
        _warned.add((lang, key, what))
        logger.warning("i18n: %s: %s: %s", lang, key, what)


class Translator:
    """Resident text in one language: `t` for plain messages, `n` for counted ones, plus locale formats."""

    def __init__(self, language: Language, catalogue: Catalogue, fallback: Catalogue | None) -> None:
        self._language = language
        self._catalogue = catalogue
        self._fallback = fallback  # None when this is the fallback (English) itself
        self._locale = Locale.parse(language.locale)

    def __repr__(self) -> str:
        return f"Translator({self.lang!r})"

    @property
    def lang(self) -> str:
        return self._language.code

    @property
    def bcp47(self) -> str:
        """The tag for <html lang>, the browser's Intl APIs and text-to-speech voices (e.g. pt-BR)."""
        return self._language.bcp47

    @property
    def dir(self) -> Literal["ltr", "rtl"]:
        return self._language.dir

    @property
    def font_stack(self) -> str:
        return self._language.font_stack

    @property
    def plural_expr(self) -> str:
        return self._catalogue.plural_expr

    @property
    def nplurals(self) -> int:
        return self._catalogue.nplurals

    def plural_index(self, count: int) -> int:
        """Which plural form this language uses for count (gettext's rule from the catalogue header)."""
        return self._catalogue.plural(abs(count))

    def message_keys(self) -> tuple[str, ...]:
        """Every message key, in catalogue order (the English catalogue is the reference)."""
        reference = self._fallback or self._catalogue
        return tuple(reference.entries)

    def t(self, key: str, **params: object) -> str:
        """The message for key with its {placeholders} filled from params."""
        return self._render(key, None, params)

    def n(self, key: str, count: int, **params: object) -> str:
        """The counted message for key in the grammatical form for count.

        When the message has a single placeholder and params do not name it, count fills it, so
        ``n("waiting.minutes", 5)`` gives "About 5 minutes".
        """
        return self._render(key, count, params)

    def format_number(self, value: int | float) -> str:
        return format_decimal(value, locale=self._locale)

    def format_date(self, value: date) -> str:
        """A full date with the weekday, not abbreviated (e.g. Tuesday, December 1, 2026)."""
        return format_date(value, "full", locale=self._locale)

    def format_time(self, value: time | datetime) -> str:
        """A 24-hour time such as 09:00, the way the desk's signs show it."""
        return format_skeleton("Hm", value, locale=self._locale)

    def format_hours(self, start: time, end: time) -> str:
        """A range of opening hours such as 09:00–17:00, with this language's range punctuation.

        The punctuation is the locale data's (CLDR through Babel), never written here: a Babel release may
        change it (2.19 joins Russian times with an em dash), and phone prompts are regenerated then.
        """
        if end == time.max:  # a closing time of 24:00 (the end of the day), which no time of day can spell
            pattern = self._locale.interval_formats.get(None) or "{0}–{1}"
            return pattern.replace("{0}", self.format_time(start)).replace("{1}", "24:00")
        return format_interval(start, end, "Hm", locale=self._locale)

    def opening_hours(self, hours: OpeningHours) -> str:
        """The desk's opening hours as residents read them: the configured days and hours, then the closures
        that apply (national holidays, the year end), each only when the desk is configured to close then."""
        by_hours: dict[tuple[time, time], list[int]] = {}
        monday = date(2024, 1, 1)
        for weekday in sorted(hours.weekdays):  # days with their own hours get their own sentence
            by_hours.setdefault(hours.hours_on(monday + timedelta(days=weekday)), []).append(weekday)
        parts = [
            self.t("closed.hours", days=self.format_days(days), hours=self.format_hours(opens, closes))
            for (opens, closes), days in by_hours.items()
        ] or [self.t("closed.hours", days="", hours=self.format_hours(hours.opens, hours.closes))]
        if hours.holiday_country is not None:
            parts.append(self.t("closed.holidays"))
        if YEAR_END in hours.annual_closures:
            parts.append(self.t("closed.year_end"))
        joiner = "" if self.lang in ("ja", "zh") else " "  # sentences ending in 。 are not spaced apart
        return joiner.join(parts)

    def format_days(self, weekdays: Iterable[int]) -> str:
        """The open days (0 Monday .. 6 Sunday) in this language, e.g. "Monday – Friday" or "Monday, Tuesday
        and Saturday": runs of three days or more as a range. Names, list and range punctuation are CLDR's."""
        runs: list[list[int]] = []
        for day in sorted(set(weekdays)):
            if runs and day == runs[-1][-1] + 1:
                runs[-1].append(day)
            else:
                runs.append([day])
        monday = date(2024, 1, 1)  # any Monday: only the weekday's name is used

        def name(day: int) -> str:
            return format_date(monday + timedelta(days=day), "EEEE", locale=self._locale)

        pattern = self._locale.interval_formats.get(None) or "{0}–{1}"
        parts: list[str] = []
        for run in runs:
            if len(run) >= 3:
                parts.append(pattern.replace("{0}", name(run[0])).replace("{1}", name(run[-1])))
            else:
                parts += [name(day) for day in run]
        return format_list(parts, locale=self._locale)

    # -- internals -------------------------------------------------------------------------------

    def _chain(self) -> tuple[Catalogue, ...]:
        return (self._catalogue,) if self._fallback is None else (self._catalogue, self._fallback)

    def _render(self, key: str, count: int | None, params: Mapping[str, object]) -> str:
        partial: tuple[str, dict[str, object]] | None = None
        for catalogue in self._chain():
            text = catalogue.usable(key)
            if text is None:
                then = "trying English" if catalogue is not self._chain()[-1] else "no text"
                _warn_once(catalogue.lang, key, f"missing, empty, fuzzy or malformed; {then}")
                continue
            form = self._pick(catalogue, key, text, count)
            values = self._values(form, text, count, params)
            if placeholders_of(form) <= values.keys():
                return self._substitute(form, values)
            _warn_once(catalogue.lang, key, f"called without {sorted(placeholders_of(form) - values.keys())}")
            partial = partial or (form, values)
        if partial is not None:
            # A caller forgot a value: the sentence with a visible {gap} still tells the resident more
            # than the key would.
            return self._substitute(*partial)
        _warn_once(self.lang, key, "unknown key; showing the key")
        return key

    def _pick(self, catalogue: Catalogue, key: str, text: Text, count: int | None) -> str:
        if isinstance(text, str):
            if count is not None:
                _warn_once(catalogue.lang, key, "n() used on a message without plural forms")
            return text
        if count is None:
            _warn_once(catalogue.lang, key, "t() used on a counted message; use n()")
            count = 1
        index = catalogue.plural(abs(count))
        return text[min(index, len(text) - 1)]

    @staticmethod
    def _values(form: str, text: Text, count: int | None, params: Mapping[str, object]) -> dict[str, object]:
        values = dict(params)
        if count is not None and isinstance(text, tuple):
            names = placeholders_of(form)
            if len(names) == 1:
                values.setdefault(next(iter(names)), count)
        return values

    def _substitute(self, form: str, values: Mapping[str, object]) -> str:
        # A plain {name} substitution, not str.format: catalogue text can never reach attributes or indexes.
        return PLACEHOLDER_RE.sub(
            lambda match: self._show(values[match[1]]) if match[1] in values else match[0], form
        )

    def _show(self, value: object) -> str:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return self.format_number(value)
        return str(value)

    # -- the browser's copy ----------------------------------------------------------------------

    def plural_categories(self) -> list[str]:
        """The CLDR category (one, few, many, other) of each plural form, for Intl.PluralRules in browsers."""
        categories: list[str] = []
        for index in range(self._catalogue.nplurals):
            sample = next((n for n in PLURAL_PROBE if self._catalogue.plural(n) == index), None)
            categories.append("other" if sample is None else self._locale.plural_form(sample))
        return categories

    def as_json(self) -> dict[str, str | list[str]]:
        """Every key's text (plural forms as a list), with English filled in for gaps."""
        out: dict[str, str | list[str]] = {
            "_lang": self.lang,
            "_bcp47": self.bcp47,
            "_dir": self.dir,
            "_plural": self._catalogue.plural_expr,
            "_plural_categories": self.plural_categories(),
        }
        for key in self.message_keys():
            text = self._catalogue.usable(key)
            if text is None and self._fallback is not None:
                _warn_once(self.lang, key, "missing, empty, fuzzy or malformed; trying English")
                text = self._english_in_our_forms(key)
            if text is None:
                continue
            out[key] = list(text) if isinstance(text, tuple) else text
        return out

    def _english_in_our_forms(self, key: str) -> Text | None:
        """English text for a gap, with English plural forms spread over this language's form slots."""
        assert self._fallback is not None
        text = self._fallback.usable(key)
        if not isinstance(text, tuple):
            return text
        english = self._fallback.plural
        forms: list[str] = []
        for index in range(self._catalogue.nplurals):
            sample = next((n for n in PLURAL_PROBE if self._catalogue.plural(n) == index), 2)
            forms.append(text[min(english(sample), len(text) - 1)])
        return tuple(forms)


@functools.cache
def _catalogue(lang: str) -> Catalogue:
    return load(lang)


@functools.cache
def _translator(lang: str) -> Translator:
    fallback = None if lang == FALLBACK else _catalogue(FALLBACK)
    return Translator(LANGUAGES[lang], _catalogue(lang), fallback)


def translator(lang: str) -> Translator:
    """The translator for a supported code; other tags are negotiated (pt-BR -> pt, tl -> fil, xx -> en)."""
    if lang in LANGUAGES:
        return _translator(lang)
    code = negotiate(lang)
    if code == FALLBACK and _primary(lang) != FALLBACK:
        logger.warning("i18n: unsupported language %r; using %s", lang, FALLBACK)
    return _translator(code)


def _primary(tag: str) -> str:
    return tag.strip().lower().replace("_", "-").split("-")[0]


def _match(tag: str) -> str | None:
    tag = tag.strip().lower().replace("_", "-")
    for candidate in (tag, "-".join(tag.split("-")[:2]), tag.split("-")[0]):
        code = _ALIASES.get(candidate, candidate)
        if code in LANGUAGES:
            return code
    return None


def negotiate(accept_language: str | None, default: str = FALLBACK) -> str:
    """The best supported code for an Accept-Language header (or a single tag); default when none fits.

    Quality values are honoured (q=0 means "not this one"); equal qualities keep the header's order;
    region and script subtags are ignored except to recognise Chinese and Filipino spellings.
    """
    if not accept_language:
        return default
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")[:32]):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip()
        if not tag or not _TAG_RE.match(tag):
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality <= 0 or tag == "*":
            continue
        ranked.append((-quality, position, tag))
    for _, _, tag in sorted(ranked):
        code = _match(tag)
        if code is not None:
            return code
    return default


def catalog_json(lang: str) -> dict[str, str | list[str]]:
    """All resident text of a language for browser JavaScript (see app/ui/shared/static/i18n.js).

    Plain messages are strings and counted ones lists of forms; keys starting with "_" describe the
    language: _lang, _bcp47, _dir, _plural (the gettext plural expression) and _plural_categories (the
    CLDR category of each form, so the browser can pick a form with Intl.PluralRules and no eval).
    """
    return translator(lang).as_json()


def reload() -> None:
    """Forget the loaded catalogues (after editing a PO file in a running dev server, or in tests)."""
    _translator.cache_clear()
    _catalogue.cache_clear()
    _warned.clear()


__all__ = ["SUPPORTED", "Translator", "catalog_json", "negotiate", "reload", "translator"]
