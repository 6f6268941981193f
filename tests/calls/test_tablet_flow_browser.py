"""The counter tablet before and after the call, in a real browser at 1024x768 and 768x1024: "Choose your
language" in every language, the topic screen's actions above the fold, one wait estimate with the counselor
console, and a thank-you (or "cancelled") screen that goes back to the language choice by itself."""

from __future__ import annotations

from typing import Any

import pytest

from app.i18n import SUPPORTED, catalog_json, translator
from app.i18n.languages import resident_order
from tests.a11y_support import SCREENS, assert_no_problems, screen_problems
from tests.browser_support import chromium_browser  # noqa: F401 (fixture)
from tests.calls.calls_support import assert_no_page_errors, choose_language, go_available, wait_for
from tests.calls.console_support import (
    COUNSELOR,
    INTERPRETER,
    TABLET_LANDSCAPE,
    TABLET_PORTRAIT,
    ConsoleDesk,
    console_desk,  # noqa: F401 (fixture)
    console_server,
    signed_in,
)

pytestmark = pytest.mark.browser

SIZES = {"landscape": TABLET_LANDSCAPE, "portrait": TABLET_PORTRAIT}


def _open(browser: Any, base: str, token: str, logs: list[str], *, clock: bool = False) -> Any:
    """A paired tablet at 1024x768 showing the language choice (the token arrives as the QR code gives it)."""
    context = browser.new_context(viewport=TABLET_LANDSCAPE, has_touch=True)
    page = context.new_page()
    if clock:
        page.clock.install()  # the thank-you screen's timeout runs on this fake clock, moved on by the test
    page.on("console", lambda m: logs.append(f"tablet: {m.type}: {m.text}"))
    page.on("pageerror", lambda e: logs.append(f"tablet: pageerror: {e}"))
    page.goto(f"{base}/tablet#token={token}")
    page.wait_for_selector("#start:not([hidden])")
    page.wait_for_selector("#link[data-state=open]")
    page.wait_for_selector("#languages button[data-language=ne] .avail:not(:empty)")
    return page


def _both_sizes(page: Any, state: str) -> list[str]:
    """Screenshot and check (axe, glyphs, overflow, language of parts, focus, CSP) at both tablet sizes:
    test-artifacts/screens/tablet-<state>-<landscape|portrait>.png. Leaves the page in landscape."""
    problems: list[str] = []
    for name, size in SIZES.items():
        page.set_viewport_size(size)
        problems += screen_problems(page, f"tablet-{state}-{name}")
    page.set_viewport_size(TABLET_LANDSCAPE)
    return problems


def _outside_viewport(page: Any, selectors: list[str]) -> list[str]:
    """The buttons whose box is not wholly inside the viewport with the page scrolled to the top."""
    found: list[str] = page.evaluate(
        """(selectors) => {
          window.scrollTo(0, 0);
          return selectors.filter((s) => {
            const r = document.querySelector(s).getBoundingClientRect();
            return r.width === 0 || r.top < 0 || r.left < 0 || r.bottom > innerHeight || r.right > innerWidth;
          });
        }""",
        selectors,
    )
    return found


def test_tablet_choose_language_in_every_language_and_one_order(
    chromium_browser: Any,  # noqa: F811
    console_desk: ConsoleDesk,  # noqa: F811
) -> None:
    logs: list[str] = []
    with console_server(console_desk) as server:
        tablet = _open(chromium_browser, server.url, console_desk.central_token, logs)
        phrases = tablet.eval_on_selector_all(
            "#choose-title .choose-phrase",
            "els => els.map((e) => [e.dataset.language, e.lang, e.textContent])",
        )
        order = resident_order(SUPPORTED)
        assert phrases == [[c, translator(c).bcp47, catalog_json(c)["language.title"]] for c in order]
        assert len({text for _, _, text in phrases}) >= 14  # really each language's own words
        buttons = tablet.eval_on_selector_all("#languages button", "bs => bs.map((b) => b.dataset.language)")
        assert buttons == order and buttons[0] == "ja"  # Easy Japanese first, as on the phone page
        problems = _both_sizes(tablet, "choose-language")
        assert_no_problems(problems)
        assert_no_page_errors(logs)


