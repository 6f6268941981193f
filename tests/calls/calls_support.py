"""Shared arrangements for the call tests and the set-up benchmark: a desk database with people and a tablet,
an app on a real uvicorn, and Playwright helpers that read the call pages' WebRTC figures."""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.service import register_device
from app.db import create_engine, create_sessionmaker
from app.enums import Role
from app.geography.models import Site
from app.interpreter.models import Interpreter
from app.language.models import Language
from app.main import create_app
from app.staff.models import StaffUser
from app.staff.service import create_user
from tests.browser_support import ARTIFACTS, LiveServer, live_server, sign_in
from tests.conftest import PASSWORD, _hashed, open_desk_settings

COUNSELOR = "calls-counselor"
ADMIN = "calls-admin"
INTERPRETERS = ("calls-interp-1", "calls-interp-2")
T = TypeVar("T")


@dataclass(frozen=True)
class Desk:
    database_url: str
    device_token: str
    interpreter_ids: dict[str, int]
    counselor_id: int


@asynccontextmanager
async def staff_database(url: str) -> AsyncIterator[AsyncSession]:
    """A session on a test desk's database for arranging people, with Argon2 run once per password rather
    than once per user (the real hash, only cached)."""
    import app.staff.service as staff_service

    original = staff_service.hash_password
    staff_service.hash_password = _hashed  # type: ignore[assignment]
    engine = create_engine(url)
    try:
        async with create_sessionmaker(engine)() as session:
            yield session
    finally:
        staff_service.hash_password = original
        await engine.dispose()


