"""The interpreter console in a real browser: the console's own camera and microphone check before going
available; a calm notice while no counselor is free (driven by the live desk, gone once one is); a ring that
names the language, channel, municipality and topic instead of their codes; and today's calls and minutes
(from the call legs, the desk's day in Asia/Tokyo), updated when a call ends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.consultation.models import CallLeg, Consultation
from app.enums import CallRole
from tests.a11y_support import assert_no_problems, check_viewports
from tests.browser_support import media_browser  # noqa: F401 (fixture)
from tests.calls.calls_support import (
    assert_no_page_errors,
    failure_evidence,
    go_available,
    open_page,
    run_apart,
    staff_database,
)
from tests.calls.console_support import (
    COUNSELOR,
    INTERPRETER,
    ConsoleDesk,
    console_desk,  # noqa: F401 (fixture)
    console_server,
    shot,
    signed_in,
)

pytestmark = pytest.mark.browser

TOKYO = ZoneInfo("Asia/Tokyo")


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


async def _stretch_leg(url: str, case_id: str, interpreter_id: int) -> int:
    """Make the interpreter's finished leg of the call 7.5 minutes long, and add one from yesterday that must
    not count; returns the whole minutes of today the console should then show."""
    async with staff_database(url) as session:
        case = await session.scalar(select(Consultation).where(Consultation.public_id == case_id))
        assert case is not None
        leg = await session.scalar(
            select(CallLeg).where(
                CallLeg.consultation_id == case.id, CallLeg.interpreter_id == interpreter_id
            )
        )
        assert leg is not None and leg.left_at is not None
        left = _aware(leg.left_at)
        leg.joined_at = left - timedelta(minutes=7, seconds=30)
        midnight = left.astimezone(TOKYO).replace(hour=0, minute=0, second=0, microsecond=0)
        session.add(
            CallLeg(
                consultation_id=case.id,
                role=CallRole.interpreter,
                participant_id=f"interp-{interpreter_id}",
                interpreter_id=interpreter_id,
                joined_at=midnight - timedelta(hours=2),
                left_at=midnight - timedelta(hours=1),
            )
        )
        await session.commit()
        return int((left - max(_aware(leg.joined_at), midnight)).total_seconds() // 60)


def test_interpreter_console__device_check_counselor_notice_ring_names_and_today(
    media_browser: Any,  # noqa: F811
    console_desk: ConsoleDesk,  # noqa: F811
) -> None:
    desk = console_desk
    logs: list[str] = []
    problems: list[str] = []
    with console_server(desk) as server:
        base = server.url
        interpreter = signed_in(media_browser, base, "/interpreter", INTERPRETER, logs)
        interpreter.set_viewport_size({"width": 1024, "height": 768})
        pages: dict[str, Any] = {"interpreter": interpreter}
        with failure_evidence(logs, pages, "interpreter-failed", shot):
            # no counselor is signed in: the console says a ring can come only once one is free
            note = interpreter.locator("#desk-note")
            expect(note).to_be_visible()
            expect(note).to_have_attribute("data-counselors", "0")
            expect(note).to_contain_text("相談員が空くと呼び出しが届きます")
            expect(note.locator("small[lang=en]")).to_have_text("A call can come when a counselor is free")
            expect(interpreter.locator("#today")).to_have_attribute("data-calls", "0")
            expect(interpreter.locator("#today-minutes")).to_contain_text("0分")
            problems += check_viewports(interpreter, "interpreter-no-counselor")

            # the console's own device check, before going available: the server echoes camera and microphone
            interpreter.click("#device-check summary")
            interpreter.click("#dc-start-check")
            expect(interpreter.locator("#dc-status")).to_have_attribute("data-done", "true", timeout=20_000)
            expect(interpreter.locator("#dc-camera")).to_have_attribute("data-ok", "true")
            expect(interpreter.locator("#dc-mic")).to_have_attribute("data-ok", "true")
            problems += check_viewports(interpreter, "interpreter-device-check")

            # a counselor comes on: once the interpreter goes available the notice gives way to the count
            counselor = open_page(media_browser, base, "/counselor", COUNSELOR, logs)
            pages["counselor"] = counselor
            counselor.set_viewport_size({"width": 1440, "height": 900})
            go_available(counselor)
            go_available(interpreter)
            expect(note).to_be_hidden()
            expect(interpreter.locator("#counselors-free")).to_contain_text("対応できる相談員 1人")
            # going available let the check's camera go
            assert interpreter.evaluate("() => document.getElementById('dc-local').srcObject.active") is False

            # a Portuguese case at the central desk, a Kurashiki resident, about health: the ring names them
            created = httpx.post(
                f"{base}/api/v1/consultations",
                json={
                    "channel": "counter",
                    "language": "pt",
                    "resident_municipality": "33202",
                    "topic_hint": "medical",
                },
                headers={"Authorization": f"Bearer {desk.central_token}", "Idempotency-Key": "ring-names-1"},
                timeout=10,
            )
            assert created.status_code == 201, created.text
            case_id = created.json()["id"]
            ring = interpreter.locator("#ring")
            expect(ring).to_be_visible(timeout=15_000)
            expect(interpreter.locator("#offer-language")).to_have_text("ポルトガル語 Portuguese")
            expect(interpreter.locator("#offer-channel")).to_have_text("窓口 Counter")
            expect(interpreter.locator("#offer-municipality")).to_have_text("倉敷市 Kurashiki")
            expect(interpreter.locator("#offer-topic")).to_have_text("医療 Medical")
            expect(interpreter.locator("#offer-language small")).to_have_attribute("lang", "en")
            ring_text = ring.inner_text()
            for code in ("pt", "counter", "33202", "medical"):
                assert code not in ring_text.split(), (code, ring_text)
            assert interpreter.get_attribute("#offer-language", "data-code") == "pt"
            assert interpreter.locator("#ring [data-unnamed]").count() == 0
            problems += check_viewports(interpreter, "interpreter-ring-names")
            expect(ring).to_be_visible()  # still ringing after the checks: accept it

            # the call: the counselor's case facts name the site, not its slug
            interpreter.click("#accept")
            expect(interpreter.locator("#call")).to_be_visible(timeout=15_000)
            # counted while it runs (read again as the leg is recorded, and every 15 s)
            expect(interpreter.locator("#today")).to_have_attribute("data-calls", "1", timeout=20_000)
            site = counselor.locator("#call-case dd[data-fact=Site]")
            expect(site).to_contain_text("倉敷市役所", timeout=15_000)
            expect(site).not_to_contain_text("kurashiki-desk")
            interpreter.click("#leave")
            expect(interpreter.locator("#call")).to_be_hidden()
            expect(interpreter.locator("#today")).to_have_attribute("data-calls", "1")
            # leaving a call that goes on sets the interpreter away, and the console says why
            expect(interpreter.locator("#available")).not_to_be_checked()
            expect(interpreter.locator("#presence-state")).to_have_attribute("data-state", "away")
            expect(interpreter.locator("#status")).to_have_attribute("data-reason", "left_call")
            expect(interpreter.locator("#status")).to_contain_text("通話を抜けたため離席にしました")

            # today's minutes come from the legs: a 7.5-minute leg today counts, yesterday's does not
            minutes = run_apart(_stretch_leg(desk.database_url, case_id, desk.interpreter_id))
            interpreter.check("#available")  # any change of presence reads the desk again
            expect(interpreter.locator("#today")).to_have_attribute("data-minutes", str(minutes))
            expect(interpreter.locator("#today")).to_have_attribute("data-calls", "1")
            expect(interpreter.locator("#today-minutes")).to_contain_text(f"{minutes}分")
            problems += check_viewports(interpreter, "interpreter-today")
        assert_no_page_errors(logs)
        assert_no_problems(problems)
