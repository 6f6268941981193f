"""The booking confirmation on a phone in four languages: the booked language named in the reader's language,
the full date (weekday, date, time) from which to join, and the .ics download working in the browser that
booked. Screenshots booking-*.png with axe, glyph, overflow and language-of-parts checks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from app.i18n import translator
from app.reservation.views import language_name
from tests.a11y_support import (
    assert_no_problems,
    module_browser,  # noqa: F401 (fixture)
    screen_problems,
)
from tests.calls.calls_support import arrange_desk, desk_server
from tests.conftest import ALL_DAYS, TEST_NOW
from tests.reservation.test_reservation_browser import _poster, _resident

pytestmark = [pytest.mark.browser, pytest.mark.slow]
# (page language, language booked): an Easy Japanese reader books Ukrainian for someone
CASES = (("ne", "ne"), ("th", "th"), ("ja", "uk"), ("uk", "uk"))


def test_booking_confirmation__language_full_join_date_and_calendar_file(
    module_browser: Any,  # noqa: F811
    sqlite_template: Path,
    tmp_path: Path,
) -> None:
    desk = arrange_desk(sqlite_template, tmp_path, languages=("ne", "th", "uk"))
    zone = str(TEST_NOW.tzinfo)
    closures: dict[str, Any] = {"holiday_country": None, "annual_closures": []}
    pool_hours = {"opens": "06:00", "closes": "20:00", "weekdays": ALL_DAYS, "timezone": zone, **closures}
    policy = {
        "desk_hours": closures,
        "interpreter_hours": closures,
        "vendor_hours": {"Calls Interpreting": pool_hours},
    }
    problems: list[str] = []
    logs: list[str] = []
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
        for lang, book in CASES:
            tr = translator(lang)
            page = _resident(module_browser, f"{server.url}/r/{poster}/reserve?lang={lang}&book={book}", logs)
            page.locator("input[name=starts_at]:not([disabled])").last.check()
            with page.expect_navigation():
                page.click("#book")
            expect(page.locator("#reservation-code")).to_be_visible()
            booked = tr.t("reservation.language", language=language_name(tr, book))
            expect(page.locator("#booked-language")).to_have_text(booked)
            how = page.text_content("#how") or ""
            before = tr.t("reservation.join_from_date", date="\0", time="\0").split("\0")[0]
            assert how.startswith(before), (lang, how)
            weekday_names = [tr.format_days([d]) for d in range(7)]
            assert any(name in how for name in weekday_names), (lang, how)  # the weekday is there
            # the file comes down in the browser that booked (its manage-token cookie)
            with page.expect_download() as download:
                page.click("#calendar")
            text = Path(download.value.path()).read_bytes().decode("utf-8")
            assert text.startswith("BEGIN:VCALENDAR\r\n") and "DTSTART:" in text
            code = page.text_content("#reservation-code")
            assert f"UID:reservation-{code}@madoguchi" in text
            problems += screen_problems(page, f"booking-{lang}-confirmation-phone")
            page.context.close()
    mine = [line for line in logs if "pageerror" in line]
    assert not mine, mine
    assert_no_problems(problems)
