"""Call transfer in real browsers: counselor A hands a running call to counselor B; A's console leaves the
call, B's console is invited and joins it, and the resident's tablet keeps talking (now to B)."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from app.db import create_engine, create_sessionmaker
from app.enums import Role
from app.staff.service import create_user
from tests.browser_support import media_browser  # noqa: F401 (fixture)
from tests.calls.calls_support import assert_media_flowing, go_available, open_page, wait_for
from tests.conftest import PASSWORD, _hashed
from tests.console.console_support import (
    COUNSELOR,
    ConsoleDesk,
    admin_get,
    arrange_console_desk,
    console_server,
    open_tablet,
    shot,
)

pytestmark = pytest.mark.browser

COLLEAGUE = "console-counselor-b"
LANDSCAPE = {"width": 1024, "height": 768}


async def _add_colleague(url: str) -> int:
    import app.staff.service as staff_service

    original = staff_service.hash_password
    staff_service.hash_password = _hashed  # type: ignore[assignment]  # Argon2 once, not per user
    engine = create_engine(url)
    try:
        async with create_sessionmaker(engine)() as session:
            user = await create_user(
                session,
                username=COLLEAGUE,
                password=PASSWORD,
                role=Role.counselor,
                display_name="相談員 B",
                language_codes=("ja", "en"),
            )
            await session.commit()
            return user.id
    finally:
        staff_service.hash_password = original
        await engine.dispose()


def _colleague(desk: ConsoleDesk) -> int:
    with ThreadPoolExecutor(1) as pool:  # Playwright's sync API keeps an event loop running in this thread
        return pool.submit(asyncio.run, _add_colleague(desk.database_url)).result()


def test_console_transfer_hands_the_running_call_to_a_colleague(
    media_browser: Any,  # noqa: F811
    sqlite_template: Path,
    tmp_path: Path,
) -> None:
    desk = arrange_console_desk(sqlite_template, tmp_path)
    colleague_id = _colleague(desk)
    logs: list[str] = []
    with console_server(desk) as server:
        base = server.url
        first = open_page(media_browser, base, "/counselor", COUNSELOR, logs)
        go_available(first)
        second = open_page(media_browser, base, "/counselor", COLLEAGUE, logs)
        second.wait_for_selector("#link[data-state=open]")
        tablet = open_tablet(media_browser, base, desk.central_token, LANDSCAPE, logs)
        try:
            tablet.click("button[data-language=en]")
            case_id = wait_for(
                lambda: tablet.evaluate("() => window.madoguchiCall.state.consultationId"), 10, "case"
            )
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
        except Exception:
            for name, page in (("tablet", tablet), ("first", first), ("second", second)):
                shot(page, f"transfer-failed-{name}")
            raise AssertionError("\n".join(logs[-60:])) from None
        assert [v["role"] for v in figures["tablet"].values()] == ["counselor"]
        assert first.evaluate("() => window.madoguchiCall.state.room") is None
        calls = admin_get(base, "/api/v1/queue")["calls"]
        assert [(c["request_id"], c["counselor_id"]) for c in calls] == [(case_id, str(colleague_id))]
        shot(second, "transfer-joined")
        second.click("#end-call")
        tablet.wait_for_selector("#ended:not([hidden])", timeout=10_000)
        legs = admin_get(base, f"/api/v1/consultations/{case_id}")["call_legs"]
        assert sorted(leg["role"] for leg in legs) == ["counselor", "counselor", "counter_tablet"]
        assert not [line for line in logs if "pageerror" in line], logs
