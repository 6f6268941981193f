"""The resident video page in a real browser, at home with a link: language, consent, device check against
the server's echo, a double-tapped request (one case), waiting, an interpreter accepts, a three-way call with
media both ways (getStats), the counselor ends it; the closed desk; the expired link."""

from __future__ import annotations

from typing import Any

import pytest

from app.i18n import translator
from tests.a11y_support import assert_no_problems, screen_problems
from tests.a11y_support import screenshot as screen_shot
from tests.browser_support import media_browser  # noqa: F401 (fixture)
from tests.calls.calls_support import (
    ADMIN,
    INTERPRETERS,
    Desk,
    accept_ring,
    admin_get,
    assert_media_flowing,
    assert_no_page_errors,
    available_staff,
    desk,  # noqa: F401 (fixture)
    desk_server,
    failure_evidence,
    open_page,
)
from tests.conftest import TEST_NOW
from tests.walk_support import LAPTOP, open_resident, resident_url
from tests.walk_support import PHONE as PHONE_VIEWPORT

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PHONE = "086-426-3111"


def cases(base: str) -> list[dict[str, Any]]:
    """Every case as an admin reads it: a double tap must have made exactly one."""
    items: list[dict[str, Any]] = admin_get(base, "/api/v1/consultations")["items"]
    return items


def through_device_check(page: Any, lang: str) -> None:
    """Language buttons, consent, then the echo check of camera, microphone and connection."""
    page.wait_for_selector("#language:not([hidden])")
    with page.expect_navigation():
        page.click(f"a[data-language={lang}]")
    page.wait_for_selector("#consent:not([hidden])")
    page.click("#agree")
    page.wait_for_selector("#device[data-checked=true]", timeout=25_000)
    assert page.get_attribute("#camera-result", "data-ok") == "true"
    assert page.get_attribute("#mic-result", "data-ok") == "true"
    tr = translator(lang)
    assert page.text_content("#camera-result") == tr.t("device.camera_ok")
    assert page.text_content("#mic-result") == tr.t("device.microphone_ok")
    assert page.text_content("#net-result") in (
        tr.t("device.connection_good"),
        tr.t("device.connection_weak"),
    )


def test_resident_walk__nepali_link_to_a_three_way_call_and_back(
    media_browser: Any,  # noqa: F811
    desk: Desk,  # noqa: F811
) -> None:
    logs: list[str] = []
    with desk_server(desk, desk_phone=PHONE) as server:
        base = server.url
        counselor, interpreter = available_staff(media_browser, base, logs)
        # a link without a language, an English browser: the page starts in English, the resident picks Nepali
        resident = open_resident(media_browser, resident_url(base, desk.database_url), logs)
        with failure_evidence(logs, {"resident": resident}, "resident-failed"):
            assert resident.evaluate("() => document.documentElement.lang") == "en"
            through_device_check(resident, "ne")
            assert resident.evaluate("() => document.documentElement.lang") == "ne"
            resident.dblclick("#start")  # a double tap
            resident.wait_for_selector("#waiting:not([hidden]), #call:not([hidden])")
            accept_ring(interpreter, "video", "ne")
            resident.wait_for_selector("#call:not([hidden])", timeout=15_000)
            pages = {"resident": resident, "interpreter": interpreter, "counselor": counselor}
            figures = assert_media_flowing(pages, 2)
        roles = {name: sorted(v["role"] for v in f.values()) for name, f in figures.items()}
        assert roles["resident"] == ["counselor", "interpreter"]
        assert roles["interpreter"] == ["counselor", "resident"]
        assert roles["counselor"] == ["interpreter", "resident"]
        tr = translator("ne")
        assert resident.text_content("#call-status") == tr.t("call.connected")
        # every picture: the role in Nepali and the staff member's name; the interpreter is the main picture
        captions = dict(
            resident.eval_on_selector_all(
                "#remotes figure.tile",
                "els => els.map(e => [e.dataset.role, [...e.querySelectorAll('figcaption > span')]"
                ".map(s => s.textContent)])",
            )
        )
        assert captions == {
            "counselor": [tr.t("resident.role_counselor"), "相談員 Calls"],
            "interpreter": [tr.t("resident.role_interpreter"), INTERPRETERS[0]],
        }
        assert resident.get_attribute("#remotes figure[data-role=interpreter]", "data-main") == "true"
        resident.set_viewport_size(PHONE_VIEWPORT)
        assert_no_problems(screen_problems(resident, "call-layout-ne-resident-phone"))

        counselor.click("#end-call")
        resident.wait_for_selector("#ended:not([hidden])", timeout=10_000)
        assert resident.text_content("#ended-title") == tr.t("ended.thanks")
        assert tr.t("ended.phone", phone=PHONE) in (resident.text_content("#ended") or "")

        found = cases(base)
        assert len(found) == 1, found  # the double tap made one case
        case = found[0]
        assert (case["channel"], case["language"], case["resident_municipality"]) == ("video", "ne", "33208")
        assert resident.evaluate("() => window.madoguchiCall.state.requests") == 1


