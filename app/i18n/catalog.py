"""Reading the resident catalogues (gettext PO files) and checking them against the template.

Each message is keyed by its ``msgctxt`` (a stable dotted identifier such as ``waiting.minutes``); the
``msgid`` carries the English source text for translators and their tools. The PO files are read directly
with Babel at first use: nothing is compiled and no .mo file is committed.
"""

from __future__ import annotations

import gettext
import io
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

from app.i18n.languages import SUPPORTED

logger = logging.getLogger(__name__)

LOCALES_DIR = Path(__file__).parent / "locales"
DOMAIN = "resident"
TEMPLATE = LOCALES_DIR / f"{DOMAIN}.pot"

KEY_RE = re.compile(r"^[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+$")
PLACEHOLDER_RE = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
_STRAY_BRACE_RE = re.compile(r"[{}]")
_PLURAL_HEADER_RE = re.compile(rb'^"Plural-Forms:', re.MULTILINE)
# Plural rules are checked on these counts: enough to cover every ending of every rule we use.
PLURAL_PROBE = range(0, 1001)

Text = str | tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Entry:
    """One message of a catalogue, as written in the file."""

    key: str
    msgid: str
    msgid_plural: str | None
    text: Text
    fuzzy: bool

    @property
    def is_plural(self) -> bool:
        return self.msgid_plural is not None

    @property
    def forms(self) -> tuple[str, ...]:
        return self.text if isinstance(self.text, tuple) else (self.text,)


@dataclass(frozen=True, slots=True)
class Catalogue:
    """A parsed catalogue: every entry, the plural rule, and the entries fit to show a resident."""

    lang: str
    language_header: str | None
    has_plural_header: bool
    nplurals: int
    plural_expr: str
    plural: Callable[[int], int] = field(repr=False)
    entries: Mapping[str, Entry] = field(repr=False)
    problems: tuple[str, ...] = ()

    shown: Mapping[str, Text] = field(repr=False, default_factory=dict)

    def usable(self, key: str) -> Text | None:
        """The text for key if it may be shown to a resident, else None (the caller falls back)."""
        return self.shown.get(key)


def _showable(entry: Entry, nplurals: int) -> bool:
    """Present, not fuzzy, no empty form, the right number of forms and exactly the source's placeholders."""
    forms = entry.forms
    if entry.fuzzy or any(not form.strip() for form in forms):
        return False
    if entry.is_plural != isinstance(entry.text, tuple):
        return False
    if entry.is_plural and len(forms) != nplurals:
        return False
    # A form that lost or invented a placeholder would show a resident broken text: treat it as missing.
    expected = placeholders_of(entry.msgid)
    return all(placeholders_of(form) == expected and not has_stray_brace(form) for form in forms)


def placeholders_of(text: str) -> set[str]:
    """The names of the {name} placeholders in text."""
    return set(PLACEHOLDER_RE.findall(text))


def has_stray_brace(text: str) -> bool:
    """A brace that is not part of a {name} placeholder (a typo that would show up on screen)."""
    return bool(_STRAY_BRACE_RE.search(PLACEHOLDER_RE.sub("", text)))


def po_path(lang: str, locales_dir: Path = LOCALES_DIR) -> Path:
    return locales_dir / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def compile_plural(expr: str) -> Callable[[int], int]:
    """Turn a gettext Plural-Forms expression into a function (the same parser gettext itself uses)."""
    return gettext.c2py(expr)


def _entries(catalog: Catalog, problems: list[str], where: str) -> dict[str, Entry]:
    entries: dict[str, Entry] = {}
    for message in catalog:
        if not message.id:
            continue  # the header
        entry = _entry(message, problems, where)
        if entry is None:
            continue
        if entry.key in entries:
            problems.append(f"{where}: {entry.key}: the key is used twice")
            continue
        entries[entry.key] = entry
    return entries


def _entry(message: Message, problems: list[str], where: str) -> Entry | None:
    ident = message.id
    msgid, msgid_plural = (ident, None) if isinstance(ident, str) else (ident[0], ident[1])
    key = message.context
    if not key:
        problems.append(f"{where}: message {msgid!r} has no msgctxt key")
        return None
    if not KEY_RE.match(key):
        problems.append(f"{where}: {key}: a key is dotted lower-case words, e.g. waiting.minutes")
    string = message.string
    text: Text = tuple(string) if isinstance(string, (tuple, list)) else (string or "")
    return Entry(key=key, msgid=msgid, msgid_plural=msgid_plural, text=text, fuzzy=message.fuzzy)


