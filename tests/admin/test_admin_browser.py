"""The admin screen in a real browser (Debian Chromium): an admin adds a vendor and an interpreter with Nepali
and Hindi, linked to an account made with `create-user --role interpreter`, and registers a tablet that pairs
by the QR code's link; the interpreter goes available and is rung when a resident taps Nepali on that tablet.
axe, missing glyphs and overflow checked on the screen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.enums import Role
from app.main import create_app
from app.staff.service import create_user
from tests.a11y_support import assert_no_problems, check_viewports
from tests.browser_support import chromium_browser, live_server  # noqa: F401 (fixture)
from tests.calls.calls_support import (
    add_admin_and_counselor,
    choose_language,
    copy_template,
    go_available,
    open_page,
    run_apart,
    staff_database,
    wait_for,
)
from tests.conftest import PASSWORD, open_desk_settings

pytestmark = [pytest.mark.browser, pytest.mark.slow]
ADMIN, COUNSELOR, INTERPRETER = "adm-admin", "adm-counselor", "adm-anita"
NEPALI_AT_SOJA = {
    "channel": "satellite",
    "language": "ne",
    "site": "soja-counter",
    "resident_municipality": "33208",
}


async def _arrange(url: str) -> None:
    """An admin, a counselor and an interpreter's bare account (no profile yet)."""
    async with staff_database(url) as session:
        await add_admin_and_counselor(session, ADMIN, COUNSELOR, "相談員 Admin test")
        await create_user(session, username=INTERPRETER, password=PASSWORD, role=Role.interpreter)
        await session.commit()


def _rows(page: Any) -> str:
    """The pool table's text, one interpreter after another."""
    script = "rows => rows.map((r) => r.innerText).join(' | ')"
    return str(page.eval_on_selector_all("#interpreters tr", script))


def test_admin_creates_a_nepali_hindi_interpreter_who_goes_available_and_is_rung(
    chromium_browser: Any,  # noqa: F811
    sqlite_template: Path,
    tmp_path: Path,
) -> None:
    url = copy_template(sqlite_template, tmp_path, "admin.db")
    run_apart(_arrange(url))
    logs: list[str] = []
    with live_server(create_app(open_desk_settings(url, loopback_media=True))) as server:
        admin = open_page(chromium_browser, server.url, "/admin", ADMIN, logs)
        admin.wait_for_selector("#interpreter-form")
        problems = check_viewports(admin, "admin-empty")

        admin.fill("#vendor-form input[name=name]", "吉備通訳 Kibi Interpreting")
        admin.click("#vendor-form button[type=submit]")
        admin.wait_for_selector("#vendor-select option[value='吉備通訳 Kibi Interpreting']", state="attached")

        form = "#interpreter-form"
        admin.fill(f"{form} input[name=display_name]", "アニタ Anita")
        admin.select_option("#vendor-select", "吉備通訳 Kibi Interpreting")
        admin.check(f"{form} input[name=languages][value=ne]")
        admin.check(f"{form} input[name=languages][value=hi]")
        admin.select_option(f"{form} select[name=gender]", "female")
        admin.check(f"{form} input[name=dv_cleared]")
        admin.fill(f"{form} input[name=username]", INTERPRETER)
        admin.click(f"{form} button[type=submit]")
        row = wait_for(lambda: "Anita" in _rows(admin) and _rows(admin), what="new row")
        assert "hi, ne" in row and INTERPRETER in row and "オフライン offline" in row
        assert (admin.text_content("#interpreter-error") or "") == ""

        # the bad input is answered next to the form, nothing 500s
        admin.fill(f"{form} input[name=display_name]", "二人目 Second")
        admin.check(f"{form} input[name=languages][value=ne]")
        admin.fill(f"{form} input[name=username]", INTERPRETER)
        admin.click(f"{form} button[type=submit]")
        admin.locator("#interpreter-error", has_text="409").wait_for()  # no eval: the page's CSP forbids it

        counselor = open_page(chromium_browser, server.url, "/counselor", COUNSELOR, logs)
        go_available(counselor)
        interpreter = open_page(chromium_browser, server.url, "/interpreter", INTERPRETER, logs)
        go_available(interpreter)  # before: 403 "not linked to an interpreter profile"

        admin.reload()
        wait_for(lambda: "対応可 available" in _rows(admin), what="presence on the admin screen")
        problems += check_viewports(admin, "admin-pool")

        # a tablet registered here, paired by the QR code's link (the token travels in the fragment)
        admin.fill("#device-form input[name=name]", "総社 2番 Soja 2")
        admin.select_option("#device-site", "soja-counter")
        admin.click("#device-form button[type=submit]")
        admin.wait_for_selector("#pairing:not([hidden]) #pairing-qr svg")
        token = admin.text_content("#pairing-token") or ""
        assert token.startswith("mdv_")
        problems += check_viewports(admin, "admin-device-paired")
        tablet = open_page(chromium_browser, server.url, f"/tablet#token={token}", None, logs)
        tablet.wait_for_selector("#link[data-state=open]")
        assert "#token" not in tablet.url  # the token leaves the address bar at once
        choose_language(tablet, "ne")
        interpreter.wait_for_selector("#ring:not([hidden])", timeout=15_000)
        assert interpreter.get_attribute("#offer-language", "data-code") == "ne"

        problems += _edit_in_place(admin)
        assert not [line for line in logs if "pageerror" in line], logs
    assert_no_problems(problems)


