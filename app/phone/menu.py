"""The phone menu as pure state machines: which language the caller picks, and whether they want a callback.

No I/O and no clock: the gateway feeds events (with the time they happened) and carries out the actions it
gets back, so every path (a key pressed during the greeting, an unknown key, a silent caller) is a plain
function call in the tests.

Keys: one page holds up to nine languages on keys 1-9. With more languages, key 0 moves to the next page
(and from the last page back to the first); on the first page each later-page language says "press 0" in
its own language, so every caller hears their language named before they must press anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum

__all__ = [
    "CALLBACK_DIGIT",
    "NEXT_PAGE_DIGIT",
    "CallbackAnswer",
    "CallbackOffer",
    "Choice",
    "ChooseLanguage",
    "LanguageMenu",
    "MenuAction",
    "MenuLayout",
    "Option",
    "PlayMenu",
    "StopPrompt",
]

NEXT_PAGE_DIGIT = "0"
CALLBACK_DIGIT = "1"
PAGE_SIZE = 9
DTMF_DIGITS = frozenset("0123456789*#ABCD")


class Choice(StrEnum):
    """How the caller's language was decided."""

    KEY = "key"  # they pressed the key of a language
    SILENCE = "silence"  # no key for the whole timeout after the menu: the on-site counselor takes it
    NO_VALID_KEY = "no_valid_key"  # wrong keys again and again: the on-site counselor takes it


@dataclass(frozen=True, slots=True)
class Option:
    """One line of the spoken menu: "For <language>, press <digit>", said in that language."""

    language: str
    digit: str


@dataclass(frozen=True, slots=True)
class MenuLayout:
    """Languages in menu order, split into pages of keys 1-9."""

    languages: tuple[str, ...]

    def __post_init__(self) -> None:
        if not self.languages:
            raise ValueError("the phone menu needs at least one language")
        if len(set(self.languages)) != len(self.languages):
            raise ValueError(f"a language appears twice in the phone menu: {self.languages}")

    @classmethod
    def of(cls, languages: Sequence[str]) -> MenuLayout:
        return cls(tuple(languages))

    @property
    def page_count(self) -> int:
        return (len(self.languages) + PAGE_SIZE - 1) // PAGE_SIZE

    def page(self, index: int) -> tuple[str, ...]:
        return self.languages[index * PAGE_SIZE : (index + 1) * PAGE_SIZE]

    def options(self, index: int) -> tuple[Option, ...]:
        """What page ``index`` says: its own languages with their keys, then later pages' languages with 0."""
        own = tuple(Option(lang, str(n)) for n, lang in enumerate(self.page(index), start=1))
        later = tuple(Option(lang, NEXT_PAGE_DIGIT) for lang in self.languages[(index + 1) * PAGE_SIZE :])
        return own + later

    def language_for(self, index: int, digit: str) -> str | None:
        if not digit.isdigit() or digit == NEXT_PAGE_DIGIT:
            return None
        languages = self.page(index)
        position = int(digit) - 1
        return languages[position] if position < len(languages) else None


@dataclass(frozen=True, slots=True)
class PlayMenu:
    """Play (from the start) the menu of ``page``; greeting and "we did not understand" go before it."""

    page: int
    options: tuple[Option, ...]
    greeting: bool = False
    invalid: bool = False


@dataclass(frozen=True, slots=True)
class StopPrompt:
    """The caller pressed a key: stop talking over them."""


@dataclass(frozen=True, slots=True)
class ChooseLanguage:
    language: str
    choice: Choice


MenuAction = PlayMenu | StopPrompt | ChooseLanguage


