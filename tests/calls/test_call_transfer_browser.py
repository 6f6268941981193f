"""Call transfer in real browsers: counselor A hands a running call to counselor B; A's console leaves the
call, B's console is invited and joins it, and the resident's tablet keeps talking (now to B)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser_support import media_browser  # noqa: F401 (fixture)
from tests.calls.calls_support import (
    add_counselor,
    assert_media_flowing,
    assert_no_page_errors,
    failure_evidence,
    go_available,
    open_page,
    run_apart,
    staff_database,
    wait_for,
)
from tests.calls.console_support import (
    COUNSELOR,
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

pytestmark = pytest.mark.browser

COLLEAGUE = "console-counselor-b"


async def _add_colleague(url: str) -> int:
    async with staff_database(url) as session:
        user = await add_counselor(session, COLLEAGUE, "相談員 B")
        await session.commit()
        return user.id


def test_console_transfer_hands_the_running_call_to_a_colleague(
    media_browser: Any,  # noqa: F811
    console_desk: ConsoleDesk,  # noqa: F811
) -> None:
    desk = console_desk
    colleague_id = run_apart(_add_colleague(desk.database_url))
    logs: list[str] = []
    with console_server(desk) as server:
        base = server.url
        first = open_page(media_browser, base, "/counselor", COUNSELOR, logs)
        go_available(first)
        second = signed_in(media_browser, base, "/counselor", COLLEAGUE, logs)
        tablet = open_tablet(media_browser, base, desk.central_token, TABLET_LANDSCAPE, logs)
        pages = {"tablet": tablet, "first": first, "second": second}
        with failure_evidence(logs, pages, "transfer-failed", shot):
            case_id = start_in_english(tablet)
            assert_media_flowing({"tablet": tablet, "first": first}, 1)
            first.click("#transfer")  # nobody else is free yet
            wait_for(lambda: "いません" in (first.text_content("#call-note") or ""), 10, "no colleague free")
            assert first.is_hidden("#transfer-panel")
            go_available(second)
            first.click("#transfer")
            first.wait_for_selector("#transfer-panel:not([hidden])")
            options = first.eval_on_selector_all("#transfer-to option", "os => os.map((o) => o.value)")
            assert options == [str(colleague_id)]
            assert "相談員 B" in (first.text_content("#transfer-to") or "")
            shot(first, "transfer-picker")
            first.click("#transfer-confirm")
            first.wait_for_selector("#call", state="hidden", timeout=10_000)
            assert "転送" in (first.text_content("#status") or "")
            second.wait_for_selector("#call:not([hidden])", timeout=15_000)
            figures = assert_media_flowing({"tablet": tablet, "second": second}, 1)
        assert [v["role"] for v in figures["tablet"].values()] == ["counselor"]
        assert first.evaluate("() => window.madoguchiCall.state.room") is None
        calls = admin_get(base, "/api/v1/queue")["calls"]
        assert [(c["request_id"], c["counselor_id"]) for c in calls] == [(case_id, str(colleague_id))]
        shot(second, "transfer-joined")
        second.click("#end-call")
        tablet.wait_for_selector("#ended:not([hidden])", timeout=10_000)
        legs = admin_get(base, f"/api/v1/consultations/{case_id}")["call_legs"]
        assert sorted(leg["role"] for leg in legs) == ["counselor", "counselor", "counter_tablet"]
        assert_no_page_errors(logs)
