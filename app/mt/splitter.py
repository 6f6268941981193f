"""Regex sentence splitting for the desk's languages, so that each sentence is translated on its own.

Rules, in order of strength:
- Line breaks always end a sentence.
- 。｡！？ (Japanese/Chinese) and the Devanagari danda । ॥ end a sentence, with or without a
  following space.
- ．(full-width full stop) ends a sentence unless it sits between digits (３．５).
- . ! ? … end a sentence when followed by whitespace, the end of the text, or a CJK character; a single "."
  does not when it follows a known abbreviation ("Mr.", "e.g.") or a single capital initial ("J. Smith");
  decimals ("3.5") never match because no space follows the dot.
- Closing quotes and brackets after a terminator stay with the sentence; 「…。」と (a quote followed by
  hiragana) does not end the sentence.
- Thai (and Lao, Khmer) write no sentence punctuation: a whitespace run between two such characters is a
  boundary.
- A sentence longer than max_chars is cut at its last whitespace before the limit, or hard at the limit.

Nothing is lost: ``segment(text).join() == text`` for every text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

DEFAULT_MAX_CHARS = 400

_STRONG = "。｡！？।॥"
_CLOSERS = "\"'”’」』）)]】〕〉》»"
_TERMINATOR_RE = re.compile(r"([。｡！？।॥．.!?…]+)([" + re.escape(_CLOSERS) + r"]*)")
_LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
_SPACE_RUN_RE = re.compile(r"\s+")
_MAX_WORD = 16  # longest abbreviation looked for, with room for opening brackets

# Words that end with "." without ending the sentence ("Mr. Sato", "e.g. a passport").
ABBREVIATIONS = frozenset(
    {
        "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "vs", "etc", "e.g", "i.e", "cf", "approx",
        "dept", "inc", "ltd", "co", "corp", "u.s", "u.k", "a.m", "p.m", "ave",
        "sra", "srta", "dra", "ud", "uds", "av", "mme", "mlle",  # es, pt, fr
        "т.е", "т.д", "т.п", "г", "гг", "ул",  # ru, uk
    }
)  # fmt: skip
# Words that are abbreviations only before a number ("No. 5", "Jan. 3"); "I said no. Then" still splits.
NUMBER_ABBREVIATIONS = frozenset(
    {
        "no", "nos", "nr", "fig", "vol", "p", "pp", "tel", "ext", "тел",
        "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    }
)  # fmt: skip

# Languages that put no space between sentences.
_NO_SPACE_LANGS = frozenset({"ja", "zh", "zt", "yue", "lo", "km", "my"})


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence: its text without surrounding whitespace, and the whitespace that followed it."""

    text: str
    gap: str


@dataclass(frozen=True, slots=True)
class Segmentation:
    """A text as leading whitespace plus sentences; join() gives the text back exactly."""

    lead: str
    sentences: tuple[Sentence, ...]

    def join(self) -> str:
        return self.lead + "".join(s.text + s.gap for s in self.sentences)


def split_sentences(text: str, max_chars: int = DEFAULT_MAX_CHARS) -> list[str]:
    """The sentences of a text, stripped, with their terminators (and closing quotes) kept."""
    return [s.text for s in segment(text, max_chars).sentences]


def segment(text: str, max_chars: int = DEFAULT_MAX_CHARS) -> Segmentation:
    """Split a text into sentences, keeping every separator so that the text can be rebuilt."""
    if max_chars < 1:
        raise ValueError("max_chars must be at least 1")
    body_start = len(text) - len(text.lstrip())
    lead = text[:body_start]
    ends = sorted(set(_terminator_ends(text)) | set(_whitespace_ends(text)))
    sentences: list[Sentence] = []
    start = body_start
    for end in ends:
        if end <= start:
            continue
        gap_end = end
        while gap_end < len(text) and text[gap_end].isspace():
            gap_end += 1
        sentences.extend(_limit(text[start:end], text[end:gap_end], max_chars))
        start = gap_end
    rest = text[start:]
    body = rest.rstrip()
    if body:
        sentences.extend(_limit(body, rest[len(body) :], max_chars))
    return Segmentation(lead, tuple(sentences))


