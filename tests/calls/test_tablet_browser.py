"""The counter tablet in a real browser: topic pictograms (portrait and landscape), the Portuguese waiting and
thank-you screens at a satellite counter, and a double tap that makes one case."""

from __future__ import annotations

from datetime import time
from typing import Any

import pytest

from app.i18n import catalog_json, translator
from tests.a11y_support import check_viewports
from tests.browser_support import chromium_browser  # noqa: F401 (fixture)
from tests.calls.calls_support import assert_no_page_errors, choose_language, wait_for
from tests.calls.console_support import (
    DESK_PHONE,
    TABLET_LANDSCAPE,
    TABLET_PORTRAIT,
    ConsoleDesk,
    admin_get,
    console_desk,  # noqa: F401 (fixture)
    console_server,
    open_tablet,
    shot,
)

pytestmark = pytest.mark.browser

PT = catalog_json("pt")
JA = catalog_json("ja")


def _layout(page: Any) -> dict[str, Any]:
    figures: dict[str, Any] = page.evaluate(
        """() => {
          const buttons = [...document.querySelectorAll('#topic-grid button.topic')];
          const boxes = buttons.map((b) => b.getBoundingClientRect());
          return {
            count: buttons.length,
            pictograms: document.querySelectorAll('#topic-grid button.topic svg.pictogram').length,
            minWidth: Math.min(...boxes.map((b) => b.width)),
            minHeight: Math.min(...boxes.map((b) => b.height)),
            columns: new Set(boxes.map((b) => Math.round(b.left))).size,
            overflowX: document.documentElement.scrollWidth > window.innerWidth,
            labelsClipped: buttons.some((b) => b.scrollWidth > b.clientWidth + 1),
          };
        }"""
    )
    return figures