def _edit_in_place(admin: Any) -> list[str]:
    """The inline edit forms (no window.prompt): Anita's languages, gender, clearances and sign-in; the
    counselor's role and scope, with the API's refusal shown next to the form. Screen problems found."""
    dialogs: list[str] = []
    admin.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    edit = "#interpreter-edit"
    admin.click("#interpreters tr:has-text('Anita') button:has-text('Edit')")
    admin.wait_for_selector(f"{edit}:not([hidden])")
    assert admin.is_checked(f"{edit} input[name=languages][value=hi]")
    assert admin.input_value(f"{edit} select[name=gender]") == "female"
    assert admin.input_value(f"{edit} input[name=username]") == INTERPRETER
    problems = check_viewports(admin, "admin-interpreter-edit")
    admin.uncheck(f"{edit} input[name=languages][value=hi]")
    admin.check(f"{edit} input[name=languages][value=en]")
    admin.select_option(f"{edit} select[name=gender]", "")
    admin.uncheck(f"{edit} input[name=dv_cleared]")
    admin.check(f"{edit} input[name=child_cleared]")
    admin.fill(f"{edit} input[name=username]", "")
    admin.click(f"{edit} button[type=submit]")
    admin.wait_for_selector(f"{edit}", state="hidden")
    row = wait_for(lambda: "en, ne" in _rows(admin) and _rows(admin), what="edited row")
    cells = admin.eval_on_selector_all(
        "#interpreters tr:has-text('Anita') td", "tds => tds.map((td) => td.innerText)"
    )
    assert cells[1:7] == ["en, ne", "吉備通訳 Kibi Interpreting", "—", "—", "✓", "—"], (cells, row)

    staff = "#staff-edit"
    counselor_row = f"#staff-rows tr:has-text('{COUNSELOR}')"
    admin.click(f"{counselor_row} button:has-text('Role and scope')")
    admin.wait_for_selector(f"{staff}:not([hidden])")
    assert admin.input_value(f"{staff} select[name=role]") == "counselor"
    admin.select_option(f"{staff} select[name=municipality]", "33208")
    admin.click(f"{staff} button[type=submit]")  # a counselor has no municipality scope: refused, shown here
    admin.locator("#staff-edit-error", has_text="422").wait_for()
    assert admin.is_visible(staff)
    problems += check_viewports(admin, "admin-staff-edit")
    admin.select_option(f"{staff} select[name=role]", "coordinator")
    admin.click(f"{staff} button[type=submit]")
    admin.wait_for_selector(staff, state="hidden")
    wait_for(
        lambda: (
            "coordinator" in (admin.text_content(counselor_row) or "")
            and "33208" in (admin.text_content(counselor_row) or "")
        ),
        what="the counselor's new role and scope",
    )
    admin.click(f"{counselor_row} button:has-text('Reset password')")
    admin.wait_for_selector("#password-edit:not([hidden])")
    admin.fill("#password-edit input[name=password]", "a-new-long-passphrase")
    admin.click("#password-edit button[type=submit]")
    admin.wait_for_selector("#password-edit", state="hidden")
    assert (admin.text_content("#status") or "").startswith("保存しました")
    assert dialogs == []
    return problems


