"""The admin edits the desk calendar in the browser and the resident's page, reloaded, tells the new hours and
today's closure in Nepali, without a restart. Both screens are checked with axe-core, for tofu and overflow;
pictures go to test-artifacts/screens/desk-calendar-*.png."""

from __future__ import annotations

from datetime import time
from typing import Any

import pytest

from app.i18n import translator
from tests.a11y_support import assert_no_problems, check_viewports, module_browser  # noqa: F401
from tests.calls.calls_support import ADMIN, Desk, desk, desk_server, open_page  # noqa: F401
from tests.conftest import TEST_NOW
from tests.walk_support import open_resident, resident_url

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_calendar_edited_in_the_browser_changes_the_residents_page_without_a_restart(
    module_browser: Any,  # noqa: F811
    desk: Desk,  # noqa: F811
) -> None:
    problems: list[str] = []
    logs: list[str] = []
    tr = translator("ne")
    today = TEST_NOW.date()
    with desk_server(desk, desk_hours="09:00-17:00") as server:
        resident = open_resident(
            module_browser, resident_url(server.url, desk.database_url, "?lang=ne"), logs
        )
        resident.wait_for_selector("#closed:not([hidden])")  # nobody signed in: not now, at an open desk
        assert tr.format_hours(time(9), time(17)) in (resident.text_content("#closed-hours") or "")
        assert tr.format_date(today) not in resident.content()

        admin = open_page(module_browser, server.url, "/admin/calendar", user=ADMIN, logs=logs)
        admin.wait_for_selector("#calendar-form")
        problems += check_viewports(admin, "desk-calendar-admin")
        for day in ("mon", "tue", "wed", "thu", "fri"):
            admin.fill(f"#desk-{day}-opens", "10:00")
            admin.fill(f"#desk-{day}-closes", "16:00")
        admin.check("#desk-sat-open")
        admin.fill("#desk-sat-opens", "10:00")
        admin.fill("#desk-sat-closes", "12:00")
        admin.fill("#closed-dates", today.isoformat())
        admin.click("#calendar-form button[type=submit]")
        admin.wait_for_selector("#form-done:has-text('Saved')")
        assert admin.text_content("#form-error") == ""

        resident.reload()  # the same server: no restart
        resident.wait_for_selector("#closed:not([hidden])")
        assert resident.text_content("#closed-title") == tr.t("closed.title")
        hours = resident.text_content("#closed-hours") or ""
        weekdays = tr.t(
            "closed.hours", days=tr.format_days(range(5)), hours=tr.format_hours(time(10), time(16))
        )
        saturday = tr.t("closed.hours", days=tr.format_days([5]), hours=tr.format_hours(time(10), time(12)))
        assert weekdays in hours and saturday in hours
        assert tr.t("resident.closed_days", date=tr.format_date(today)) in (
            resident.text_content("body") or ""
        )
        problems += check_viewports(resident, "desk-calendar-resident-ne")
        admin.context.close()
        resident.context.close()
    assert not [line for line in logs if "pageerror" in line], logs
    assert_no_problems(problems)


def test_a_link_revoked_on_admin_links_answers_410_in_nepali_and_the_audit_page_shows_it(
    module_browser: Any,  # noqa: F811
    desk: Desk,  # noqa: F811
) -> None:
    problems: list[str] = []
    logs: list[str] = []
    tr = translator("ne")
    with desk_server(desk) as server:
        admin = open_page(module_browser, server.url, "/resident-links", user=ADMIN, logs=logs)
        admin.select_option("#kind", "poster")
        admin.select_option("#language", "ne")
        admin.click("#link-form button[type=submit]")
        admin.wait_for_selector("#result:not([hidden])")
        url = admin.text_content("#url") or ""
        assert "/r/" in url

        admin.goto(f"{server.url}/admin/links")
        admin.wait_for_selector("button.revoke")
        problems += check_viewports(admin, "desk-links-admin")
        admin.on("dialog", lambda dialog: dialog.accept())
        admin.click("button.revoke")
        admin.wait_for_selector("button.revoke", state="detached")
        assert "revoked" in (admin.text_content("#links tbody tr") or "")
        assert admin.text_content("#links-error") == ""

        resident = admin.context.new_page()
        answer = resident.goto(url)
        assert answer is not None and answer.status == 410
        assert tr.t("error.link_revoked") in (resident.text_content("body") or "")
        problems += check_viewports(resident, "desk-links-revoked-ne")

        admin.goto(f"{server.url}/admin/audit?action=resident_link.revoked")
        admin.wait_for_selector("#events")
        assert "resident_link.revoked" in (admin.text_content("#events") or "")
        assert admin.text_content("#total") == "1"
        problems += check_viewports(admin, "desk-audit-admin")
        admin.goto(f"{server.url}/admin/models")
        admin.wait_for_selector("#model-form")
        problems += check_viewports(admin, "desk-models-admin")
        admin.context.close()
    assert not [line for line in logs if "pageerror" in line], logs
    assert_no_problems(problems)