def test_tablet_topics_above_the_fold_then_cancelled_and_reset(
    chromium_browser: Any,  # noqa: F811
    console_desk: ConsoleDesk,  # noqa: F811
) -> None:
    logs: list[str] = []
    with console_server(console_desk) as server:
        tablet = _open(chromium_browser, server.url, console_desk.central_token, logs, clock=True)
        choose_language(tablet, "th")  # nobody is on: the resident waits anyway, with the topics open
        tablet.wait_for_selector("#topics:not([hidden])")
        actions = ["#cancel", "#topic-skip", "#topic-done"]
        for name, size in SIZES.items():
            tablet.set_viewport_size(size)
            assert _outside_viewport(tablet, actions) == [], name
            # what the resident sees without scrolling
            tablet.screenshot(path=str(SCREENS / f"tablet-topics-th-fold-{name}.png"))
        problems = _both_sizes(tablet, "topics-th")  # no caption clipped (overflow), Japanese marked ja

        tablet.click("#cancel")
        tablet.wait_for_selector("#ended[data-outcome=cancelled]:not([hidden])")
        th, ja = catalog_json("th"), catalog_json("ja")
        ended = tablet.text_content("#ended-text") or ""
        assert ended.startswith(th["resident.cancelled"]) and th["ended.thanks"] not in ended
        assert ja["resident.cancelled"] in ended  # the staff's Japanese after it
        hours = tablet.text_content("#ended-hours") or ""
        assert hours.startswith(translator("th").opening_hours(_desk_hours(server)))

        # the page's clock also runs on in real time: 55 s on is still short of the minute
        tablet.clock.run_for(55_000)
        assert tablet.is_visible("#ended")
        tablet.clock.run_for(6_000)  # past the minute: the language choice again, the page in Japanese
        tablet.wait_for_selector("#start:not([hidden])")
        assert tablet.evaluate("() => document.documentElement.lang") == "ja"
        assert (
            tablet.text_content("#ended-text") or ""
        ) == ""  # nothing of the last resident's language left

        choose_language(tablet, "pt")  # the next resident, who touches the screen to start again
        tablet.wait_for_selector("#waiting:not([hidden])")
        tablet.click("#cancel")
        tablet.wait_for_selector("#ended[data-outcome=cancelled]:not([hidden])")
        assert (tablet.text_content("#ended-text") or "").startswith(catalog_json("pt")["resident.cancelled"])
        problems += _both_sizes(tablet, "cancelled-pt")
        tablet.tap("#ended-hours")
        tablet.wait_for_selector("#start:not([hidden])")
        assert tablet.evaluate("() => document.documentElement.lang") == "ja"
        assert_no_problems(problems)
        assert_no_page_errors(logs)


def _desk_hours(server: Any) -> Any:
    """The desk's opening hours as this server's routing policy has them (from the desk calendar)."""
    return server.server.config.app.state.desk.engine.policy.desk_hours


def test_tablet_shows_the_estimate_the_console_shows(
    chromium_browser: Any,  # noqa: F811
    console_desk: ConsoleDesk,  # noqa: F811
) -> None:
    logs: list[str] = []
    with console_server(console_desk) as server:
        first = _open(chromium_browser, server.url, console_desk.satellite_token, logs)
        choose_language(first, "pt")
        first.wait_for_selector("#waiting:not([hidden])")
        assert first.text_content("#wait-time") and first.get_attribute("#wait-time", "data-minutes") == ""
        second = _open(chromium_browser, server.url, console_desk.central_token, logs)  # ready at the counter
        counselor = signed_in(chromium_browser, server.url, "/counselor", COUNSELOR, logs)
        interpreter = signed_in(chromium_browser, server.url, "/interpreter", INTERPRETER, logs)
        go_available(counselor)
        go_available(interpreter)
        interpreter.wait_for_selector("#ring:not([hidden])", timeout=15_000)  # the first resident is rung for
        # the console's row for Portuguese: the wait a new arrival faces now
        row = counselor.locator("#languages-live tr[data-language=pt] td").nth(3)
        wait_for(lambda: "min" in (row.text_content() or ""), 15, "the console's estimate")
        console_minutes = int((row.text_content() or "").split("~")[1].split()[0])
        choose_language(second, "pt")  # the next Portuguese resident arrives at the other counter
        second.wait_for_selector("#wait-time[data-minutes]:not([data-minutes=''])")
        assert second.get_attribute("#wait-time", "data-minutes") == str(console_minutes)
        assert interpreter.is_visible("#ring")  # the same queue throughout: the first offer still rings
        pt = translator("pt")
        shown = second.text_content("#wait-time") or ""
        assert shown.startswith(pt.n("waiting.minutes", console_minutes, minutes=console_minutes))
        problems = _both_sizes(second, "waiting-estimate-pt")
        assert_no_problems(problems)
        assert_no_page_errors(logs)
