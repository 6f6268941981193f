"""Arrangements for the console and tablet browser tests: a desk with a counselor, an admin, a Portuguese
and English interpreter, and tablets at the central desk and at a satellite counter (Yakage Town Office)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.auth.service import register_device
from app.geography.models import Site
from app.main import create_app
from tests.browser_support import ARTIFACTS, LiveServer, live_server
from tests.calls.calls_support import (
    add_admin_and_counselor,
    add_interpreter_account,
    choose_language,
    copy_template,
    open_page,
    register_tablet,
    run_apart,
    staff_database,
    wait_for,
)
from tests.calls.calls_support import admin_get as calls_admin_get
from tests.conftest import open_desk_settings

COUNSELOR = "console-counselor"
ADMIN = "console-admin"
INTERPRETER = "console-interp-pt"
SATELLITE = "yakage-counter"  # 矢掛町役場 サテライト窓口
DESK_PHONE = "086-426-3111"
TABLET_PORTRAIT = {"width": 768, "height": 1024}
TABLET_LANDSCAPE = {"width": 1024, "height": 768}


@dataclass(frozen=True)
class ConsoleDesk:
    database_url: str
    central_token: str
    satellite_token: str
    counselor_id: int
    interpreter_id: int


async def _arrange(url: str) -> ConsoleDesk:
    async with staff_database(url) as session:
        counselor = await add_admin_and_counselor(session, ADMIN, COUNSELOR, "相談員 Console")
        interpreter = await add_interpreter_account(
            session,
            INTERPRETER,
            ("pt", "en"),
            vendor="Console Interpreting",
            display_name="Intérprete",
            profile_name="Intérprete PT",
        )
        tokens = {}
        for code in ("kurashiki-desk", SATELLITE):
            site = await session.scalar(select(Site).where(Site.code == code))
            assert site is not None
            tokens[code], _ = await register_device(session, site.id, f"{code} tablet")
        await session.commit()
        return ConsoleDesk(url, tokens["kurashiki-desk"], tokens[SATELLITE], counselor.id, interpreter.id)


def arrange_console_desk(sqlite_template: Path, tmp_path: Path) -> ConsoleDesk:
    return run_apart(_arrange(copy_template(sqlite_template, tmp_path, "console.db")))


@pytest.fixture
def console_desk(sqlite_template: Path, tmp_path: Path) -> ConsoleDesk:
    """The console desk in this test's own database; import it as a fixture."""
    return arrange_console_desk(sqlite_template, tmp_path)


@contextmanager
def console_server(desk: ConsoleDesk) -> Iterator[LiveServer]:
    settings = open_desk_settings(desk.database_url, loopback_media=True, desk_phone=DESK_PHONE)
    with live_server(create_app(settings)) as server:
        yield server


def open_tablet(browser: Any, base: str, token: str, viewport: dict[str, int], logs: list[str]) -> Any:
    context = browser.new_context(viewport=viewport, has_touch=True)
    page = context.new_page()
    page.on("console", lambda m: logs.append(f"tablet: {m.type}: {m.text}"))
    page.on("pageerror", lambda e: logs.append(f"tablet: pageerror: {e}"))
    page.goto(f"{base}/tablet")
    register_tablet(page, token, "pt")
    page.wait_for_function("() => document.querySelector('#site').textContent.length > 0")
    return page


def signed_in(browser: Any, base: str, path: str, username: str, logs: list[str]) -> Any:
    """A staff page signed in and linked to the live desk, but not yet available for calls."""
    page = open_page(browser, base, path, username, logs)
    page.wait_for_selector("#link[data-state=open]")
    return page


def start_in_english(tablet: Any) -> str:
    """The resident taps English on the tablet; returns the new case's id."""
    choose_language(tablet, "en")
    case_id: str = wait_for(
        lambda: tablet.evaluate("() => window.madoguchiCall.state.consultationId"), 10, "case"
    )
    return case_id


def admin_get(base: str, path: str) -> Any:
    """What an admin reads through the API (the tests' view of the database)."""
    return calls_admin_get(base, path, ADMIN)


def shot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"console-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
