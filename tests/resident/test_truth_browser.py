"""The counter tablet and the resident's own page, in Nepali and Thai, telling the truth: at 07:11 (desk
09:00-17:00, interpreters 10:00-18:00) each says when *that* language opens, before any case or consent; at
an open desk with no interpreter on, a resident who waits anyway sees routing's choices and takes one.
Screens go to test-artifacts/screens/truth-*.png, each checked with axe-core, for tofu and overflow."""

from __future__ import annotations

from datetime import time
from typing import Any

import pytest

from app.i18n import translator
from tests.a11y_support import assert_no_problems, check_viewports, module_browser, screen_problems  # noqa: F401
from tests.calls.calls_support import (
    Desk,
    admin_get,
    desk,  # noqa: F401 (fixture)
    desk_server,
    open_page,
    register_tablet,
    wait_for,
)
from tests.conftest import TEST_NOW
from tests.walk_support import LAPTOP, agree_and_start, open_resident, resident_url
from tests.walk_support import PHONE as PHONE_VIEWPORT

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PHONE = "086-426-3111"
EARLY = TEST_NOW.replace(hour=7, minute=11)
TEN = TEST_NOW.replace(hour=10, minute=0)
LANGUAGES = ("ne", "th")


def _resident_check(page: Any, name: str, problems: list[str]) -> None:
    for size, viewport in {"phone": PHONE_VIEWPORT, "laptop": LAPTOP}.items():
        page.set_viewport_size(viewport)
        problems += screen_problems(page, f"truth-resident-{name}-{size}")


def test_truth__closed_desk_at_the_tablet_and_the_residents_page_in_nepali_and_thai(
    module_browser: Any,  # noqa: F811
    desk: Desk,  # noqa: F811
) -> None:
    problems: list[str] = []
    logs: list[str] = []
    hours = {"desk_hours": "09:00-17:00", "vendor_hours": "10:00-18:00", "desk_phone": PHONE}
    with desk_server(desk, clock_start=EARLY, **hours) as server:
        tablet = open_page(module_browser, server.url, "/tablet", logs=logs)
        register_tablet(tablet, desk.device_token, "ne")
        for lang in LANGUAGES:  # each button says, in its own language, from when it is served today
            tr = translator(lang)
            label = tr.t("tablet.status_later", time=tr.format_time(TEN))
            tablet.wait_for_selector(f"button[data-language={lang}][data-status=later_today]")
            assert tablet.text_content(f"button[data-language={lang}] .avail") == label
        problems += check_viewports(tablet, "truth-tablet-languages-closed")
        for lang in LANGUAGES:
            tr, ja = translator(lang), translator("ja")
            tablet.click(f"button[data-language={lang}]")
            tablet.wait_for_selector("#unavailable:not([hidden])")
            assert tablet.evaluate("() => window.madoguchiCall.state.consultationId") is None  # no case
            assert (tablet.text_content("#na-title") or "").startswith(tr.t("closed.title"))
            next_text = tablet.text_content("#na-next") or ""
            assert next_text.startswith(tr.t("closed.later_today", time=tr.format_time(TEN)))
            assert ja.t("closed.later_today", time=ja.format_time(TEN)) in next_text  # for the staff
            assert tr.t("alt.call", phone=PHONE) in (tablet.text_content("#na-phone") or "")
            assert not tablet.is_visible("#na-wait")  # nobody comes before 10:00: no waiting offered
            problems += check_viewports(tablet, f"truth-tablet-closed-{lang}")
            tablet.click("#na-back")
            tablet.wait_for_selector("#start:not([hidden])")

            page = open_resident(
                module_browser, resident_url(server.url, desk.database_url, f"?lang={lang}", now=EARLY), logs
            )
            page.wait_for_selector("#closed:not([hidden])")  # before the consent notice
            assert page.is_hidden("#consent")
            assert page.text_content("#closed-title") == tr.t("closed.title")
            assert page.text_content("#closed-next") == tr.t("closed.later_today", time=tr.format_time(TEN))
            assert page.text_content("#closed-hours") == tr.t(  # the configured days: every day
                "closed.hours", days=tr.format_days(range(7)), hours=tr.format_hours(time(9), time(17))
            )
            assert page.get_attribute("#closed a[data-way=reservation]", "href").endswith(f"?lang={lang}")
            _resident_check(page, f"closed-{lang}", problems)
            page.context.close()
        tablet.context.close()
    assert not [line for line in logs if "pageerror" in line], logs
    assert_no_problems(problems)


def test_truth__fallback_at_the_tablet_and_chosen_on_the_residents_page_in_nepali_and_thai(
    module_browser: Any,  # noqa: F811
    desk: Desk,  # noqa: F811
) -> None:
    """An open desk where nobody is signed in: not now, waiting anyway is possible, and once waiting the
    fallbacks routing offered show (in the resident's language); the resident takes a reservation."""
    problems: list[str] = []
    logs: list[str] = []
    with desk_server(desk, desk_phone=PHONE, resident_intake_limit=100) as server:
        tablet = open_page(module_browser, server.url, "/tablet", logs=logs)
        register_tablet(tablet, desk.device_token, "ne")
        for lang in LANGUAGES:
            tr = translator(lang)
            tablet.click(f"button[data-language={lang}]")
            tablet.wait_for_selector("#unavailable:not([hidden])")
            assert (tablet.text_content("#na-title") or "").startswith(tr.t("closed.not_now"))
            problems += check_viewports(tablet, f"truth-tablet-not-now-{lang}")
            tablet.click("#na-wait")
            tablet.wait_for_selector("#waiting[data-fallback=queued]")
            assert (tablet.text_content("#wait-title") or "").startswith(tr.t("resident.fallback_offered"))
            assert tr.t("alt.call", phone=PHONE) in (tablet.text_content("#fallback-phone") or "")
            if tablet.is_visible("#topic-skip"):
                tablet.click("#topic-skip")
            problems += check_viewports(tablet, f"truth-tablet-fallback-{lang}")
            tablet.click("#cancel")
            tablet.wait_for_selector("#ended:not([hidden])")
            tablet.click("#again")

            page = open_resident(
                module_browser, resident_url(server.url, desk.database_url, f"?lang={lang}"), logs
            )
            page.wait_for_selector("#closed:not([hidden])")
            assert page.text_content("#closed-title") == tr.t("closed.not_now")
            _resident_check(page, f"not-now-{lang}", problems)
            page.click("#closed-wait")
            page.wait_for_selector("#consent:not([hidden])")
            agree_and_start(page, timeout=25_000)
            page.wait_for_selector("#waiting[data-fallback=queued]")
            assert page.text_content("#wait-title") == tr.t("resident.fallback_offered")  # no promise
            assert page.is_visible("#fallback-reserve") and page.is_hidden("#fallback-chat")  # no model
            _resident_check(page, f"fallback-{lang}", problems)
            case_id = page.evaluate("() => window.madoguchiCall.state.consultationId")
            with page.expect_navigation():
                page.click("#fallback-reserve")
            assert "/reserve?lang=" + lang in page.url
            case_url = f"/api/v1/consultations/{case_id}"
            wait_for(
                lambda url=case_url: admin_get(server.url, url)["status"] == "fallback",
                10,
                "the case ended as a fallback",
            )
            page.context.close()
        tablet.context.close()
    assert not [line for line in logs if "pageerror" in line], logs
    assert_no_problems(problems)
