"""Shared arrangements for the call tests and the set-up benchmark: a desk database with people and a tablet,
an app on a real uvicorn, and Playwright helpers that read the call pages' WebRTC figures."""

from __future__ import annotations

import asyncio
import functools
import shutil
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from app.auth.service import register_device
from app.db import create_engine, create_sessionmaker
from app.enums import Role
from app.geography.models import Site
from app.interpreter.models import Interpreter
from app.language.models import Language
from app.main import create_app
from app.security.passwords import hash_password
from app.staff.service import create_user
from tests.browser_support import ARTIFACTS, LiveServer, live_server, sign_in
from tests.conftest import PASSWORD, open_desk_settings

COUNSELOR = "calls-counselor"
ADMIN = "calls-admin"
INTERPRETERS = ("calls-interp-1", "calls-interp-2")


@dataclass(frozen=True)
class Desk:
    database_url: str
    device_token: str
    interpreter_ids: dict[str, int]
    counselor_id: int


@functools.cache
def _hashed(password: str) -> str:
    return hash_password(password)


async def _arrange(url: str, interpreter_languages: tuple[str, ...]) -> Desk:
    import app.staff.service as staff_service

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
                display_name="相談員 Calls",
                language_codes=("ja", "en"),
            )
            langs = list(
                (
                    await session.scalars(select(Language).where(Language.code.in_(interpreter_languages)))
                ).all()
            )
            ids: dict[str, int] = {}
            for username in INTERPRETERS:
                user = await create_user(
                    session,
                    username=username,
                    password=PASSWORD,
                    role=Role.interpreter,
                    display_name=username,
                )
                interpreter = Interpreter(
                    display_name=username,
                    vendor="Calls Interpreting",
                    safety_cleared=True,
                    staff_user_id=user.id,
                    languages=langs,
                )
                session.add(interpreter)
                await session.flush()
                ids[username] = interpreter.id
            site = await session.scalar(select(Site).where(Site.code == "kurashiki-desk"))
            assert site is not None
            token, _ = await register_device(session, site.id, "calls tablet")
            await session.commit()
            return Desk(url, token, ids, counselor.id)
    finally:
        staff_service.hash_password = original
        await engine.dispose()


def arrange_desk(sqlite_template: Path, tmp_path: Path, languages: tuple[str, ...] = ("ne",)) -> Desk:
    path = tmp_path / "calls.db"
    shutil.copyfile(sqlite_template, path)
    url = f"sqlite+aiosqlite:///{path}"
    # in a thread of its own: Playwright's sync API keeps an event loop running in this one
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, _arrange(url, languages)).result()


@contextmanager
def desk_server(desk: Desk, **overrides: object) -> Iterator[LiveServer]:
    settings = open_desk_settings(desk.database_url, loopback_media=True, **overrides)
    with live_server(create_app(settings)) as server:
        yield server


def wait_for(check: Callable[[], Any], timeout: float = 15, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.1)


def open_page(
    browser: Any,
    base: str,
    path: str,
    user: str | None = None,
    logs: list[str] | None = None,
    init_script: str | None = None,
) -> Any:
    context = browser.new_context(viewport={"width": 1100, "height": 760})
    if init_script:
        context.add_init_script(init_script)
    page = context.new_page()
    if logs is not None:
        page.on("console", lambda m: logs.append(f"{path}: {m.type}: {m.text}"))
        page.on("pageerror", lambda e: logs.append(f"{path}: pageerror: {e}"))
    if user is not None:
        sign_in(page, base, user, PASSWORD)
    page.goto(f"{base}{path}")
    return page


def go_available(page: Any) -> None:
    page.wait_for_selector("#link[data-state=open]")
    page.check("#available")
    page.wait_for_selector("#presence-state[data-state=available]")


def stats(page: Any) -> dict[str, dict[str, Any]]:
    result: dict[str, dict[str, Any]] = page.evaluate("() => window.madoguchiCall.stats()")
    return result


def connected_peers(page: Any, count: int) -> dict[str, dict[str, Any]] | None:
    figures = stats(page)
    live = {k: v for k, v in figures.items() if v["connection"] == "connected" and v["framesDecoded"] > 0}
    return figures if len(live) == count else None


def assert_media_flowing(pages: dict[str, Any], peers_each: int) -> dict[str, dict[str, dict[str, Any]]]:
    """On every page, every remote peer's inbound audio and video bytes and decoded frames keep rising."""
    for name, page in pages.items():
        wait_for(
            lambda page=page: connected_peers(page, peers_each), 20, f"{name}: {peers_each} peers with video"
        )
    first = {name: stats(page) for name, page in pages.items()}
    time.sleep(1.5)
    second = {name: stats(page) for name, page in pages.items()}
    for name in pages:
        assert len(second[name]) == peers_each, (name, second[name])
        for peer, after in second[name].items():
            before = first[name][peer]
            for key in ("audioBytes", "videoBytes", "framesDecoded"):
                assert after[key] > before[key], f"{name} <- {peer}: {key} did not rise ({before} -> {after})"
    return second


def screenshot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"calls-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
