"""The whole walk of a resident at a satellite counter in Portuguese, in real browsers with real WebRTC:
the tablet at Yakage Town Office -> Português -> topic pictograms -> waiting in Portuguese -> a remote
interpreter (Chromium interpreter console) accepts -> connected, media both ways between all three -> the
counselor ends the call -> thank-you in Portuguese; the counselor logs the case in the console and it appears
in their own recent cases."""

from __future__ import annotations

from typing import Any

import pytest

from app.i18n import catalog_json
from tests.browser_support import media_browser  # noqa: F401 (fixture)
from tests.calls.calls_support import (
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
    SATELLITE,
    TABLET_LANDSCAPE,
    ConsoleDesk,
    admin_get,
    console_desk,  # noqa: F401 (fixture)
    console_server,
    open_tablet,
    shot,
    signed_in,
)

pytestmark = pytest.mark.browser

PT = catalog_json("pt")


def test_console_satellite_walk_in_portuguese(
    media_browser: Any,  # noqa: F811
    console_desk: ConsoleDesk,  # noqa: F811
) -> None:
    desk = console_desk
    logs: list[str] = []
    with console_server(desk) as server:
        base = server.url
        counselor = open_page(media_browser, base, "/counselor", COUNSELOR, logs)
        counselor.set_viewport_size({"width": 1400, "height": 900})
        go_available(counselor)
        interpreter = signed_in(media_browser, base, "/interpreter", INTERPRETER, logs)
        tablet = open_tablet(media_browser, base, desk.satellite_token, TABLET_LANDSCAPE, logs)
        pages = {"tablet": tablet, "interpreter": interpreter, "counselor": counselor}
        with failure_evidence(logs, pages, "walk-failed", shot):
            # the resident picks Português and a pictogram; nobody interprets Portuguese yet, so they wait
            choose_language(tablet, "pt", "tap")  # nobody interprets Portuguese yet: the resident waits
            tablet.wait_for_selector("#topics:not([hidden])")
            case_id = tablet.evaluate("() => window.madoguchiCall.state.consultationId")
            tablet.tap("button.topic[data-topic=medical]")
            tablet.tap("#topic-done")
            tablet.wait_for_selector("#topics[hidden]", state="attached")
            # nobody interprets Portuguese now: the title says so (no "a counselor will come soon")
            assert (tablet.text_content("#wait-title") or "").startswith(PT["resident.fallback_offered"])
            assert (tablet.text_content("#wait-position") or "").startswith(
                PT["waiting.position"][0].replace("{position}", "1")
            )
            wait_for(
                lambda: admin_get(base, f"/api/v1/consultations/{case_id}")["topic_hint"] == "medical",
                10,
                "the topic hint",
            )
            wait_for(
                lambda: counselor.locator(f"#queue tr[data-consultation='{case_id}']").count() == 1,
                10,
                "queue",
            )
            shot(tablet, "walk-tablet-waiting-pt")
            shot(counselor, "walk-counselor-queue")

            # the remote interpreter comes on: the offer rings with the satellite channel and the topic
            go_available(interpreter)
            interpreter.wait_for_selector("#ring:not([hidden])", timeout=15_000)
            assert interpreter.get_attribute("#offer-language", "data-code") == "pt"
            assert interpreter.get_attribute("#offer-channel", "data-code") == "satellite"
            assert interpreter.get_attribute("#offer-topic", "data-code") == "medical"
            assert interpreter.text_content("#offer-topic") == "医療 Medical"
            assert interpreter.text_content("#offer-channel") == "サテライト Satellite"
            # the resident's municipality is asked in the call: not yet known, and not the code "unknown"
            assert interpreter.text_content("#offer-municipality") == "未確認 Not yet known"
            shot(interpreter, "walk-interpreter-ring")
            interpreter.click("#accept")
            figures = assert_media_flowing(pages, 2)  # audio and video, every direction
        roles = {name: sorted(v["role"] for v in f.values()) for name, f in figures.items()}
        assert roles == {
            "tablet": ["counselor", "interpreter"],
            "interpreter": ["counselor", "counter_tablet"],
            "counselor": ["counter_tablet", "interpreter"],
        }
        assert (tablet.text_content("#status") or "").startswith(PT["call.connected"])
        assert tablet.evaluate("() => document.documentElement.lang") == "pt"
        wait_for(
            lambda: "医療" in (counselor.text_content("#call-case") or ""), 10, "the case facts in the call"
        )
        for name, page in pages.items():
            shot(page, f"walk-call-{name}")

        counselor.click("#end-call")
        tablet.wait_for_selector("#ended:not([hidden])", timeout=10_000)
        assert (tablet.text_content("#ended-text") or "").startswith(PT["ended.thanks"])
        assert (tablet.text_content("#ended-where") or "").startswith(PT["tablet.ended_here"])
        shot(tablet, "walk-tablet-ended-pt")

        # the record form opens for the case just ended, with the resident's pictogram choice filled in
        counselor.wait_for_selector("#record-form:not([hidden])")
        assert counselor.get_attribute("#record-case", "data-consultation") == case_id
        assert counselor.is_checked("#record-form input[name=topics][value=medical]")
        counselor.check("#record-form input[name=topics][value=welfare]")
        counselor.select_option(
            "#record-form [name=resident_municipality]", "33461"
        )  # 矢掛町, asked in the call
        counselor.select_option("#record-form [name=outcome]", "resolved")
        counselor.click("#record-form button[type=submit]")
        counselor.wait_for_selector("#record-form [data-result][data-ok=true]")
        row = f"#recent tr[data-consultation='{case_id}']"
        wait_for(lambda: counselor.get_attribute(row, "data-recorded") == "true", 10, "own recent cases")
        assert "サテライト Satellite" in (counselor.text_content(row) or "")
        shot(counselor, "walk-counselor-logged")

        record = admin_get(base, f"/api/v1/consultations/{case_id}/record")
        assert (record["channel"], record["language"], record["status"]) == ("satellite", "pt", "ended")
        assert record["resident_municipality"] == "33461"
        assert sorted(record["topics"]) == ["medical", "welfare"] and record["outcome"] == "resolved"
        assert record["derived"]["time_to_interpreter_seconds"] is not None
        case = admin_get(base, f"/api/v1/consultations/{case_id}")
        assert case["site"] == SATELLITE
        legs = {leg["role"]: leg for leg in case["call_legs"]}
        assert set(legs) == {"interpreter", "counselor", "counter_tablet"}
        assert all(leg["left_at"] is not None for leg in legs.values())
        assert len(admin_get(base, "/api/v1/consultations")["items"]) == 1
        assert_no_page_errors(logs)
