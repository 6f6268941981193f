"""The phone menu's pure state machines: keys, pages, unknown keys, silence, the callback offer."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.i18n import SUPPORTED
from app.phone.menu import (
    CallbackAnswer,
    CallbackOffer,
    Choice,
    ChooseLanguage,
    LanguageMenu,
    MenuLayout,
    Option,
    PlayMenu,
    StopPrompt,
)

DESK = MenuLayout.of(SUPPORTED)  # ja en zh vi ko pt es ne fil | id hi th fr ru uk


def _menu(**kwargs: object) -> LanguageMenu:
    menu, _ = LanguageMenu(DESK, fallback_language="ja", **kwargs).start()  # type: ignore[arg-type]
    return menu


def test_layout__first_page_names_every_language_in_its_own_line() -> None:
    options = DESK.options(0)
    assert [o.language for o in options] == list(SUPPORTED)
    assert [o.digit for o in options[:9]] == [str(n) for n in range(1, 10)]
    assert {o.digit for o in options[9:]} == {"0"}


def test_layout__second_page_numbers_its_languages_from_one() -> None:
    assert DESK.options(1) == tuple(
        Option(lang, str(n)) for n, lang in enumerate(("id", "hi", "th", "fr", "ru", "uk"), 1)
    )
    assert DESK.language_for(1, "3") == "th"
    assert DESK.language_for(1, "7") is None


@pytest.mark.parametrize("languages", [(), ("en", "en")])
def test_layout__rejects_an_empty_or_repeated_list(languages: tuple[str, ...]) -> None:
    with pytest.raises(ValueError, match="phone menu"):
        MenuLayout(languages)


def test_start__greets_and_reads_the_first_page() -> None:
    _, actions = LanguageMenu(DESK, fallback_language="ja").start()
    assert actions == [PlayMenu(0, DESK.options(0), greeting=True)]


@pytest.mark.parametrize(("digit", "language"), [("1", "ja"), ("4", "vi"), ("9", "fil")])
def test_digit__picks_the_language_on_that_key(digit: str, language: str) -> None:
    menu = _menu().prompt_finished(10.0)[0]
    menu, actions = menu.digit(digit, 11.0)
    assert actions == [ChooseLanguage(language, Choice.KEY)]
    assert menu.chosen == ChooseLanguage(language, Choice.KEY)
    assert menu.deadline is None


def test_digit__during_the_greeting_stops_it_and_chooses() -> None:
    _, actions = _menu().digit("4", 1.0)
    assert actions == [StopPrompt(), ChooseLanguage("vi", Choice.KEY)]


def test_zero__reads_the_next_page_and_its_keys_apply() -> None:
    menu, actions = _menu().prompt_finished(30.0)[0].digit("0", 31.0)
    assert actions == [PlayMenu(1, DESK.options(1))]
    menu, actions = menu.digit("1", 32.0)
    assert actions == [StopPrompt(), ChooseLanguage("id", Choice.KEY)]


def test_zero__on_the_last_page_goes_back_to_the_first() -> None:
    menu = _menu().digit("0", 1.0)[0].digit("0", 2.0)[0]
    assert menu.page == 0
    assert menu.digit("2", 3.0)[1][-1] == ChooseLanguage("en", Choice.KEY)


def test_zero__with_a_single_page_is_an_unknown_key() -> None:
    menu, _ = LanguageMenu(MenuLayout.of(["ja", "en"]), fallback_language="ja").start()
    _, actions = menu.digit("0", 1.0)
    assert actions == [StopPrompt(), PlayMenu(0, (Option("ja", "1"), Option("en", "2")), invalid=True)]


@pytest.mark.parametrize("digit", ["#", "*", "A"])
def test_unknown_digit__repeats_the_menu_and_restarts_the_silence_clock(digit: str) -> None:
    menu = _menu().prompt_finished(20.0)[0]
    menu, actions = menu.digit(digit, 25.0)
    assert actions == [PlayMenu(0, DESK.options(0), invalid=True)]
    assert menu.chosen is None
    assert menu.deadline is None  # the menu is being read again
    menu = menu.prompt_finished(50.0)[0]
    assert menu.deadline == 65.0


def test_unknown_digit__three_times_goes_to_the_on_site_counselor_language() -> None:
    menu = _menu().prompt_finished(1.0)[0]
    for at in (2.0, 3.0):
        menu, actions = menu.digit("#", at)
        assert isinstance(actions[-1], PlayMenu)
        menu = menu.prompt_finished(at + 0.5)[0]
    menu, actions = menu.digit("#", 4.0)
    assert actions == [ChooseLanguage("ja", Choice.NO_VALID_KEY)]


def test_silence__counts_from_the_end_of_the_menu() -> None:
    menu = _menu(silence_s=15.0)
    assert menu.deadline is None
    assert menu.tick(1000.0) == (menu, [])  # still reading the menu: never times out
    menu = menu.prompt_finished(40.0)[0]
    assert menu.deadline == 55.0
    assert menu.tick(54.9)[1] == []
    menu, actions = menu.tick(55.0)
    assert actions == [ChooseLanguage("ja", Choice.SILENCE)]
    assert menu.digit("2", 56.0)[1] == []  # decided: later keys change nothing


def test_prompt_finished__after_the_choice_changes_nothing() -> None:
    menu = _menu().digit("2", 1.0)[0]
    assert menu.prompt_finished(2.0) == (menu, [])


@given(st.lists(st.sampled_from(sorted("0123456789*#")), max_size=30))
def test_property__any_key_sequence_ends_in_at_most_one_choice(keys: list[str]) -> None:
    menu = _menu().prompt_finished(-1.0)[0]
    choices: list[ChooseLanguage] = []
    for at, key in enumerate(keys):
        menu, actions = menu.digit(key, float(at))
        choices += [a for a in actions if isinstance(a, ChooseLanguage)]
        menu = menu.prompt_finished(at + 0.5)[0]
    assert len(choices) <= 1
    if choices:
        assert choices[0].language in SUPPORTED
        assert menu.chosen == choices[0]
    else:
        assert menu.deadline is not None  # an undecided caller is always on the silence clock


def test_callback_offer__one_requests_it() -> None:
    offer = CallbackOffer().prompt_finished(5.0)
    offer, again = offer.digit("1")
    assert (offer.answer, again) == (CallbackAnswer.REQUESTED, False)


def test_callback_offer__a_wrong_key_reads_it_again_then_declines() -> None:
    offer, again = CallbackOffer(max_invalid=2).digit("5")
    assert again and offer.answer is CallbackAnswer.PENDING
    offer, again = offer.prompt_finished(3.0).digit("5")
    assert not again and offer.answer is CallbackAnswer.DECLINED


def test_callback_offer__silence_declines() -> None:
    offer = CallbackOffer(silence_s=15.0).prompt_finished(10.0)
    assert offer.tick(24.0).answer is CallbackAnswer.PENDING
    assert offer.tick(25.0).answer is CallbackAnswer.DECLINED
