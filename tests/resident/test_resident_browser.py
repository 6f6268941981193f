"""The resident video page in a real browser, at home with a link: language, consent, device check against
the server's echo, a double-tapped request (one case), waiting, an interpreter accepts, a three-way call with
media both ways (getStats), the counselor ends it; the closed desk; the expired link."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.db import utcnow
from app.i18n import translator
from app.resident.links import LinkClaims, LinkKind, issue_link
from tests.browser_support import media_browser  # noqa: F401 (fixture)
from tests.calls.calls_support import (
    ADMIN,
    COUNSELOR,
    INTERPRETERS,
    Desk,
    arrange_desk,
    assert_media_flowing,
    desk_server,
    go_available,
    open_page,
)
from tests.conftest import PASSWORD, open_desk_settings

pytestmark = pytest.mark.browser
PHONE = "086-426-3111"


def resident_link(desk: Desk, language: str | None = None, *, days_ago: int = 0) -> str:
    settings = open_desk_settings(desk.database_url)  # the same secret as the served app
    claims = LinkClaims(LinkKind.invite, municipality="33208", language=language)
    return issue_link(settings, claims, utcnow() - timedelta(days=days_ago))


def open_resident(browser: Any, base: str, path: str, logs: list[str], viewport: dict[str, int]) -> Any:
    context = browser.new_context(viewport=viewport, locale="en-US")
    page = context.new_page()
    page.on("console", lambda m: logs.append(f"resident: {m.type}: {m.text}"))
    page.on("pageerror", lambda e: logs.append(f"resident: pageerror: {e}"))
    page.goto(f"{base}{path}")
    return page


def cases(base: str) -> list[dict[str, Any]]:
    """Every case as an admin reads it: a double tap must have made exactly one."""
    with httpx.Client(base_url=base) as client:
        me = client.post("/api/v1/auth/login", json={"username": ADMIN, "password": PASSWORD})
        assert me.status_code == 200, me.text
        listed = client.get("/api/v1/consultations")
        assert listed.status_code == 200, listed.text
        items: list[dict[str, Any]] = listed.json()["items"]
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
    sqlite_template: Path,
    tmp_path: Path,
) -> None:
    desk = arrange_desk(sqlite_template, tmp_path)
    logs: list[str] = []
    with desk_server(desk, desk_phone=PHONE) as server:
        base = server.url
        counselor = open_page(media_browser, base, "/counselor", COUNSELOR, logs)
        go_available(counselor)
        interpreter = open_page(media_browser, base, "/interpreter", INTERPRETERS[0], logs)
        go_available(interpreter)
        # a link without a language, an English browser: the page starts in English, the resident picks Nepali
        resident = open_resident(
            media_browser, base, f"/r/{resident_link(desk)}", logs, {"width": 390, "height": 844}
        )
        try:
            assert resident.evaluate("() => document.documentElement.lang") == "en"
            through_device_check(resident, "ne")
            assert resident.evaluate("() => document.documentElement.lang") == "ne"
            resident.dblclick("#start")  # a double tap
            resident.wait_for_selector("#waiting:not([hidden]), #call:not([hidden])")
            interpreter.wait_for_selector("#ring:not([hidden])", timeout=15_000)
            assert interpreter.text_content("#offer-channel") == "video"
            assert interpreter.text_content("#offer-language") == "ne"
            interpreter.click("#accept")
            resident.wait_for_selector("#call:not([hidden])", timeout=15_000)
            pages = {"resident": resident, "interpreter": interpreter, "counselor": counselor}
            figures = assert_media_flowing(pages, 2)
        except Exception:
            resident.screenshot(path=str(tmp_path / "failed.png"))
            raise AssertionError("\n".join(logs[-60:])) from None
        roles = {name: sorted(v["role"] for v in f.values()) for name, f in figures.items()}
        assert roles["resident"] == ["counselor", "interpreter"]
        assert roles["interpreter"] == ["counselor", "resident"]
        assert roles["counselor"] == ["interpreter", "resident"]
        tr = translator("ne")
        assert resident.text_content("#call-status") == tr.t("call.connected")
        captions = resident.eval_on_selector_all("#remotes figcaption", "els => els.map(e => e.textContent)")
        assert sorted(captions) == sorted(
            [tr.t("resident.role_counselor"), tr.t("resident.role_interpreter")]
        )

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
    sqlite_template: Path,
    tmp_path: Path,
) -> None:
    """Even past the page's one-request-in-flight guard (a retry after a lost answer), one key is one case."""
    desk = arrange_desk(sqlite_template, tmp_path)
    logs: list[str] = []
    with desk_server(desk) as server:
        page = open_resident(
            media_browser,
            server.url,
            f"/r/{resident_link(desk, 'en')}?lang=en",
            logs,
            {"width": 1280, "height": 800},
        )
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
                body: JSON.stringify({language: 'en', resident_municipality: '33208'})});
              return [r.status, (await r.json()).id];
            }"""
        )
        assert again == [200, first]
        found = cases(server.url)
        assert [c["id"] for c in found] == [first]
        assert found[0]["status"] == "queued"


def test_resident_closed_desk__hours_and_other_ways_in_thai(
    media_browser: Any,  # noqa: F811
    sqlite_template: Path,
    tmp_path: Path,
) -> None:
    desk = arrange_desk(sqlite_template, tmp_path)
    logs: list[str] = []
    with desk_server(desk, desk_hours="00:00-00:01", desk_phone=PHONE) as server:
        page = open_resident(
            media_browser, server.url, f"/r/{resident_link(desk, 'th')}", logs, {"width": 390, "height": 844}
        )
        page.click("a[data-language=th]")
        page.wait_for_selector("#consent:not([hidden])")
        page.click("#agree")
        page.wait_for_selector("#closed:not([hidden])")
        tr = translator("th")
        assert page.text_content("#closed-title") == tr.t("closed.title")
        assert (page.text_content("#closed-hours") or "").startswith(
            tr.t("closed.hours", hours="X").split("X")[0]
        )
        assert page.is_visible("#closed-next")
        phone = page.locator("#closed a[data-way=phone]")
        assert phone.text_content() == tr.t("alt.call", phone=PHONE)
        assert phone.get_attribute("href") == "tel:0864263111"
        assert cases(server.url) == []  # nothing was asked for


def test_resident_expired_link__says_so_in_ukrainian(
    media_browser: Any,  # noqa: F811
    sqlite_template: Path,
    tmp_path: Path,
) -> None:
    desk = arrange_desk(sqlite_template, tmp_path)
    logs: list[str] = []
    with desk_server(desk, desk_phone=PHONE) as server:
        context = media_browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US")
        page = context.new_page()
        response = page.goto(f"{server.url}/r/{resident_link(desk, 'uk', days_ago=4)}")
        assert response is not None and response.status == 410
        tr = translator("uk")
        assert page.text_content("h1") == tr.t("error.link_expired")
        assert page.evaluate("() => document.documentElement.lang") == "uk"
        assert page.locator("a[data-way=phone]").text_content() == tr.t("alt.call", phone=PHONE)
        assert not logs


def test_resident_links_page__staff_make_a_poster_link_with_its_qr_code(
    media_browser: Any,  # noqa: F811
    sqlite_template: Path,
    tmp_path: Path,
) -> None:
    desk = arrange_desk(sqlite_template, tmp_path)
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
        screens = Path(__file__).resolve().parents[2] / "test-artifacts" / "screens"
        screens.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(screens / "resident-links-staff.png"), full_page=True)
        # the link works: the resident page opens in the chosen language
        resident = open_resident(
            media_browser, server.url, url.removeprefix(server.url), logs, {"width": 390, "height": 844}
        )
        assert resident.evaluate("() => document.documentElement.lang") == "vi"
        page.select_option("#kind", "invite")
        page.fill("#valid-days", "30")
        page.click("#link-form button[type=submit]")
        page.wait_for_function("() => document.getElementById('form-error').textContent.includes('422')")
        assert not [line for line in logs if "pageerror" in line], logs
