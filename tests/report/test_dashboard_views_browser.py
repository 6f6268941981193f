"""The dashboard at 1440 px in Chromium: the Total column stays in view, the stacks switch between counts,
shares (100 %) and small multiples with the keyboard, every category keeps its own colour in every view, and
the admins' billing page. Each new state gets the axe, glyph, overflow, language-of-parts and focus checks.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from app import migrate
from app.clock import Clock, ControlledClock
from app.config import Mode, Settings
from app.db import create_engine, create_sessionmaker
from app.enums import Role
from app.main import create_app
from app.report import rollup
from app.report.period import Month
from app.report.synthetic import generate_cases
from app.seed.service import seed_reference_data
from app.staff.service import create_user
from tests.a11y_support import check_viewports, screen_problems
from tests.browser_support import chromium_browser, live_server, sign_in

__all__ = ["chromium_browser"]  # the fixture, imported for pytest
pytestmark = [pytest.mark.browser]
PASSWORD = "correct horse battery"
WIDE = {"width": 1440, "height": 900}
STACKS = ("chart-municipality", "chart-language", "chart-channel")


async def _prepare(url: str, zone: Any, clock: Clock) -> None:
    engine = create_engine(url, clock=clock)
    try:
        async with create_sessionmaker(engine)() as session:
            await seed_reference_data(session)
            await create_user(
                session, username="boss", password=PASSWORD, role=Role.admin, display_name="管理者 Admin"
            )
            now = clock.now()
            start = Month.of(now, zone).plus(-11).start(zone)
            await generate_cases(session, 2500, seed=2026, start=start, end=now, zone=zone, now=now)
            await rollup.refresh(session, zone, now)
            await session.commit()
    finally:
        await engine.dispose()


@pytest.fixture
def year_of_cases(tmp_path: Path, clock: ControlledClock) -> Settings:
    url = f"sqlite+aiosqlite:///{tmp_path / 'views.db'}"
    settings = Settings(mode=Mode.dev, database_url=url, secret_key="browser-test-" + "y" * 40)
    migrate.upgrade(url)
    asyncio.run(_prepare(url, settings.zone, clock))
    return settings


def _trace_colours(page: Any, chart: str) -> list[str]:
    """The fill of each drawn bar trace's first bar (one trace per category)."""
    colours: list[str] = page.locator(f"#{chart} g.trace.bars").evaluate_all(
        "traces => traces.map(t => { const p = t.querySelector('.point path');"
        " return p ? getComputedStyle(p).fill : 'none'; })"
    )
    return colours


def _assert_distinct(page: Any, chart: str, view: str) -> int:
    colours = [c for c in _trace_colours(page, chart) if c != "none"]
    assert colours, (chart, view)
    assert len(set(colours)) == len(colours), (chart, view, colours)
    return len(colours)


def _total_cells_in_view(page: Any) -> int:
    """Every cell of every table's Total column lies within the 1440 px viewport (left to right)."""
    closed = page.locator("section.tables details:not([open]) > summary")
    while closed.count():
        closed.first.click()
    checked = 0
    for table in page.locator("section.tables table").all():
        last = table.locator("tr > :last-child")
        for i in range(last.count()):
            box = last.nth(i).bounding_box()
            assert box is not None and box["width"] > 0
            assert box["x"] >= 0 and box["x"] + box["width"] <= WIDE["width"], (i, box)
            checked += 1
    header = page.locator("section.tables table").nth(1).locator("thead tr > :last-child")
    expect(header).to_contain_text("合計")
    return checked


@pytest.mark.browser
def test_dashboard_1440__total_in_view_share_and_small_multiples(
    year_of_cases: Settings, clock: ControlledClock, chromium_browser: Any
) -> None:
    errors: list[str] = []
    problems: list[str] = []
    with live_server(create_app(year_of_cases, clock=clock)) as server:
        page = chromium_browser.new_page(viewport=WIDE, locale="ja-JP")
        page.on("pageerror", lambda e: errors.append(str(e)))
        sign_in(page, server.url, "boss", PASSWORD)
        page.goto(f"{server.url}/reports")
        for chart in STACKS:
            expect(page.locator(f"#{chart}")).to_have_attribute("data-view", "count", timeout=30_000)
        # the 15 languages make the language table wider than 1440 px: it scrolls, its Total stays at the edge
        language_box = page.locator("section.tables .scroll").nth(1)
        assert _total_cells_in_view(page) > 40
        wide = language_box.evaluate("box => box.scrollWidth > box.clientWidth")
        assert wide, "the language table fits; the sticky Total column is then not exercised"
        counts = {chart: _assert_distinct(page, chart, "count") for chart in STACKS}
        _assert_distinct(page, "chart-interpreter", "count")  # one trace per vendor
        topic_fills = page.locator("#chart-topic .point path").evaluate_all(
            "paths => paths.map(p => getComputedStyle(p).fill)"
        )
        assert len(topic_fills) > 5 and len(set(topic_fills)) == len(topic_fills), topic_fills
        problems += screen_problems(page, "dashboard-1440")

        # keyboard: from 件数 the arrow key moves to 割合, then to the small multiples
        radio = page.locator('input[name="view-municipality"][value="count"]')
        radio.focus()
        page.keyboard.press("ArrowRight")
        chart = page.locator("#chart-municipality")
        expect(chart).to_have_attribute("data-view", "share")
        expect(page.locator('input[name="view-municipality"][value="share"]')).to_be_checked()
        expect(chart.locator(".ytick text").last).to_have_text("100%")
        assert _assert_distinct(page, "chart-municipality", "share") == counts["chart-municipality"]
        problems += screen_problems(page, "dashboard-share-1440")

        page.locator('input[name="view-municipality"][value="share"]').focus()  # the checks tabbed away
        page.keyboard.press("ArrowRight")
        expect(chart).to_have_attribute("data-view", "multiples")
        # one small chart (own y axis) per municipality with cases, each titled with its name
        expect(chart.locator(".cartesianlayer > .subplot")).to_have_count(counts["chart-municipality"])
        expect(chart.locator(".annotation-text").first).to_contain_text("倉敷市")
        assert _assert_distinct(page, "chart-municipality", "multiples") == counts["chart-municipality"]
        for other in ("chart-language", "chart-channel"):
            page.locator(f'input[name="view-{other[6:]}"][value="multiples"]').check()
            expect(page.locator(f"#{other}")).to_have_attribute("data-view", "multiples")
            assert _assert_distinct(page, other, "multiples") == counts[other]
        problems += screen_problems(page, "dashboard-multiples-1440")
        problems += check_viewports(page, "dashboard-multiples")
        page.locator('input[name="view-municipality"][value="share"]').check()
        expect(chart).to_have_attribute("data-view", "share")
        problems += check_viewports(page, "dashboard-share")

        page.set_viewport_size(WIDE)
        page.goto(f"{server.url}/reports")
        page.locator("#billing-link").click()
        expect(page.locator("h1")).to_contain_text("通訳料金照合")
        assert int(page.locator("#billing-total-legs").inner_text()) > 0
        problems += screen_problems(page, "billing-1440")
        problems += check_viewports(page, "billing")
        page.close()
    assert errors == []
    assert problems == [], "\n".join(problems)