def test_resident_double_submit__same_key_twice_is_one_case(
    media_browser: Any,  # noqa: F811
    desk: Desk,  # noqa: F811
) -> None:
    """Even past the page's one-request-in-flight guard (a retry after a lost answer), one key is one case."""
    logs: list[str] = []
    with desk_server(desk) as server:
        page = open_resident(
            media_browser,
            resident_url(server.url, desk.database_url, "?lang=en", language="en"),
            logs,
            viewport=LAPTOP,
        )
        page.click("#closed-wait")  # nobody is signed in: "not now" first, and the resident waits anyway
        page.click("#agree")
        page.wait_for_selector("#start:not([disabled])", timeout=15_000)
        page.dblclick("#start")
        page.wait_for_selector("#waiting:not([hidden])", timeout=10_000)
        first = page.evaluate("() => window.madoguchiCall.state.consultationId")
        # the page sends its request again with the same key, as a retry after a lost answer would
        again = page.evaluate(
            """async () => {
              const s = window.madoguchiCall.state;
              const r = await fetch('/api/v1/resident/consultations', {method: 'POST',
                headers: {'Content-Type': 'application/json', 'Idempotency-Key': s.intakeKey},
                body: JSON.stringify({language: 'en', link: location.pathname.split('/')[2]})});
              return [r.status, (await r.json()).id];
            }"""
        )
        assert again == [200, first]
        found = cases(server.url)
        assert [c["id"] for c in found] == [first]
        assert found[0]["status"] == "queued"


def test_resident_closed_desk__hours_and_other_ways_in_thai(
    media_browser: Any,  # noqa: F811
    desk: Desk,  # noqa: F811
) -> None:
    logs: list[str] = []
    after_hours = TEST_NOW.replace(hour=21, minute=30)  # the desk closed at 20:00
    with desk_server(desk, clock_start=after_hours, desk_phone=PHONE) as server:
        page = open_resident(media_browser, resident_url(server.url, desk.database_url, language="th"), logs)
        page.click("a[data-language=th]")
        page.wait_for_selector("#closed:not([hidden])")  # before the consent notice
        assert page.is_hidden("#consent")
        tr = translator("th")
        assert page.text_content("#closed-title") == tr.t("closed.title")
        every_day = tr.format_days(range(7))  # the test desk opens every day: named in Thai, not "weekdays"
        assert (page.text_content("#closed-hours") or "").startswith(
            tr.t("closed.hours", days=every_day, hours="X").split("X")[0]
        )
        assert page.is_visible("#closed-next")
        phone = page.locator("#closed a[data-way=phone]")
        assert phone.text_content() == tr.t("alt.call", phone=PHONE)
        assert phone.get_attribute("href") == "tel:0864263111"
        assert cases(server.url) == []  # nothing was asked for


def test_resident_expired_link__says_so_in_ukrainian(
    media_browser: Any,  # noqa: F811
    desk: Desk,  # noqa: F811
) -> None:
    logs: list[str] = []
    with desk_server(desk, desk_phone=PHONE) as server:
        page = media_browser.new_context(viewport=PHONE_VIEWPORT, locale="en-US").new_page()
        response = page.goto(resident_url(server.url, desk.database_url, language="uk", days_ago=4))
        assert response is not None and response.status == 410
        tr = translator("uk")
        assert page.text_content("h1") == tr.t("error.link_expired")
        assert page.evaluate("() => document.documentElement.lang") == "uk"
        assert page.locator("a[data-way=phone]").text_content() == tr.t("alt.call", phone=PHONE)
        assert not logs


def test_resident_links_page__staff_make_a_poster_link_with_its_qr_code(
    media_browser: Any,  # noqa: F811
    desk: Desk,  # noqa: F811
) -> None:
    logs: list[str] = []
    with desk_server(desk) as server:
        page = open_page(media_browser, server.url, "/resident-links", ADMIN, logs)
        page.select_option("#kind", "poster")
        page.select_option("#municipality", "33208")
        page.select_option("#site", "soja-counter")
        page.select_option("#language", "vi")
        page.click("#link-form button[type=submit]")
        page.wait_for_selector("#result:not([hidden])")
        url = page.get_attribute("#url", "href") or ""
        assert url.startswith(f"{server.url}/r/")
        assert page.locator("#qr svg").count() == 1
        screen_shot(page, "resident-links-staff")
        # the link works: the resident page opens in the chosen language
        resident = open_resident(media_browser, url, logs)
        assert resident.evaluate("() => document.documentElement.lang") == "vi"
        page.select_option("#kind", "invite")
        page.fill("#valid-days", "30")
        page.click("#link-form button[type=submit]")
        page.wait_for_function("() => document.getElementById('form-error').textContent.includes('422')")
        assert_no_page_errors(logs)
