"""Arrangements for the console and tablet browser tests: a desk with a counselor, an admin, a Portuguese
and English interpreter, and tablets at the central desk and at a satellite counter (Yakage Town Office)."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from app.auth.service import register_device
from app.db import create_engine, create_sessionmaker
from app.enums import Role
from app.geography.models import Site
from app.interpreter.models import Interpreter
from app.language.models import Language
from app.main import create_app
from app.staff.service import create_user
from tests.browser_support import ARTIFACTS, LiveServer, live_server
from tests.conftest import PASSWORD, open_desk_settings

COUNSELOR = "console-counselor"
ADMIN = "console-admin"
INTERPRETER = "console-interp-pt"
SATELLITE = "yakage-counter"  # 矢掛町役場 サテライト窓口
DESK_PHONE = "086-426-3111"


@dataclass(frozen=True)
class ConsoleDesk:
    database_url: str
    central_token: str
    satellite_token: str
    counselor_id: int
    interpreter_id: int


async def _arrange(url: str) -> ConsoleDesk:
    import app.staff.service as staff_service
    from tests.conftest import _hashed

    original = staff_service.hash_password
    staff_service.hash_password = _hashed  # type: ignore[assignment]  # Argon2 once, not per user
    engine = create_engine(url)
    try:
        async with create_sessionmaker(engine)() as session:
            await create_user(session, username=ADMIN, password=PASSWORD, role=Role.admin)
            counselor = await create_user(
                session,
                username=COUNSELOR,
                password=PASSWORD,
                role=Role.counselor,
                display_name="相談員 Console",
                language_codes=("ja", "en"),
            )
            user = await create_user(
                session,
                username=INTERPRETER,
                password=PASSWORD,
                role=Role.interpreter,
                display_name="Intérprete",
            )
            languages = list(
                (await session.scalars(select(Language).where(Language.code.in_(("pt", "en"))))).all()
            )
            interpreter = Interpreter(
                display_name="Intérprete PT",
                vendor="Console Interpreting",
                safety_cleared=True,
                staff_user_id=user.id,
                languages=languages,
            )
            session.add(interpreter)
            tokens = {}
            for code in ("kurashiki-desk", SATELLITE):
                site = await session.scalar(select(Site).where(Site.code == code))
                assert site is not None
                tokens[code], _ = await register_device(session, site.id, f"{code} tablet")
            await session.commit()
            return ConsoleDesk(url, tokens["kurashiki-desk"], tokens[SATELLITE], counselor.id, interpreter.id)
    finally:
        staff_service.hash_password = original
        await engine.dispose()


def arrange_console_desk(sqlite_template: Path, tmp_path: Path) -> ConsoleDesk:
    path = tmp_path / "console.db"
    shutil.copyfile(sqlite_template, path)
    # in a thread of its own: Playwright's sync API keeps an event loop running in this one
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, _arrange(f"sqlite+aiosqlite:///{path}")).result()


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
    page.fill("#device-token", token)
    page.click("#save-token")
    page.wait_for_selector("#link[data-state=open]")
    page.wait_for_selector("button[data-language=pt]")
    page.wait_for_function("() => document.querySelector('#site').textContent.length > 0")
    return page


def admin_get(base: str, path: str) -> Any:
    """What an admin reads through the API (the tests' view of the database)."""
    with httpx.Client(base_url=base) as client:
        assert (
            client.post("/api/v1/auth/login", json={"username": ADMIN, "password": PASSWORD}).status_code
            == 200
        )
        response = client.get(path)
        assert response.status_code == 200, response.text
        return response.json()


def shot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"console-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
