"""Every resident screen in ja, en, ne, th, hi and uk, on a phone (390x844, upright and on its side) and a
laptop (1280x800): saved as test-artifacts/screens/resident-*.png and checked with axe-core, for missing
glyphs (tofu) and overflow. Also: the request limit speaks the resident's language."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.i18n import translator
from tests.a11y_support import assert_no_problems, module_browser, screen_problems  # noqa: F401 (fixture)
from tests.calls.calls_support import (
    Desk,
    accept_ring,
    arrange_desk,
    available_staff,
    connected_peers,
    desk,  # noqa: F401 (fixture)
    desk_server,
    wait_for,
)
from tests.conftest import TEST_NOW
from tests.resident.test_resident_browser import PHONE
from tests.walk_support import LANDSCAPE, LAPTOP, agree_and_start, open_resident, resident_url
from tests.walk_support import PHONE as PHONE_VIEWPORT

pytestmark = [pytest.mark.browser, pytest.mark.slow]
LANGUAGES = ("ja", "en", "ne", "th", "hi", "uk")
VIEWPORTS = {"phone": PHONE_VIEWPORT, "landscape": LANDSCAPE, "laptop": LAPTOP}


def _check(page: Any, name: str, problems: list[str]) -> None:
    for size, viewport in VIEWPORTS.items():
        page.set_viewport_size(viewport)
        problems += screen_problems(page, f"resident-{name}-{size}")


def _page(browser: Any, url: str, logs: list[str]) -> Any:
    """The resident page on a phone; page errors only go to `logs` (these tests fail on any)."""
    return open_resident(browser, url, logs, console=False)


def test_resident_screens__open_desk_in_six_languages(
    module_browser: Any,  # noqa: F811
    desk: Desk,  # noqa: F811
) -> None:
    problems: list[str] = []
    logs: list[str] = []
    with desk_server(desk, desk_phone=PHONE, resident_intake_limit=100) as server:
        for lang in LANGUAGES:
            tr = translator(lang)
            page = _page(
                module_browser,
                resident_url(server.url, desk.database_url, f"?lang={lang}&step=language"),
                logs,
            )
            page.wait_for_selector("#language:not([hidden])")
            assert page.text_content("#language-title") == tr.t("language.title")
            _check(page, f"{lang}-1-language", problems)
            with page.expect_navigation():
                page.click(f"a[data-language={lang}]")
            # nobody is signed in: the truth before the consent notice (Ukrainian: by reservation only)
            page.wait_for_selector("#closed:not([hidden])")
            if lang == "uk":
                assert page.text_content("#closed-title") == tr.t("alt.reservation_only")
                assert page.get_attribute("#closed a[data-way=reservation]", "href").endswith(
                    "/reserve?lang=uk"
                )
                assert not page.is_visible("#closed-wait")
                _check(page, f"{lang}-4-reservation-only", problems)
                page.context.close()
                continue
            assert page.text_content("#closed-title") == tr.t("closed.not_now")
            _check(page, f"{lang}-1b-not-now", problems)
            page.click("#closed-wait")  # the resident waits anyway
            page.wait_for_selector("#consent:not([hidden])")
            assert page.evaluate("() => document.documentElement.lang") == tr.bcp47
            _check(page, f"{lang}-2-consent", problems)
            page.click("#decline")
            page.wait_for_selector("#declined:not([hidden])")
            assert page.text_content("#declined-title") == tr.t("resident.declined")
            _check(page, f"{lang}-3-declined", problems)
            page.click("#declined-back")
            page.click("#agree")
            page.wait_for_selector("#device[data-checked=true]", timeout=25_000)
            _check(page, f"{lang}-4-device", problems)
            page.click("#start")
            page.wait_for_selector("#waiting:not([hidden])")
            page.wait_for_function("() => document.getElementById('wait-position').textContent !== ''")
            assert page.text_content("#wait-position") == tr.n("waiting.position", 1)
            _check(page, f"{lang}-5-waiting", problems)
            page.click("#cancel")
            page.wait_for_selector("#ended:not([hidden])")
            assert page.is_visible("#ended-cancelled")
            assert page.text_content("#ended-cancelled") == tr.t("resident.cancelled")
            _check(page, f"{lang}-6-ended", problems)
            page.context.close()
    assert not logs, logs
    assert_no_problems(problems)


def test_resident_screens__closed_desk_and_expired_link_in_six_languages(
    module_browser: Any,  # noqa: F811
    desk: Desk,  # noqa: F811
) -> None:
    problems: list[str] = []
    logs: list[str] = []
    after_hours = TEST_NOW.replace(hour=21, minute=30)  # the desk closed at 20:00
    with desk_server(desk, clock_start=after_hours, desk_phone=PHONE) as server:
        for lang in LANGUAGES:
            tr = translator(lang)
            page = _page(module_browser, resident_url(server.url, desk.database_url, f"?lang={lang}"), logs)
            page.wait_for_selector("#closed:not([hidden])")  # before the consent notice
            assert page.is_hidden("#consent")
            assert page.text_content("#closed-title") == tr.t("closed.title")
            _check(page, f"{lang}-7-closed", problems)
            page.goto(resident_url(server.url, desk.database_url, language=lang, days_ago=4))
            assert page.text_content("h1") == tr.t("error.link_expired")
            _check(page, f"{lang}-8-expired", problems)
            page.context.close()
    assert not logs, logs
    assert_no_problems(problems)


def test_resident_rate_limit__told_in_the_residents_language(
    module_browser: Any,  # noqa: F811
    desk: Desk,  # noqa: F811
) -> None:
    logs: list[str] = []
    with desk_server(desk, resident_intake_limit=1) as server:
        first = _page(module_browser, resident_url(server.url, desk.database_url, "?lang=en"), logs)
        first.click("#closed-wait")  # nobody is signed in: "not now" first, and they wait anyway
        agree_and_start(first)
        first.wait_for_selector("#waiting:not([hidden])")
        second = _page(module_browser, resident_url(server.url, desk.database_url, "?lang=hi"), logs)
        second.click("#closed-wait")
        agree_and_start(second)
        error = second.locator("#device [data-error]")
        error.wait_for(state="visible")
        assert error.text_content() == translator("hi").t("error.rate_limited")
        assert second.is_visible("#device")
        problems = screen_problems(second, "resident-hi-rate-limited-phone")
        assert not problems, problems


CALL_LANGUAGES = ("ja", "en", "ne", "th", "hi")  # Ukrainian is by reservation: its call starts from a booking


def test_resident_screens__the_call_in_five_languages(
    module_browser: Any,  # noqa: F811
    sqlite_template: Path,
    tmp_path: Path,
) -> None:
    """Real calls: the counselor alone for Easy Japanese and English, with an interpreter for the others."""
    call_desk = arrange_desk(sqlite_template, tmp_path, languages=("ne", "th", "hi"))
    problems: list[str] = []
    logs: list[str] = []
    # one counselor takes call after call: no wrap-up between them (that is test_counselor_console_browser)
    with desk_server(call_desk, desk_phone=PHONE, resident_intake_limit=100, wrap_up_seconds=0) as server:
        base = server.url
        counselor, interpreter = available_staff(module_browser, base, logs)
        for lang in CALL_LANGUAGES:
            tr = translator(lang)
            page = _page(module_browser, resident_url(base, call_desk.database_url, f"?lang={lang}"), logs)
            agree_and_start(page)
            remote = lang not in ("ja", "en")
            if remote:
                accept_ring(interpreter)
            page.wait_for_selector("#call:not([hidden])", timeout=15_000)
            wait_for(
                lambda page=page, n=2 if remote else 1: connected_peers(page, n), 20, f"{lang} call media"
            )
            assert page.text_content("#call-status") == tr.t("call.connected")
            _check(page, f"{lang}-9-call", problems)
            counselor.click("#end-call")
            page.wait_for_selector("#ended:not([hidden])", timeout=10_000)
            assert not page.is_visible("#ended-cancelled")
            page.context.close()
            if remote:
                interpreter.wait_for_selector("#call[hidden]", state="attached", timeout=10_000)
            counselor.wait_for_selector("#call[hidden]", state="attached", timeout=10_000)
    assert_no_problems(problems)
