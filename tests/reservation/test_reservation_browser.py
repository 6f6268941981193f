"""In Chromium: the booking page in six languages (screenshots, axe, glyphs, overflow), and the whole walk
of a resident at home in Ukrainian: poster link -> booking page -> booked -> join link at the time ->
resident page -> the reserved interpreter (not the one idle longest) is rung and accepts -> the call
connects -> the reservation is fulfilled."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.i18n import translator
from app.resident.links import LinkKind
from tests.a11y_support import (
    assert_no_problems,
    check_viewports,
    module_browser,  # noqa: F401 (fixture)
    screenshot,
)
from tests.calls.calls_support import (
    COUNSELOR,
    INTERPRETERS,
    Desk,
    admin_get,
    arrange_desk,
    assert_no_page_errors,
    available_staff,
    connected_peers,
    desk_server,
    failure_evidence,
    go_available,
    open_page,
    wait_for,
)
from tests.conftest import ALL_DAYS, TEST_NOW
from tests.walk_support import agree_and_start, open_resident, resident_link

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SCREEN_LANGUAGES = ("ja", "en", "ne", "th", "hi", "uk")


@pytest.fixture
def uk_desk(sqlite_template: Path, tmp_path: Path) -> Desk:
    """Both interpreters speak Ukrainian, a language taken by reservation only."""
    return arrange_desk(sqlite_template, tmp_path, languages=("uk",))


def _poster(database_url: str) -> str:
    return resident_link(database_url, kind=LinkKind.poster)


def _resident(browser: Any, url: str, logs: list[str]) -> Any:
    """The resident's page on a phone with a Ukrainian browser."""
    return open_resident(browser, url, logs, locale="uk-UA")


def test_reserve_page__six_languages_on_phone_and_tablet(
    module_browser: Any,  # noqa: F811
    sqlite_template: Path,
    tmp_path: Path,
) -> None:
    """The remote vendor is closed all day, and the pool's own vendor works desk hours: remote languages have
    times to book; Easy Japanese and English speakers book Ukrainian for someone (`book=uk`)."""
    desk = arrange_desk(sqlite_template, tmp_path, languages=("ne", "th", "hi", "uk"))
    zone = str(TEST_NOW.tzinfo)  # the served app's clock starts at TEST_NOW, 11:00 in Japan
    closures: dict[str, Any] = {"holiday_country": None, "annual_closures": []}
    pool_hours = {"opens": "06:00", "closes": "20:00", "weekdays": ALL_DAYS, "timezone": zone, **closures}
    policy = {
        "desk_hours": closures,
        "interpreter_hours": closures,
        "vendor_hours": {"Calls Interpreting": pool_hours},
    }
    problems: list[str] = []
    with desk_server(
        desk,
        timezone=zone,
        vendor_hours="00:00-00:01",
        routing_policy_json=json.dumps(policy),
        reservation_slot_minutes=30,
        reservation_lead_minutes=0,
        desk_phone="086-426-3111",
    ) as server:
        poster = _poster(desk.database_url)
        logs: list[str] = []
        for lang in SCREEN_LANGUAGES:
            book = "uk" if lang in ("ja", "en") else lang
            page = _resident(module_browser, f"{server.url}/r/{poster}/reserve?lang={lang}&book={book}", logs)
            tr = translator(lang)
            assert page.text_content("#reserve-title") == tr.t("reservation.title")
            assert page.evaluate("() => document.documentElement.lang") == tr.bcp47
            assert page.locator("input[name=starts_at]:not([disabled])").count() > 0, lang
            problems += check_viewports(page, f"reservation-reserve-{lang}")
            page.context.close()
        assert not logs, logs
    assert_no_problems(problems)


def _admin_reservations(base: str) -> list[dict[str, Any]]:
    listed: list[dict[str, Any]] = admin_get(base, "/api/v1/reservations")
    return listed