def rejoin(parts: Sequence[str], gaps: Sequence[str], lang: str) -> str:
    """Join translated sentences: source line breaks are kept; spaces only where the language uses them."""
    space = "" if lang.split("-")[0] in _NO_SPACE_LANGS else " "
    pieces: list[str] = []
    for index, part in enumerate(parts):
        pieces.append(part.strip())
        if index == len(parts) - 1:
            break
        gap = gaps[index]
        breaks = "".join(ch for ch in gap if ch in _LINE_BREAKS)
        pieces.append(breaks if breaks else (space if gap else ""))
    return "".join(pieces).strip()


def _terminator_ends(text: str) -> list[int]:
    ends = []
    for match in _TERMINATOR_RE.finditer(text):
        if _is_boundary(text, match):
            ends.append(match.end())
    return ends


def _is_boundary(text: str, match: re.Match[str]) -> bool:
    # Index-based look-around only: slicing the text here would make long texts quadratic.
    marks, closers = match.group(1), match.group(2)
    start, end = match.span()
    after = text[end] if end < len(text) else ""
    if closers and _is_hiragana(after):
        return False  # 「そうです。」と言った: the quote continues the sentence
    if any(mark in _STRONG for mark in marks):
        return True
    if set(marks) == {"．"}:
        return not (start > 0 and text[start - 1].isdigit() and after.isdigit())
    if not (after == "" or after.isspace() or _is_cjk(after)):
        return False
    return not (marks == "." and not closers and _is_abbreviation(text, start, end))


def _is_abbreviation(text: str, dot: int, after_dot: int) -> bool:
    """Whether the word ending at text[dot] (a ".") is an abbreviation or an initial."""
    start = dot
    while start > 0 and not text[start - 1].isspace() and dot - start < _MAX_WORD:
        start -= 1
    raw = text[start:dot]
    word = raw.lstrip("([{\"'“‘«¿¡").lower()
    if not word:
        return False
    if len(word) == 1 and word.isalpha() and raw[-1].isupper():
        return True  # an initial, as in "J. Smith"
    if word in NUMBER_ABBREVIATIONS:
        following = after_dot
        while following < len(text) and text[following].isspace():
            following += 1
        return following < len(text) and text[following].isdigit()
    return word in ABBREVIATIONS


def _whitespace_ends(text: str) -> list[int]:
    ends = []
    for match in _SPACE_RUN_RE.finditer(text):
        start, end = match.span()
        if any(ch in _LINE_BREAKS for ch in match.group()) or (
            start > 0
            and end < len(text)
            and _is_unpunctuated(text[start - 1])
            and _is_unpunctuated(text[end])
        ):
            ends.append(start)
    return ends


def _limit(text: str, gap: str, max_chars: int) -> list[Sentence]:
    pieces: list[Sentence] = []
    start = 0
    while len(text) - start > max_chars:
        limit = start + max_chars
        cut = next((i for i in range(limit, start, -1) if text[i].isspace()), None)
        if cut is None:
            pieces.append(Sentence(text[start:limit], ""))
            start = limit
            continue
        head_end = cut
        while text[head_end - 1].isspace():
            head_end -= 1
        tail_start = cut
        while text[tail_start].isspace():
            tail_start += 1
        pieces.append(Sentence(text[start:head_end], text[head_end:tail_start]))
        start = tail_start
    pieces.append(Sentence(text[start:], gap))
    return pieces


def _is_hiragana(ch: str) -> bool:
    return "\u3041" <= ch <= "\u309f"


def _is_cjk(ch: str) -> bool:
    return (
        "\u3040" <= ch <= "\u30ff"  # kana
        or "\u3400" <= ch <= "\u4dbf"
        or "\u4e00" <= ch <= "\u9fff"
        or "\uf900" <= ch <= "\ufaff"
        or "\uff66" <= ch <= "\uff9f"  # half-width katakana
    )


def _is_unpunctuated(ch: str) -> bool:
    """Scripts that mark no sentence ends: Thai, Lao, Khmer."""
    return "\u0e00" <= ch <= "\u0eff" or "\u1780" <= ch <= "\u17ff"