def test_console_tablet_pictograms_portrait_landscape_and_thanks_in_portuguese(
    chromium_browser: Any,  # noqa: F811
    console_desk: ConsoleDesk,  # noqa: F811
) -> None:
    desk = console_desk
    logs: list[str] = []
    with console_server(desk) as server:
        tablet = open_tablet(chromium_browser, server.url, desk.satellite_token, TABLET_PORTRAIT, logs)
        assert "矢掛" in (tablet.text_content("#site") or "")
        shot(tablet, "tablet-languages-portrait")
        choose_language(tablet, "pt")  # nobody is on yet: "not now", and the resident waits anyway
        tablet.wait_for_selector("#topics:not([hidden])")
        # resident text in Portuguese from the catalogue, Japanese underneath for the staff
        assert (tablet.text_content("#topics-title") or "").startswith(PT["topic.title"])
        assert JA["topic.title"] in (tablet.text_content("#topics-title") or "")
        # nobody is on for Portuguese: the title says so (no "a counselor will come soon")
        assert (tablet.text_content("#wait-title") or "").startswith(PT["resident.fallback_offered"])
        topics = [t["code"] for t in admin_get(server.url, "/api/v1/topics")]
        labels = tablet.eval_on_selector_all(
            "#topic-grid button.topic",
            "bs => bs.map((b) => [b.dataset.topic, b.querySelector('.own').textContent])",
        )
        assert labels == [[code, PT[f"topic.{code}"]] for code in topics]
        portrait = _layout(tablet)
        assert portrait["count"] == portrait["pictograms"] == len(topics) == 16
        assert portrait["minHeight"] >= 96 and portrait["minWidth"] >= 96, portrait  # large touch targets
        assert portrait["columns"] == 4 and not portrait["overflowX"] and not portrait["labelsClipped"], (
            portrait
        )
        shot(tablet, "tablet-topics-portrait")
        tablet.set_viewport_size(TABLET_LANDSCAPE)
        landscape = _layout(tablet)
        assert landscape["columns"] == 6 and not landscape["overflowX"], landscape
        assert landscape["minHeight"] >= 96, landscape
        shot(tablet, "tablet-topics-landscape")
        problems = check_viewports(tablet, "console-tablet-topics-pt")  # axe, missing glyphs, overflow

        # multi-select; a second tap takes a topic back
        for code in ("medical", "tax", "childcare"):
            tablet.tap(f"button.topic[data-topic={code}]")
        tablet.tap("button.topic[data-topic=tax]")
        assert tablet.get_attribute("button.topic[data-topic=tax]", "aria-pressed") == "false"
        assert tablet.get_attribute("button.topic[data-topic=medical]", "aria-pressed") == "true"
        shot(tablet, "tablet-topics-chosen-landscape")
        tablet.click("#topic-done")
        tablet.wait_for_selector("#topics[hidden]", state="attached")
        case_id = tablet.evaluate("() => window.madoguchiCall.state.consultationId")

        def saved() -> dict[str, Any] | None:
            case: dict[str, Any] = admin_get(server.url, f"/api/v1/consultations/{case_id}")
            return case if case["topic_hint"] else None

        case = wait_for(saved, 10, "the resident's topics")
        assert case["topic_hint"] == "medical" and sorted(case["topics"]) == ["childcare", "medical"]
        assert (case["channel"], case["site"], case["language"]) == ("satellite", "yakage-counter", "pt")
        assert (tablet.text_content("#cancel") or "").startswith(PT["waiting.cancel"])
        shot(tablet, "tablet-waiting-landscape")
        tablet.set_viewport_size(TABLET_PORTRAIT)
        shot(tablet, "tablet-waiting-portrait")

        tablet.click("#cancel")
        tablet.wait_for_selector("#ended:not([hidden])")
        # a cancel is not a consultation: "your request was cancelled", never "thank you for using"
        assert (tablet.text_content("#ended-text") or "").startswith(PT["resident.cancelled"])
        assert (tablet.text_content("#ended-where") or "").startswith(PT["tablet.ended_here"])  # a satellite
        assert PT["ended.phone"].replace("{phone}", DESK_PHONE) in (tablet.text_content("#ended-phone") or "")
        hours_text = tablet.text_content("#ended-hours") or ""  # the configured days: every day of the week
        assert translator("pt").format_hours(time(6), time(20)) in hours_text and "{" not in hours_text
        assert translator("pt").format_days(range(7)) in hours_text  # named in Portuguese by the server
        assert "segunda a sexta" not in hours_text
        shot(tablet, "tablet-ended-portrait")
        tablet.set_viewport_size(TABLET_LANDSCAPE)
        assert not tablet.evaluate("() => document.documentElement.scrollWidth > window.innerWidth")
        shot(tablet, "tablet-ended-landscape")
        problems += check_viewports(tablet, "console-tablet-ended-pt")
        assert not problems, "\n".join(problems)
        tablet.click("#again")
        tablet.wait_for_selector("#start:not([hidden])")
        assert tablet.evaluate("() => document.documentElement.lang") == "ja"
        assert_no_page_errors(logs)


def test_console_tablet_double_tap_makes_one_case(
    chromium_browser: Any,  # noqa: F811
    console_desk: ConsoleDesk,  # noqa: F811
) -> None:
    desk = console_desk
    logs: list[str] = []
    with console_server(desk) as server:
        tablet = open_tablet(chromium_browser, server.url, desk.central_token, TABLET_LANDSCAPE, logs)
        choose_language(tablet, "pt", "dblclick")
        tablet.wait_for_selector("#waiting:not([hidden])")
        first = tablet.evaluate("() => window.madoguchiCall.state.consultationId")
        assert first
        cases = admin_get(server.url, "/api/v1/consultations")["items"]
        assert [c["id"] for c in cases] == [first]
        assert cases[0]["channel"] == "counter" and cases[0]["site"] == "kurashiki-desk"
        tablet.click("#topic-skip")
        tablet.wait_for_selector("#topics[hidden]", state="attached")
        assert admin_get(server.url, f"/api/v1/consultations/{first}")["topic_hint"] is None
        # the next resident: a new case with a new key, again only one for a double tap
        tablet.click("#cancel")
        tablet.click("#again")
        choose_language(tablet, "en", "dblclick")
        tablet.wait_for_selector("#waiting:not([hidden])")
        second = tablet.evaluate("() => window.madoguchiCall.state.consultationId")
        ids = [c["id"] for c in admin_get(server.url, "/api/v1/consultations")["items"]]
        assert ids == [second, first] and second != first
        assert_no_page_errors(logs)