def test_revoking_a_tablet_while_its_page_is_open_signs_it_out(
    chromium_browser: Any,  # noqa: F811
    sqlite_template: Path,
    tmp_path: Path,
) -> None:
    """The admin revokes a paired tablet on /admin: the server closes the tablet's websocket (1008), and the
    open page forgets its token, stops reconnecting and tells the counter staff to pair it again."""
    url = copy_template(sqlite_template, tmp_path, "revoke.db")
    run_apart(_arrange(url))
    logs: list[str] = []
    with live_server(create_app(open_desk_settings(url, loopback_media=True))) as server:
        admin = open_page(chromium_browser, server.url, "/admin", ADMIN, logs)
        admin.fill("#device-form input[name=name]", "総社 3番 Soja 3")
        admin.select_option("#device-site", "soja-counter")
        admin.click("#device-form button[type=submit]")
        admin.wait_for_selector("#pairing:not([hidden]) #pairing-qr svg")
        token = admin.text_content("#pairing-token") or ""
        tablet = open_page(chromium_browser, server.url, f"/tablet#token={token}", None, logs)
        tablet.wait_for_selector("#link[data-state=open]")
        tablet.wait_for_selector("#start:not([hidden])")
        tablet.locator("#site", has_text="Soja").wait_for()  # the token was taken
        assert tablet.is_hidden("#revoked")

        row = "#device-rows tr:has-text('Soja 3')"
        admin.click(f"{row} button:has-text('Rename or move')")  # an inline form, not window.prompt
        edit = "#device-edit"
        admin.wait_for_selector(f"{edit}:not([hidden])")
        assert admin.input_value(f"{edit} input[name=name]") == "総社 3番 Soja 3"
        admin.fill(f"{edit} input[name=name]", "倉敷 4番 Kurashiki 4")
        admin.select_option(f"{edit} select[name=site]", "kurashiki-desk")
        admin.click(f"{edit} button[type=submit]")
        admin.wait_for_selector(edit, state="hidden")
        row = "#device-rows tr:has-text('Kurashiki 4')"
        assert "kurashiki-desk" in (admin.text_content(row) or "")

        admin.once("dialog", lambda dialog: dialog.accept())
        admin.click(f"{row} button:has-text('Revoke')")
        admin.wait_for_selector(f"{row}:has-text('取消済 revoked')")

        tablet.wait_for_selector("#revoked:not([hidden])", timeout=10_000)  # "within seconds"
        assert tablet.is_visible("#setup") and tablet.is_hidden("#start")
        assert "This tablet was revoked" in (tablet.text_content("#revoked") or "")
        assert tablet.get_attribute("#link", "data-state") == "revoked"
        assert tablet.evaluate("localStorage.getItem('madoguchi.deviceToken')") is None
        problems = check_viewports(tablet, "tablet-revoked")

        # a mistyped token is not "revoked": it is called invalid
        tablet.fill("#device-token", "mdv_not-a-real-token")
        tablet.click("#save-token")
        tablet.locator("#setup-error", has_text="Invalid device token").wait_for()
        assert tablet.is_hidden("#revoked") and tablet.is_visible("#setup")
        assert not [line for line in logs if "pageerror" in line], logs
    assert_no_problems(problems)