def run_apart(coro: Coroutine[Any, Any, T]) -> T:
    """Run an arrangement in a thread of its own: Playwright's sync API keeps an event loop running here."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def copy_template(sqlite_template: Path, tmp_path: Path, name: str) -> str:
    """The test's own copy of the migrated SQLite template, as a database URL."""
    path = tmp_path / name
    shutil.copyfile(sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"


async def add_counselor(session: AsyncSession, username: str, display_name: str) -> StaffUser:
    """A counselor who speaks Japanese and English."""
    return await create_user(
        session,
        username=username,
        password=PASSWORD,
        role=Role.counselor,
        display_name=display_name,
        language_codes=("ja", "en"),
    )


async def add_admin_and_counselor(
    session: AsyncSession, admin: str, counselor: str, display_name: str
) -> StaffUser:
    """The desk's admin, and a counselor (`add_counselor`); returns the counselor."""
    await create_user(session, username=admin, password=PASSWORD, role=Role.admin)
    return await add_counselor(session, counselor, display_name)


async def add_interpreter_account(
    session: AsyncSession,
    username: str,
    languages: tuple[str, ...],
    *,
    vendor: str,
    display_name: str | None = None,
    profile_name: str | None = None,
) -> Interpreter:
    """An interpreter's sign-in account and its safety-cleared profile for `languages` (flushed, so it has
    an id)."""
    user = await create_user(
        session,
        username=username,
        password=PASSWORD,
        role=Role.interpreter,
        display_name=display_name or username,
    )
    langs = list((await session.scalars(select(Language).where(Language.code.in_(languages)))).all())
    interpreter = Interpreter(
        display_name=profile_name or display_name or username,
        vendor=vendor,
        safety_cleared=True,
        staff_user_id=user.id,
        languages=langs,
    )
    session.add(interpreter)
    await session.flush()
    return interpreter


async def _arrange(url: str, interpreter_languages: tuple[str, ...]) -> Desk:
    async with staff_database(url) as session:
        counselor = await add_admin_and_counselor(session, ADMIN, COUNSELOR, "相談員 Calls")
        ids: dict[str, int] = {}
        for username in INTERPRETERS:
            interpreter = await add_interpreter_account(
                session, username, interpreter_languages, vendor="Calls Interpreting"
            )
            ids[username] = interpreter.id
        site = await session.scalar(select(Site).where(Site.code == "kurashiki-desk"))
        assert site is not None
        token, _ = await register_device(session, site.id, "calls tablet")
        await session.commit()
        return Desk(url, token, ids, counselor.id)


def arrange_desk(sqlite_template: Path, tmp_path: Path, languages: tuple[str, ...] = ("ne",)) -> Desk:
    return run_apart(_arrange(copy_template(sqlite_template, tmp_path, "calls.db"), languages))


@pytest.fixture
def desk(sqlite_template: Path, tmp_path: Path) -> Desk:
    """The calls desk (Nepali interpreters) in this test's own database; import it as a fixture."""
    return arrange_desk(sqlite_template, tmp_path)


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


def register_tablet(page: Any, token: str, language: str) -> None:
    """On an opened /tablet page: save the device token, wait for the live link and `language`'s button."""
    page.fill("#device-token", token)
    page.click("#save-token")
    page.wait_for_selector("#link[data-state=open]")
    page.wait_for_selector(f"button[data-language={language}]")


def choose_language(tablet: Any, language: str, how: str = "click") -> None:
    """The resident taps `language` on the tablet (`how`: click, dblclick or tap). When nobody can serve it
    this minute the tablet says so first ("not now"); the resident then chooses to wait anyway."""
    act = getattr(tablet, how)
    act(f"button[data-language={language}]")
    tablet.wait_for_selector("#unavailable:not([hidden]), #waiting:not([hidden]), #call:not([hidden])")
    if tablet.is_visible("#unavailable"):
        act("#na-wait")
        tablet.wait_for_selector("#waiting:not([hidden]), #call:not([hidden])")


def go_available(page: Any) -> None:
    page.wait_for_selector("#link[data-state=open]")
    page.check("#available")
    page.wait_for_selector("#presence-state[data-state=available]")


def available_staff(
    browser: Any,
    base: str,
    logs: list[str],
    interpreter: str = INTERPRETERS[0],
    init_script: str | None = None,
) -> tuple[Any, Any]:
    """The counselor and one interpreter signed in and available: how every call walk starts."""
    counselor = open_page(browser, base, "/counselor", COUNSELOR, logs)
    go_available(counselor)
    interpreter_page = open_page(browser, base, "/interpreter", interpreter, logs, init_script=init_script)
    go_available(interpreter_page)
    return counselor, interpreter_page


def accept_ring(
    page: Any, channel: str | None = None, language: str | None = None, timeout: float = 15_000
) -> None:
    """The interpreter's ring shows (with the offer's channel and language, when given), then is accepted."""
    page.wait_for_selector("#ring:not([hidden])", timeout=timeout)
    if channel is not None:
        assert page.get_attribute("#offer-channel", "data-code") == channel
    if language is not None:
        assert page.get_attribute("#offer-language", "data-code") == language
    page.click("#accept")


@contextmanager
def admin_client(base: str, username: str = ADMIN) -> Iterator[httpx.Client]:
    """An API client signed in as the desk's admin, to read cases and reservations as they were stored."""
    with httpx.Client(base_url=base) as client:
        me = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
        assert me.status_code == 200, me.text
        yield client


def admin_get(base: str, path: str, username: str = ADMIN) -> Any:
    """One GET as the admin; the body, once the answer was 200."""
    with admin_client(base, username) as client:
        response = client.get(path)
        assert response.status_code == 200, response.text
        return response.json()


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


def audio_from(page: Any, participant: str) -> int:
    """Inbound audio bytes from one participant, 0 while it is not connected."""
    figures = stats(page).get(participant)
    return 0 if figures is None or figures["connection"] != "connected" else int(figures["audioBytes"])


def assert_audio_rises(pages: Sequence[Any], participant: str, pause: float = 1.5) -> None:
    """Every page receives the participant's audio, and its inbound audio bytes keep rising."""
    for page in pages:
        wait_for(lambda page=page: audio_from(page, participant) > 0, 20, f"audio from {participant}")
    before = [audio_from(page, participant) for page in pages]
    time.sleep(pause)
    after = [audio_from(page, participant) for page in pages]
    assert all(a > b for a, b in zip(after, before, strict=True)), (before, after)


def figures_apart(page: Any, participant: str, pause: float = 1.0) -> tuple[dict[str, Any], dict[str, Any]]:
    """One participant's getStats figures on a page, read twice `pause` seconds apart."""
    before = stats(page)[participant]
    time.sleep(pause)
    return before, stats(page)[participant]


def screenshot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"calls-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def assert_no_page_errors(logs: list[str]) -> None:
    """No page threw an uncaught error (console lines may stay)."""
    assert not [line for line in logs if "pageerror" in line], logs


def screenshot_all(pages: Mapping[str, Any], prefix: str) -> None:
    for name, page in pages.items():
        screenshot(page, f"{prefix}-{name}")


@contextmanager
def failure_evidence(
    logs: list[str],
    pages: Mapping[str, Any | None],
    prefix: str,
    shoot: Callable[[Any, str], Path] = screenshot,
) -> Iterator[None]:
    """On any failure inside: a screenshot of each page (read when it fails, so pages opened inside count)
    and an AssertionError that carries what failed and the pages' last console lines."""
    try:
        yield
    except Exception as exc:
        for name, page in pages.items():
            if page is not None:
                shoot(page, f"{prefix}-{name}")
        raise AssertionError("\n".join([f"{type(exc).__name__}: {exc}", *logs[-60:]])) from None