@dataclass(frozen=True, slots=True)
class LanguageMenu:
    """Greeting, language keys, repeat on an unknown key, the on-site language after silence.

    ``silence_s`` counts from the end of the menu (a caller must hear their language first);
    ``max_invalid`` unknown keys in a row also end at the on-site language, so nobody is stuck in the menu.
    """

    layout: MenuLayout
    fallback_language: str
    silence_s: float = 15.0
    max_invalid: int = 3
    page: int = 0
    playing: bool = False
    waiting_since: float | None = None
    invalid_count: int = 0
    chosen: ChooseLanguage | None = field(default=None)

    def start(self) -> tuple[LanguageMenu, list[MenuAction]]:
        """The call was answered: greet and read the first page (the silence clock starts after it)."""
        state = replace(self, page=0, playing=True, waiting_since=None)
        return state, [PlayMenu(0, self.layout.options(0), greeting=True)]

    @property
    def deadline(self) -> float | None:
        """When :meth:`tick` must next be called (``None``: nothing is timed now)."""
        if self.chosen is not None or self.playing or self.waiting_since is None:
            return None
        return self.waiting_since + self.silence_s

    def prompt_finished(self, at: float) -> tuple[LanguageMenu, list[MenuAction]]:
        """The menu has been read out to the end: the caller's silence counts from now."""
        if self.chosen is not None or not self.playing:
            return self, []
        return replace(self, playing=False, waiting_since=at), []

    def tick(self, at: float) -> tuple[LanguageMenu, list[MenuAction]]:
        deadline = self.deadline
        if deadline is None or at < deadline:
            return self, []
        return self._choose(self.fallback_language, Choice.SILENCE, [])

    def digit(self, digit: str, at: float) -> tuple[LanguageMenu, list[MenuAction]]:
        """A key (RFC 4733 event or SIP INFO) arrived."""
        if self.chosen is not None:
            return self, []
        stop: list[MenuAction] = [StopPrompt()] if self.playing else []
        language = self.layout.language_for(self.page, digit)
        if language is not None:
            return self._choose(language, Choice.KEY, stop)
        if digit == NEXT_PAGE_DIGIT and self.layout.page_count > 1:
            page = (self.page + 1) % self.layout.page_count
            state = replace(self, page=page, playing=True, waiting_since=None, invalid_count=0)
            return state, [*stop, PlayMenu(page, self.layout.options(page))]
        invalid = self.invalid_count + 1
        if invalid >= self.max_invalid:
            return self._choose(self.fallback_language, Choice.NO_VALID_KEY, stop)
        state = replace(self, playing=True, waiting_since=None, invalid_count=invalid)
        return state, [*stop, PlayMenu(self.page, self.layout.options(self.page), invalid=True)]

    def _choose(
        self, language: str, choice: Choice, before: list[MenuAction]
    ) -> tuple[LanguageMenu, list[MenuAction]]:
        action = ChooseLanguage(language, choice)
        return replace(self, chosen=action, playing=False, waiting_since=None), [*before, action]


class CallbackAnswer(StrEnum):
    PENDING = "pending"
    REQUESTED = "requested"  # pressed the callback key
    DECLINED = "declined"  # silence, or unknown keys until the offer ran out


@dataclass(frozen=True, slots=True)
class CallbackOffer:
    """Outside desk hours: "press 1 to be called back"; silence or repeated wrong keys mean no."""

    silence_s: float = 15.0
    max_invalid: int = 2
    playing: bool = True
    waiting_since: float | None = None
    invalid_count: int = 0
    answer: CallbackAnswer = CallbackAnswer.PENDING

    @property
    def deadline(self) -> float | None:
        if self.answer is not CallbackAnswer.PENDING or self.playing or self.waiting_since is None:
            return None
        return self.waiting_since + self.silence_s

    def prompt_finished(self, at: float) -> CallbackOffer:
        if self.answer is not CallbackAnswer.PENDING or not self.playing:
            return self
        return replace(self, playing=False, waiting_since=at)

    def tick(self, at: float) -> CallbackOffer:
        deadline = self.deadline
        if deadline is None or at < deadline:
            return self
        return replace(self, answer=CallbackAnswer.DECLINED)

    def digit(self, digit: str) -> tuple[CallbackOffer, bool]:
        """The new state, and whether the offer must be read again (after a wrong key)."""
        if self.answer is not CallbackAnswer.PENDING:
            return self, False
        if digit == CALLBACK_DIGIT:
            return replace(self, answer=CallbackAnswer.REQUESTED, playing=False), False
        invalid = self.invalid_count + 1
        if invalid >= self.max_invalid:
            return replace(self, answer=CallbackAnswer.DECLINED, playing=False), False
        return replace(self, invalid_count=invalid, playing=True, waiting_since=None), True