def parse(data: bytes, lang: str, where: str) -> Catalogue:
    """Parse one PO file's bytes; syntax and header problems are collected, not raised."""
    problems: list[str] = []
    try:
        catalog = read_po(io.BytesIO(data), domain=DOMAIN, abort_invalid=True)
    except Exception as exc:  # whatever is wrong with the file, residents get English, never an error page
        return _empty(lang, [f"{where}: cannot be read: {exc}"])
    has_plural_header = _PLURAL_HEADER_RE.search(data) is not None
    expr = catalog.plural_expr
    try:
        plural = compile_plural(expr)
        if any(not 0 <= plural(n) < catalog.num_plurals for n in PLURAL_PROBE):
            raise ValueError("it gives an index outside nplurals")
    except (ValueError, SyntaxError) as exc:
        problems.append(f"{where}: bad Plural-Forms {expr!r}: {exc}")
        plural = _zero
    language = catalog.locale_identifier or None
    entries = _entries(catalog, problems, where)
    return Catalogue(
        lang=lang,
        language_header=language,
        has_plural_header=has_plural_header,
        nplurals=catalog.num_plurals,
        plural_expr=expr,
        plural=plural,
        entries=entries,
        problems=tuple(problems),
        shown={key: e.text for key, e in entries.items() if _showable(e, catalog.num_plurals)},
    )


def _zero(n: int) -> int:
    return 0


def _empty(lang: str, problems: list[str]) -> Catalogue:
    return Catalogue(lang, None, False, 1, "0", _zero, {}, tuple(problems))


def load(lang: str, locales_dir: Path = LOCALES_DIR) -> Catalogue:
    """Read a language's catalogue; a missing or broken file gives an empty catalogue (English fallback)."""
    path = po_path(lang, locales_dir)
    try:
        data = path.read_bytes()
    except OSError as exc:
        catalogue = _empty(lang, [f"{lang}: {path.name} cannot be opened: {exc}"])
    else:
        catalogue = parse(data, lang, lang)
    for problem in catalogue.problems:
        logger.warning("i18n catalogue problem: %s", problem)
    return catalogue


def load_template(path: Path = TEMPLATE) -> Catalogue:
    return parse(path.read_bytes(), "template", "template")


def check_template(template: Catalogue) -> list[str]:
    """Problems of the template itself: a plural message whose two English forms disagree on placeholders."""
    problems = list(template.problems)
    for entry in template.entries.values():
        texts = [entry.msgid] + ([entry.msgid_plural] if entry.msgid_plural is not None else [])
        if entry.msgid_plural is not None and placeholders_of(entry.msgid) != placeholders_of(
            entry.msgid_plural
        ):
            problems.append(f"template: {entry.key}: msgid and msgid_plural have different placeholders")
        if any(has_stray_brace(text) for text in texts):
            problems.append(f"template: {entry.key}: a brace outside a {{name}} placeholder")
    return problems


def check_catalogue(catalogue: Catalogue, template: Catalogue) -> list[str]:
    """Everything that makes a catalogue unfit to ship, as one readable line per problem."""
    lang = catalogue.lang
    problems = list(catalogue.problems)
    if catalogue.language_header is None:
        problems.append(f"{lang}: the header has no Language")
    elif catalogue.language_header.replace("-", "_").split("_")[0] != lang:
        problems.append(f"{lang}: the header says Language: {catalogue.language_header}")
    if not catalogue.has_plural_header:
        problems.append(f"{lang}: the header has no Plural-Forms")
    for key in template.entries.keys() - catalogue.entries.keys():
        problems.append(f"{lang}: {key}: missing")
    for key in catalogue.entries.keys() - template.entries.keys():
        problems.append(f"{lang}: {key}: not in the template (obsolete? mark it #~ or delete it)")
    for key, source in template.entries.items():
        entry = catalogue.entries.get(key)
        if entry is not None:
            problems.extend(_check_entry(catalogue, source, entry))
    return problems


def _check_entry(catalogue: Catalogue, source: Entry, entry: Entry) -> Iterable[str]:
    where = f"{catalogue.lang}: {entry.key}"
    if (entry.msgid, entry.msgid_plural) != (source.msgid, source.msgid_plural):
        yield f"{where}: the English source changed; update msgid and review the translation"
    if entry.fuzzy:
        yield f"{where}: fuzzy (needs review)"
    if source.is_plural != isinstance(entry.text, tuple):
        yield f"{where}: must {'' if source.is_plural else 'not '}have plural forms"
        return
    forms = entry.forms
    if source.is_plural and len(forms) != catalogue.nplurals:
        yield f"{where}: {len(forms)} plural forms, the header says nplurals={catalogue.nplurals}"
    expected = placeholders_of(source.msgid)
    for index, form in enumerate(forms):
        label = f"{where}: form {index}" if source.is_plural else where
        if not form.strip():
            yield f"{label}: empty translation"
            continue
        found = placeholders_of(form)
        if found != expected:
            yield f"{label}: placeholders {sorted(found)} but the source has {sorted(expected)}"
        if has_stray_brace(form):
            yield f"{label}: a brace outside a {{name}} placeholder"


def check_catalogues(
    locales_dir: Path = LOCALES_DIR, languages: Iterable[str] = SUPPORTED
) -> dict[str, list[str]]:
    """Check every catalogue against the template: {language: [problem, ...]} (empty lists when fine)."""
    template = load_template(locales_dir / f"{DOMAIN}.pot")
    result = {"template": check_template(template)}
    for lang in languages:
        result[lang] = check_catalogue(load(lang, locales_dir), template)
    return result