def test_the_whole_walk__a_resident_at_home_in_ukrainian_with_a_reservation(
    module_browser: Any,  # noqa: F811
    uk_desk: Desk,
) -> None:
    desk = uk_desk
    reserved, other = INTERPRETERS  # the booking goes to the least booked, lowest id: the first
    uk = translator("uk")
    logs: list[str] = []
    with desk_server(
        desk, reservation_slot_minutes=10, reservation_lead_minutes=0, resident_intake_limit=100
    ) as server:
        base = server.url
        # the other interpreter comes on shift first: without the reservation, they would be rung
        counselor, idle_longest = available_staff(module_browser, base, logs, interpreter=other)
        interpreter = open_page(module_browser, base, "/interpreter", reserved, logs)
        go_available(interpreter)

        resident = _resident(module_browser, f"{base}/r/{_poster(desk.database_url)}/reserve?lang=uk", logs)
        pages = {"resident": resident, "interpreter": interpreter, "counselor": counselor}
        with failure_evidence(logs, pages, "reservation-walk-failed"):
            # 1. the booking page in Ukrainian: the next slot starts within ten minutes
            assert resident.text_content("#reserve-title") == uk.t("reservation.title")
            screenshot(resident, "reservation-walk-1-reserve-uk")
            resident.locator("input[name=starts_at]:not([disabled])").first.check()
            resident.fill("#contact-name", "Оксана Шевченко")
            resident.fill("#contact-phone", "090-1234-5678")
            with resident.expect_navigation():
                resident.click("#book")
            # 2. the confirmation: date and time, the number, the join link (open now) and its QR code
            resident.wait_for_selector("#reservation-code")
            code = resident.text_content("#reservation-code")
            assert "Ваш запис" in (resident.text_content("#done-title") or "")
            assert resident.is_visible("#join-qr svg")
            screenshot(resident, "reservation-walk-2-booked-uk")
            (booking,) = _admin_reservations(base)
            assert booking["code"] == code and booking["interpreter_id"] == desk.interpreter_ids[reserved]
            assert booking["contact"]["name"] == "Оксана Шевченко" and booking["municipality"] == "33208"

            # 3. at the time: the join link opens the resident page, in Ukrainian
            with resident.expect_navigation():
                resident.click("#join-now")
            assert resident.evaluate("() => document.documentElement.lang") == "uk"
            resident.click("#agree")
            resident.wait_for_selector("#start:not([disabled])", timeout=20_000)
            screenshot(resident, "reservation-walk-3-device-uk")
            resident.click("#start")

            # 4. the reserved interpreter is rung, not the one idle longest
            interpreter.wait_for_selector("#ring:not([hidden])", timeout=15_000)
            assert interpreter.get_attribute("#offer-language", "data-code") == "uk"
            assert idle_longest.is_hidden("#ring")
            screenshot(interpreter, "reservation-walk-4-reserved-interpreter-ring")
            interpreter.click("#accept")
            resident.wait_for_selector("#call:not([hidden])", timeout=15_000)
            wait_for(lambda: connected_peers(resident, 2), 25, "the resident sees counselor and interpreter")
            assert resident.text_content("#call-status") == uk.t("call.connected")
            screenshot(resident, "reservation-walk-5-call-uk")

        (after,) = _admin_reservations(base)
        assert after["status"] == "fulfilled" and after["consultation_id"]
        counselor.click("#end-call")
        resident.wait_for_selector("#ended:not([hidden])", timeout=10_000)


def test_staff_page__a_counselor_books_for_a_caller_then_cancels(
    module_browser: Any,  # noqa: F811
    uk_desk: Desk,
) -> None:
    desk = uk_desk
    logs: list[str] = []
    with desk_server(desk, reservation_slot_minutes=30, reservation_lead_minutes=0) as server:
        page = open_page(module_browser, server.url, "/staff/reservations", COUNSELOR, logs)
        assert "まもなく開始の予約" in (page.text_content("#soon-title") or "")
        page.select_option("#book-language", "uk")
        page.click("#load-slots")
        page.wait_for_selector("#book-slot option:not([disabled])", state="attached")
        page.fill("#book-name", "Микола Петренко")
        page.fill("#book-phone", "086-426-0000")
        page.dblclick("#book-submit")  # a double click books once
        page.wait_for_selector("#book-result[data-code]")
        code = page.get_attribute("#book-result", "data-code")
        screenshot(page, "reservation-staff-booked")
        page.reload()
        row = page.locator(f"tr[data-code='{code}']")
        assert row.get_attribute("data-status") == "booked" and "Микола Петренко" in (
            row.text_content() or ""
        )
        assert page.locator("#reservations tbody tr").count() == 1
        row.locator("button[data-action=cancel]").click()
        page.wait_for_selector(f"tr[data-code='{code}'][data-status=cancelled]")
        screenshot(page, "reservation-staff-list")
        assert_no_page_errors(logs)


def test_join_link_too_early__the_resident_page_says_when_in_ukrainian(
    module_browser: Any,  # noqa: F811
    uk_desk: Desk,
) -> None:
    desk = uk_desk
    logs: list[str] = []
    with desk_server(desk, reservation_slot_minutes=30, reservation_lead_minutes=120) as server:
        poster = _poster(desk.database_url)
        with httpx.Client(base_url=server.url, headers={"X-Resident-Link": poster}) as client:
            found = client.get("/api/v1/resident/reservation-slots", params={"lang": "uk"}).json()
            start = next(s for d in found["days"] for s in d["slots"] if s["seats"])["starts_at"]
            booked = client.post(
                "/api/v1/resident/reservations",
                json={"language": "uk", "starts_at": start},
                headers={"Idempotency-Key": "browser-early-0001"},
            )
            assert booked.status_code == 201, booked.text
        page = _resident(module_browser, f"{server.url}{booked.json()['join_url']}?lang=uk", logs)
        agree_and_start(page, timeout=20_000)
        alert = page.locator("[data-error]:not([hidden])")
        alert.wait_for(timeout=10_000)
        text = alert.text_content() or ""
        assert (
            "зарано" in text
            and translator("uk").format_time(datetime.fromisoformat(booked.json()["opens_at"])) in text
        )
        screenshot(page, "reservation-join-too-early-uk")
