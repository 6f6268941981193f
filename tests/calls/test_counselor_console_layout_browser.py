"""The counselor console's tables at tablet and PC widths: no column header breaks inside a word ("Waitin g"),
the English of each header is small and marked lang="en", and each width passes axe, glyph, overflow and
language-of-parts checks (screenshots counselor-headers-<width>.png)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.a11y_support import assert_no_problems, screen_problems
from tests.browser_support import chromium_browser, sign_in  # noqa: F401 (fixture)
from tests.calls.console_support import (
    COUNSELOR,
    ConsoleDesk,
    console_desk,  # noqa: F401 (fixture)
    console_server,
)
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

WIDTHS = {768: 1024, 1024: 768, 1280: 800, 1440: 900}

# Every word of every visible header whose text sits on more than one line: a word split across lines.
_SPLIT_WORDS = """() => {
  const split = [];
  for (const th of document.querySelectorAll('.panel th')) {
    if (!th.checkVisibility()) continue;
    const walker = document.createTreeWalker(th, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const m of node.data.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const rects = [...range.getClientRects()].filter((r) => r.width > 0);
        const lines = new Set(rects.map((r) => Math.round(r.top)));
        if (lines.size > 1) split.push(`${th.textContent.trim()}: "${m[0]}" on ${lines.size} lines`);
      }
    }
  }
  return split;
}"""


def test_counselor_headers_keep_words_whole_at_tablet_and_pc_widths(
    chromium_browser: Any,  # noqa: F811
    console_desk: ConsoleDesk,  # noqa: F811
) -> None:
    desk = console_desk
    with console_server(desk) as server:
        created = httpx.post(
            f"{server.url}/api/v1/consultations",
            json={"channel": "counter", "language": "th"},
            headers={"Authorization": f"Bearer {desk.central_token}", "Idempotency-Key": "headers-0001"},
            timeout=10,
        )
        assert created.status_code == 201, created.text
        page = chromium_browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
        sign_in(page, server.url, COUNSELOR, PASSWORD)
        page.goto(f"{server.url}/counselor")
        page.wait_for_selector("body[data-ready=true]")
        expect(page.locator(f"#queue tr[data-consultation='{created.json()['id']}']")).to_have_count(1)
        headers = page.locator(".panel th small")
        assert headers.count() >= 10
        for i in range(headers.count()):
            assert headers.nth(i).get_attribute("lang") == "en"
        problems: list[str] = []
        split: dict[int, list[str]] = {}
        for width, height in WIDTHS.items():
            page.set_viewport_size({"width": width, "height": height})
            found = page.evaluate(_SPLIT_WORDS)
            if found:
                split[width] = found
            problems += screen_problems(page, f"counselor-headers-{width}")
        page.context.close()
        assert not split, split
        assert_no_problems(problems)
