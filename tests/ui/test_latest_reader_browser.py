"""`latestReader` (shared api.js) in a real browser. Consoles refresh from timers, pushes and clicks at once,
and an older answer that arrives last must not overwrite a newer one: the interpreter's minutes today once
showed 0 after a call, because a read started before the call was logged answered after a later read."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import app.ui
from tests.browser_support import chromium_browser  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser

ORIGIN = "http://madoguchi.test"
API_JS = Path(app.ui.__file__).parent / "shared" / "static" / "api.js"


def _page_with_held_reads(browser: Any) -> tuple[Any, list[Any]]:
    """A page whose api.js is the real one and whose reads of /api/v1/figures are held until the test answers
    them, in whatever order it likes."""
    page = browser.new_page()
    held: list[Any] = []
    page.route(
        f"{ORIGIN}/", lambda route: route.fulfill(content_type="text/html", body="<!doctype html><p>x")
    )
    page.route(
        f"{ORIGIN}/assets/shared/api.js",
        lambda route: route.fulfill(content_type="text/javascript", body=API_JS.read_text(encoding="utf-8")),
    )
    page.route(f"{ORIGIN}/api/v1/figures", lambda route: held.append(route))
    page.goto(f"{ORIGIN}/")
    page.evaluate(
        """async () => {
            const { latestReader } = await import("/assets/shared/api.js");
            const read = latestReader("/api/v1/figures");
            window.answers = [];
            window.readOnce = (label) => read().then((body) => window.answers.push([label, body]));
        }"""
    )
    return page, held


def _wait_for_held(page: Any, held: list[Any], count: int) -> None:
    for _ in range(100):
        if len(held) >= count:
            return
        page.wait_for_timeout(20)
    raise AssertionError(f"{len(held)} of {count} reads reached the network")


def test_latest_reader__an_older_answer_arriving_last_is_dropped(chromium_browser: Any) -> None:  # noqa: F811
    page, held = _page_with_held_reads(chromium_browser)
    page.evaluate("() => { readOnce('older'); readOnce('newer'); }")
    _wait_for_held(page, held, 2)
    older, newer = held
    newer.fulfill(json={"minutes": 7})
    page.wait_for_function("() => window.answers.length === 1")
    older.fulfill(json={"minutes": 0})
    page.wait_for_function("() => window.answers.length === 2")
    assert page.evaluate("() => window.answers") == [["newer", {"minutes": 7}], ["older", None]]


def test_latest_reader__answers_in_order_are_all_used_and_a_failure_is_null(chromium_browser: Any) -> None:  # noqa: F811
    page, held = _page_with_held_reads(chromium_browser)
    page.evaluate("() => { readOnce('first'); }")
    _wait_for_held(page, held, 1)
    held[0].fulfill(json={"minutes": 1})
    page.wait_for_function("() => window.answers.length === 1")
    page.evaluate("() => { readOnce('second'); }")
    _wait_for_held(page, held, 2)
    held[1].fulfill(json={"minutes": 2})
    page.wait_for_function("() => window.answers.length === 2")
    page.evaluate("() => { readOnce('failed'); }")
    _wait_for_held(page, held, 3)
    held[2].fulfill(status=503, json={"detail": "busy"})
    page.wait_for_function("() => window.answers.length === 3")
    assert page.evaluate("() => window.answers") == [
        ["first", {"minutes": 1}],
        ["second", {"minutes": 2}],
        ["failed", None],
    ]
