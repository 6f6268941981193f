"""The resident's side of a call at the counter tablet, in a real browser with real WebRTC: the interpreter is
the main picture, every picture says who it is in the resident's language, the controls work (mute stops the
audio bytes that leave the tablet, camera off stops its video frames) and a dropped link shows "reconnecting"
until it is whole again. In Nepali, Thai, Portuguese and Ukrainian, at tablet landscape, tablet portrait and
phone size, with axe, glyph, overflow and language-of-parts checks on the call and the reconnecting state.

One browser and one desk: the four languages are four calls in a row with the same counselor and interpreter.
"""

from __future__ import annotations

import re
import sqlite3
import time
from typing import Any

import pytest

from app.i18n import catalog_json
from tests.a11y_support import assert_no_problems, screen_problems
from tests.browser_support import media_browser  # noqa: F401 (fixture)
from tests.calls.calls_support import (
    INTERPRETERS,
    Desk,
    arrange_desk,
    assert_no_page_errors,
    available_staff,
    choose_language,
    desk_server,
    failure_evidence,
    register_tablet,
    stats,
    wait_for,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LANGUAGES = ("ne", "th", "pt", "uk")
SIZES = {
    "tablet-landscape": {"width": 1024, "height": 768},
    "tablet-portrait": {"width": 768, "height": 1024},
    "phone": {"width": 390, "height": 844},
}
WIDE = {"width": 1280, "height": 800}
COUNSELOR_NAME = "相談員 Calls"  # the display name calls_support gives the desk's counselor


@pytest.fixture
def layout_desk(sqlite_template: Any, tmp_path: Any) -> Desk:
    """The calls desk with interpreters for the four languages of this walk. Ukrainian is by reservation in
    the reference data; this desk serves it live too (its interpreters are on), as the others."""
    desk = arrange_desk(sqlite_template, tmp_path, LANGUAGES)
    with sqlite3.connect(desk.database_url.removeprefix("sqlite+aiosqlite:///")) as db:
        db.execute("UPDATE language SET service_mode = 'remote' WHERE code = 'uk'")
    return desk


class Link:
    """The tablet's websocket through Playwright's WebSocket routing, so the test can cut it and keep it cut
    (reconnect attempts are refused) until it lets it through again."""

    def __init__(self) -> None:
        self.blocked = False
        self.open: list[tuple[Any, Any]] = []

    def route(self, ws: Any) -> None:
        if self.blocked:
            ws.close()
            return
        self.open.append((ws, ws.connect_to_server()))

    def cut(self) -> None:
        self.blocked = True
        for page_side, server_side in self.open:
            server_side.close()
            page_side.close()
        self.open.clear()

    def restore(self) -> None:
        self.blocked = False


def open_tablet(browser: Any, base: str, token: str, logs: list[str], link: Link) -> Any:
    context = browser.new_context(viewport=SIZES["tablet-landscape"], has_touch=True)
    page = context.new_page()
    page.on("console", lambda m: logs.append(f"tablet: {m.type}: {m.text}"))
    page.on("pageerror", lambda e: logs.append(f"tablet: pageerror: {e}"))
    page.route_web_socket(re.compile(r".*/ws$"), link.route)
    page.goto(f"{base}/tablet")
    register_tablet(page, token, "ne")
    return page


def tiles(page: Any) -> dict[str, dict[str, Any]]:
    """Each remote picture by role: its caption, whether it is the main one, and its size on screen."""
    found: dict[str, dict[str, Any]] = page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('#remotes figure.tile')].map((t) => {
             const box = t.getBoundingClientRect();
             return [t.dataset.role, {caption: t.querySelector('figcaption').textContent,
               main: t.dataset.main === 'true', width: box.width, height: box.height}];
           }))"""
    )
    return found


def control_boxes(page: Any) -> dict[str, dict[str, float]]:
    boxes: dict[str, dict[str, float]] = page.evaluate(
        """() => Object.fromEntries(['mic', 'camera', 'speaker'].map((id) => {
             const box = document.getElementById(id).getBoundingClientRect();
             return [id, {width: box.width, height: box.height}];
           }))"""
    )
    return boxes


def peers(page: Any, key: str) -> int:
    """How many of the tablet's peer connections have `key` (a getStats figure) above zero; for
    "connection", how many are connected."""
    figures = stats(page).values()
    if key == "connection":
        return len([p for p in figures if p["connection"] == "connected"])
    return len([p for p in figures if p[key] > 0])


def sent(page: Any, key: str) -> int:
    """What the tablet has sent so far (outbound-rtp `key`), summed over its peer connections."""
    return sum(int(peer[key]) for peer in stats(page).values())


def assert_stops(page: Any, key: str) -> None:
    """`key` stays put: read after packets already on their way were counted, then again 1.5 s later."""
    time.sleep(0.6)
    before = sent(page, key)
    time.sleep(1.5)
    after = sent(page, key)
    assert after == before, f"{key} kept rising while off: {before} -> {after}"


def assert_rises(page: Any, key: str) -> None:
    before = sent(page, key)
    wait_for(lambda: sent(page, key) > before, 10, f"{key} rising again")


def assert_layout(page: Any, cat: dict[str, str], size: str, interpreter_name: str) -> None:
    """The interpreter is the main, larger picture; each picture names role and person; large controls."""
    shown = tiles(page)
    assert set(shown) == {"interpreter", "counselor"}, shown
    main, other = shown["interpreter"], shown["counselor"]
    assert main["main"] and not other["main"], shown
    assert main["width"] >= 1.5 * other["width"] and main["height"] > other["height"], (size, shown)
    assert cat["resident.role_interpreter"] in main["caption"] and interpreter_name in main["caption"], main
    assert cat["resident.role_counselor"] in other["caption"] and COUNSELOR_NAME in other["caption"], other
    assert cat["call.you"] in (page.text_content("#self-label") or "")
    for name, box in control_boxes(page).items():
        assert box["width"] >= 48 and box["height"] >= 48, (size, name, box)


def start_call(tablet: Any, interpreter: Any, lang: str) -> None:
    choose_language(tablet, lang)
    interpreter.wait_for_selector("#ring:not([hidden])", timeout=20_000)
    interpreter.click("#accept")
    tablet.wait_for_selector("#call:not([hidden])", timeout=15_000)
    tablet.wait_for_selector("#remotes figure.tile[data-role=interpreter] figcaption .name", timeout=20_000)
    tablet.wait_for_selector("#remotes figure.tile[data-role=counselor] figcaption .name", timeout=20_000)
    wait_for(lambda: peers(tablet, "framesDecoded") == 2, 20, "two pictures")


def end_call(tablet: Any, counselor: Any) -> None:
    counselor.click("#end-call")
    tablet.wait_for_selector("#ended:not([hidden])", timeout=15_000)
    tablet.click("#again")
    tablet.wait_for_selector("#start:not([hidden])")


def controls_work(tablet: Any, counselor: Any, cat: dict[str, str]) -> None:
    """Mute, camera and speaker: aria-pressed follows, and what leaves the tablet stops and starts again."""
    wait_for(lambda: sent(tablet, "sentAudioBytes") > 0 and sent(tablet, "framesSent") > 0, 15, "sending")
    assert (tablet.text_content("#mic") or "").startswith(cat["call.mute"])
    assert tablet.get_attribute("#mic-level", "aria-label") == cat["call.mic_level"]
    # the microphone level moves with the fake microphone's beeps
    wait_for(lambda: tablet.evaluate("() => document.getElementById('mic-level').value") > 0, 10, "a level")

    tablet.click("#mic")
    assert tablet.get_attribute("#mic", "aria-pressed") == "true"
    assert_stops(tablet, "sentAudioBytes")
    tablet.click("#mic")
    assert tablet.get_attribute("#mic", "aria-pressed") == "false"
    assert_rises(tablet, "sentAudioBytes")

    tablet.click("#camera")
    assert tablet.get_attribute("#camera", "aria-pressed") == "true"
    assert_stops(tablet, "framesSent")
    # the others are told: the counselor's console shows the tablet as voice only
    counselor.wait_for_selector("figure.tile[data-role=counter_tablet][data-mode=audio]", timeout=5_000)
    tablet.click("#camera")
    assert_rises(tablet, "framesSent")
    counselor.wait_for_selector("figure.tile[data-role=counter_tablet][data-mode=video]", timeout=5_000)

    tablet.click("#speaker")
    assert tablet.get_attribute("#speaker", "aria-pressed") == "true"
    assert tablet.evaluate("() => [...document.querySelectorAll('#remotes video')].every((v) => v.muted)")
    tablet.click("#speaker")
    assert tablet.evaluate("() => [...document.querySelectorAll('#remotes video')].every((v) => !v.muted)")


def reconnecting_shows(tablet: Any, link: Link, cat: dict[str, str], lang: str) -> list[str]:
    """The link drops mid-call and stays down: the banner in the resident's language (checked at every size);
    then it comes back: the tablet rejoins, the banner goes, both pictures return with their names."""
    link.cut()
    tablet.wait_for_selector("#call[data-link=reconnecting] #reconnecting:not([hidden])")
    assert (tablet.text_content("#reconnecting") or "").startswith(cat["call.reconnecting"])
    problems: list[str] = []
    for size, viewport in SIZES.items():
        tablet.set_viewport_size(viewport)
        problems += screen_problems(tablet, f"call-layout-{lang}-{size}-reconnecting")
    tablet.set_viewport_size(SIZES["tablet-landscape"])
    link.restore()
    tablet.wait_for_selector("#call[data-link=ok] #reconnecting[hidden]", state="attached", timeout=30_000)
    wait_for(lambda: peers(tablet, "connection") == 2, 30, "both peers again")
    tablet.wait_for_selector("#remotes figure.tile[data-role=interpreter] figcaption .name", timeout=20_000)
    tablet.wait_for_selector("#remotes figure.tile[data-role=counselor] figcaption .name", timeout=20_000)
    assert tablet.get_attribute("#call", "data-link") == "ok"
    assert_layout(tablet, cat, "after reconnecting", INTERPRETERS[0])
    return problems


def test_call_layout__four_languages_three_sizes_controls_and_reconnecting(
    media_browser: Any,  # noqa: F811
    layout_desk: Desk,
) -> None:
    desk = layout_desk
    logs: list[str] = []
    problems: list[str] = []
    link = Link()
    with desk_server(desk, wrap_up_seconds=0) as server:
        counselor, interpreter = available_staff(media_browser, server.url, logs)
        tablet = open_tablet(media_browser, server.url, desk.device_token, logs, link)
        pages = {"tablet": tablet, "interpreter": interpreter, "counselor": counselor}
        with failure_evidence(logs, pages, "call-layout-failed"):
            for lang in LANGUAGES:
                cat = catalog_json(lang)
                tablet.set_viewport_size(SIZES["tablet-landscape"])
                start_call(tablet, interpreter, lang)
                assert tablet.evaluate("() => document.documentElement.lang") == lang
                for size, viewport in SIZES.items():
                    tablet.set_viewport_size(viewport)
                    assert_layout(tablet, cat, size, INTERPRETERS[0])
                    problems += screen_problems(tablet, f"call-layout-{lang}-{size}")
                if lang == "ne":
                    tablet.set_viewport_size(WIDE)
                    assert_layout(tablet, cat, "1280x800", INTERPRETERS[0])
                    tablet.set_viewport_size(SIZES["tablet-landscape"])
                    controls_work(tablet, counselor, cat)

                    problems += reconnecting_shows(tablet, link, cat, lang)
                end_call(tablet, counselor)
        assert_no_problems(problems)
        assert_no_page_errors(logs)
