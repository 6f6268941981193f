"""The counselor console in a real browser: the live queue per language follows the desk's pushes, a phone
consultation is logged (field errors first), a case record is corrected after a validation error, the
counselor's own recent cases list what they did, and an interpreter requested mid-call joins it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.a11y_support import check_viewports
from tests.browser_support import chromium_browser, media_browser, sign_in  # noqa: F401 (fixture)
from tests.calls.calls_support import (
    accept_ring,
    assert_media_flowing,
    assert_no_page_errors,
    choose_language,
    failure_evidence,
    go_available,
    open_page,
    wait_for,
)
from tests.calls.console_support import (
    COUNSELOR,
    INTERPRETER,
    TABLET_LANDSCAPE,
    ConsoleDesk,
    admin_get,
    console_desk,  # noqa: F401 (fixture)
    console_server,
    open_tablet,
    shot,
    signed_in,
    start_in_english,
)
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def _console(browser: Any, base: str, logs: list[str]) -> Any:
    page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
    page.on("pageerror", lambda e: logs.append(f"console: pageerror: {e}"))
    sign_in(page, base, COUNSELOR, PASSWORD)
    page.goto(f"{base}/counselor")
    page.wait_for_selector("body[data-ready=true]")
    page.wait_for_selector("#link[data-state=open]")
    return page


def _waiting(console: Any, language: str) -> int:
    cell = console.query_selector(f"#languages-live tr[data-language={language}]")
    return int(cell.get_attribute("data-count")) if cell else -1


def test_console_live_queue_per_language_follows_the_pushes(
    chromium_browser: Any,  # noqa: F811
    console_desk: ConsoleDesk,  # noqa: F811
) -> None:
    desk = console_desk
    logs: list[str] = []
    with console_server(desk) as server:
        console = _console(chromium_browser, server.url, logs)
        wait_for(lambda: console.locator("#languages-live tr").count() == 15, 10, "15 languages")
        statuses = console.eval_on_selector_all(
            "#languages-live td.avail", "cs => cs.map((c) => c.dataset.status)"
        )
        assert (
            set(statuses) <= {"available_now", "later_today", "book_ahead", "closed"} and len(statuses) == 15
        )
        assert _waiting(console, "pt") == 0 and console.is_visible("#queue-empty")

        central = open_tablet(chromium_browser, server.url, desk.central_token, TABLET_LANDSCAPE, logs)
        satellite = open_tablet(chromium_browser, server.url, desk.satellite_token, TABLET_LANDSCAPE, logs)
        choose_language(central, "pt")
        central.wait_for_selector("#waiting:not([hidden])")
        pt_case = central.evaluate("() => window.madoguchiCall.state.consultationId")
        wait_for(lambda: _waiting(console, "pt") == 1, 10, "the Portuguese resident in the console's queue")
        choose_language(satellite, "vi")
        satellite.wait_for_selector("#waiting:not([hidden])")
        vi_case = satellite.evaluate("() => window.madoguchiCall.state.consultationId")
        wait_for(lambda: _waiting(console, "vi") == 1, 10, "the Vietnamese resident")
        rows = console.eval_on_selector_all(
            "#queue tr", "rs => rs.map((r) => [r.dataset.consultation, r.children[2].textContent])"
        )
        assert rows == [[pt_case, "窓口 Counter"], [vi_case, "サテライト Satellite"]]
        assert not console.is_visible("#queue-empty")
        # the waiting time ticks in the page, without another request
        first = console.text_content(f"#queue tr[data-consultation='{pt_case}'] td.waited")
        wait_for(
            lambda: console.text_content(f"#queue tr[data-consultation='{pt_case}'] td.waited") != first,
            5,
            "the waited time to tick",
        )
        shot(console, "counselor-queue")
        problems = check_viewports(console, "console-counselor-queue")
        assert not problems, "\n".join(problems)

        central.click("#cancel")
        wait_for(lambda: _waiting(console, "pt") == 0, 10, "the cancelled case to leave the queue")
        assert console.eval_on_selector_all("#queue tr", "rs => rs.map((r) => r.dataset.consultation)") == [
            vi_case
        ]
        assert_no_page_errors(logs)


def test_console_phone_log_and_case_record_with_field_errors_then_success(
    chromium_browser: Any,  # noqa: F811
    console_desk: ConsoleDesk,  # noqa: F811
) -> None:
    desk = console_desk
    logs: list[str] = []
    with console_server(desk) as server:
        console = _console(chromium_browser, server.url, logs)
        console.wait_for_selector("#recent-empty:not([hidden])", timeout=10_000)  # own cases load after ready
        form = "#phone-form"
        # nothing chosen: the API's 422 lands next to each field, in Japanese with the English detail
        console.click(f"{form} button[type=submit]")
        console.wait_for_selector(f"{form} [data-error-for=topics]:not(:empty)")
        for field in ("language", "topics", "duration_minutes"):
            assert console.text_content(f"{form} [data-error-for={field}]"), field
        assert "相談内容" in (console.text_content(f"{form} [data-error-for=topics]") or "")
        assert console.get_attribute(f"{form} [name=duration_minutes]", "aria-invalid") == "true"
        shot(console, "counselor-phone-errors")
        assert admin_get(server.url, "/api/v1/consultations")["items"] == []

        console.select_option(f"{form} [name=language]", "pt")
        console.select_option(f"{form} [name=resident_municipality]", "33461")  # 矢掛町
        console.check(f"{form} input[name=topics][value=tax]")
        console.check(f"{form} input[name=topics][value=social_insurance]")
        console.fill(f"{form} [name=duration_minutes]", "15")
        console.select_option(f"{form} [name=outcome]", "resolved")
        console.dblclick(f"{form} button[type=submit]")  # a double click is one case
        console.wait_for_selector(f"{form} [data-result][data-ok=true]")
        phone_case = console.get_attribute(f"{form} [data-result]", "data-consultation")
        wait_for(
            lambda: console.locator(f"#recent tr[data-consultation='{phone_case}']").count() == 1,
            10,
            "recent",
        )
        cases = admin_get(server.url, "/api/v1/consultations")["items"]
        assert [c["id"] for c in cases] == [phone_case]
        record = admin_get(server.url, f"/api/v1/consultations/{phone_case}/record")
        assert (record["channel"], record["language"], record["resident_municipality"]) == (
            "phone",
            "pt",
            "33461",
        )
        assert (
            sorted(record["topics"]) == ["social_insurance", "tax"]
            and record["derived"]["talk_seconds"] == 900
        )
        row = f"#recent tr[data-consultation='{phone_case}']"
        assert console.get_attribute(row, "data-recorded") == "true"
        assert "電話 Phone" in (console.text_content(row) or "")

        # correct the record: referred without saying where is refused next to the field, then saved
        console.click(f"{row} button.log")
        console.wait_for_selector("#record-form:not([hidden])")
        assert console.get_attribute("#record-case", "data-consultation") == phone_case
        assert console.is_checked("#record-form input[name=topics][value=tax]")
        console.select_option("#record-form [name=outcome]", "referred")
        console.click("#record-form button[type=submit]")
        console.wait_for_selector("#record-form [data-error-for=referral_to]:not(:empty)")
        error = console.text_content("#record-form [data-error-for=referral_to]") or ""
        assert "紹介先" in error and "referral_to" in error
        shot(console, "counselor-record-error")
        problems = check_viewports(console, "console-counselor-record-error")
        assert not problems, "\n".join(problems)
        assert admin_get(server.url, f"/api/v1/consultations/{phone_case}/record")["outcome"] == "resolved"
        console.fill("#record-form [name=referral_to]", "矢掛町 税務課")
        console.check("#record-form [name=follow_up]")
        console.click("#record-form summary")
        console.fill("#record-form [name=nationality]", "br")
        console.select_option("#record-form [name=age_band]", "30s")
        console.click("#record-form button[type=submit]")
        console.wait_for_selector("#record-form [data-result][data-ok=true]")
        assert console.text_content("#record-form [data-error-for=referral_to]") == ""
        record = admin_get(server.url, f"/api/v1/consultations/{phone_case}/record")
        assert (record["outcome"], record["referral_to"], record["follow_up"]) == (
            "referred",
            "矢掛町 税務課",
            True,
        )
        assert record["attributes"]["nationality"] == "BR" and record["attributes"]["age_band"] == "30s"
        wait_for(lambda: "紹介" in (console.text_content(f"{row} td.outcome") or ""), 5, "the list to follow")
        shot(console, "counselor-record-saved")
        assert_no_page_errors(logs)


def test_console_request_interpreter_joins_the_running_call(
    media_browser: Any,  # noqa: F811
    console_desk: ConsoleDesk,  # noqa: F811
) -> None:
    desk = console_desk
    logs: list[str] = []
    with console_server(desk) as server:
        base = server.url
        counselor = open_page(media_browser, base, "/counselor", COUNSELOR, logs)
        go_available(counselor)
        interpreter = signed_in(media_browser, base, "/interpreter", INTERPRETER, logs)
        tablet = open_tablet(media_browser, base, desk.central_token, TABLET_LANDSCAPE, logs)
        pages = {"tablet": tablet, "interpreter": interpreter, "counselor": counselor}
        with failure_evidence(logs, pages, "request-failed", shot):
            # English with the counselor free: the case is assigned during its own intake, before the tablet
            # watches it (the watch brings the invitation), and the call starts with two people
            case_id = start_in_english(tablet)
            assert_media_flowing({"tablet": tablet, "counselor": counselor}, 1)
            counselor.click("#request-interpreter")
            wait_for(lambda: "呼び出し" in (counselor.text_content("#call-note") or ""), 10, "the request")
            assert counselor.is_disabled("#request-interpreter")
            row = f"#queue tr[data-consultation='{case_id}']"
            wait_for(
                lambda: "通訳待ち" in (counselor.text_content(row) or ""), 10, "the re-offer in the queue"
            )
            go_available(interpreter)
            accept_ring(interpreter, language="en")
            figures = assert_media_flowing(pages, 2)
        assert sorted(v["role"] for v in figures["tablet"].values()) == ["counselor", "interpreter"]
        shot(counselor, "request-interpreter-joined")
        counselor.click("#end-call")
        tablet.wait_for_selector("#ended:not([hidden])", timeout=10_000)
        legs = {leg["role"] for leg in admin_get(base, f"/api/v1/consultations/{case_id}")["call_legs"]}
        assert legs == {"counselor", "counter_tablet", "interpreter"}
        assert_no_page_errors(logs)


def test_console_wrap_up__shown_after_the_call_until_the_record_is_saved(
    media_browser: Any,  # noqa: F811
    console_desk: ConsoleDesk,  # noqa: F811
) -> None:
    desk = console_desk
    logs: list[str] = []
    with console_server(desk) as server:
        base = server.url
        counselor = open_page(media_browser, base, "/counselor", COUNSELOR, logs)
        go_available(counselor)
        tablet = open_tablet(media_browser, base, desk.central_token, TABLET_LANDSCAPE, logs)
        pages = {"tablet": tablet, "counselor": counselor}
        with failure_evidence(logs, pages, "wrap-up-failed", shot):
            case_id = start_in_english(tablet)
            assert_media_flowing(pages, 1)
            assert counselor.is_hidden("#wrap-up")
            counselor.click("#end-call")
            counselor.wait_for_selector("#wrap-up:not([hidden])", timeout=10_000)
            assert "後処理中" in (counselor.text_content("#wrap-up") or "")
            assert ":" in (counselor.text_content("#wrap-up-left") or "")
            roster = admin_get(base, "/api/v1/queue")["counselors"]
            assert [c["state"] for c in roster] == ["wrap_up"]
            shot(counselor, "counselor-wrap-up")
            counselor.wait_for_selector("#record-form:not([hidden])")
            assert counselor.get_attribute("#record-case", "data-consultation") == case_id
            counselor.check("#record-form input[name=topics][value=tax]")
            counselor.select_option("#record-form [name=outcome]", "resolved")
            counselor.click("#record-form button[type=submit]")
            counselor.wait_for_selector("#record-form [data-result][data-ok=true]")
            counselor.wait_for_selector("#wrap-up[hidden]", state="attached", timeout=10_000)
            roster = admin_get(base, "/api/v1/queue")["counselors"]
            assert [c["state"] for c in roster] == ["free"]
        assert_no_page_errors(logs)


def test_console_remove_from_queue__a_reason_is_required_then_the_case_is_abandoned(
    chromium_browser: Any,  # noqa: F811
    console_desk: ConsoleDesk,  # noqa: F811
) -> None:
    import httpx

    desk = console_desk
    logs: list[str] = []
    with console_server(desk) as server:
        created = httpx.post(
            f"{server.url}/api/v1/consultations",
            json={"channel": "counter", "language": "th"},
            headers={"Authorization": f"Bearer {desk.central_token}", "Idempotency-Key": "remove-ui-0001"},
            timeout=10,
        )
        assert created.status_code == 201, created.text
        case_id = created.json()["id"]
        console = _console(chromium_browser, server.url, logs)
        button = f"#queue button[data-remove='{case_id}']"
        console.wait_for_selector(button)
        console.click(button)
        console.wait_for_selector("#remove-dialog[open]")
        console.click("#remove-form button[type=submit]")  # no reason: refused in the dialog
        assert "理由" in (console.text_content("#remove-error") or "")
        assert console.get_attribute("#remove-reason", "aria-invalid") == "true"
        shot(console, "counselor-remove-reason")
        console.fill("#remove-reason", "本人が帰宅した Resident went home")
        console.click("#remove-form button[type=submit]")
        console.wait_for_selector(button, state="detached", timeout=10_000)
        assert not console.is_visible("#remove-dialog")
        case = admin_get(server.url, f"/api/v1/consultations/{case_id}")
        assert case["status"] == "abandoned"
        assert_no_page_errors(logs)
