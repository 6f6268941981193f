"""Sign-in under attack (issue 18, medium 3-5): the failure count is atomic, Argon2 runs in a bounded pool
off the event loop, an address that fails too often waits before any hashing, every failure looks the same,
and a guesser at one address cannot lock the account's owner out at another."""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient, Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import ControlledClock
from app.config import Settings
from app.main import create_app
from app.security import passwords
from app.security.passwords import HashingBusy, HashingPool
from app.staff.models import SignInLock, StaffUser
from tests.conftest import PASSWORD, open_desk_settings

ATTACKER = "203.0.113.9"
OWNER = "198.51.100.7"
ELSEWHERE = "192.0.2.44"
Headers = dict[str, dict[str, str]]
WRONG = {"detail": "wrong username or password"}


@asynccontextmanager
async def serving(settings: Settings, clock: ControlledClock) -> AsyncIterator[FastAPI]:
    app = create_app(settings, clock=clock)
    async with app.router.lifespan_context(app):
        yield app


def client_at(app: FastAPI, address: str) -> AsyncClient:
    """A client whose requests come from `address` (the throttles and locks key on it)."""
    return AsyncClient(transport=ASGITransport(app=app, client=(address, 50000)), base_url="http://t")


async def login(client: AsyncClient, username: str, password: str) -> Response:
    return await client.post("/api/v1/auth/login", json={"username": username, "password": password})


class VerificationSpy:
    """Counts Argon2 verifications and notes the thread each ran on."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.threads: list[str] = []
        real = passwords.verify_password

        def spy(password_hash: str, password: str) -> bool:
            self.threads.append(threading.current_thread().name)
            return real(password_hash, password)

        monkeypatch.setattr(passwords, "verify_password", spy)

    @property
    def count(self) -> int:
        return len(self.threads)


async def fresh(db: AsyncSession, model: Any, *where: Any) -> Any:
    found = await db.scalar(select(model).where(*where).execution_options(populate_existing=True))
    assert found is not None
    return found


async def test_failure_count__sixty_parallel_wrong_passwords_are_all_counted(
    database_url: str, clock: ControlledClock, auth: dict[str, dict[str, str]], db: AsyncSession
) -> None:
    settings = open_desk_settings(
        database_url, login_max_failures=1000, login_account_ceiling=1000, login_address_max_failures=1000
    )
    async with serving(settings, clock) as app, client_at(app, ATTACKER) as client:
        answers = await asyncio.gather(*(login(client, "counselor", f"wrong-guess-{n}") for n in range(60)))
    assert [a.status_code for a in answers] == [401] * 60
    user = await fresh(db, StaffUser, StaffUser.username == "counselor")
    pair = await fresh(db, SignInLock, SignInLock.staff_user_id == user.id, SignInLock.address == ATTACKER)
    assert (user.failed_logins, pair.failures, pair.locked_until) == (60, 60, None)


async def test_hashing__runs_in_the_bounded_pool_never_on_the_event_loop(
    settings: Settings,
    clock: ControlledClock,
    auth: dict[str, dict[str, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spy = VerificationSpy(monkeypatch)
    loop_thread = threading.current_thread().name
    async with serving(settings, clock) as app, client_at(app, OWNER) as client:
        assert (await login(client, "counselor", "not-the-password")).status_code == 401
        assert (await login(client, "nobody-here", "not-the-password")).status_code == 401
        assert (await login(client, "counselor", PASSWORD)).status_code == 200
    assert spy.count == 3
    assert loop_thread not in spy.threads
    assert all(name.startswith("argon2") for name in spy.threads)
    assert passwords.HASHING.workers == 2  # a small pool: the rest of the machine keeps its cores


async def test_hashing_pool__refuses_work_beyond_its_queue_and_the_sign_in_answers_503(
    settings: Settings,
    clock: ControlledClock,
    auth: dict[str, dict[str, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    gate = threading.Event()

    def blocked(_hash: str, _password: str) -> bool:
        gate.wait(10)
        return False

    monkeypatch.setattr(passwords, "verify_password", blocked)
    pool = HashingPool(workers=1, max_waiting=1)
    monkeypatch.setattr("app.auth.service.HASHING", pool)
    running = [asyncio.ensure_future(pool.verify("h", "p")) for _ in range(2)]
    await asyncio.sleep(0)
    assert pool.in_flight == 2
    try:
        with pytest.raises(HashingBusy):
            await pool.verify("h", "p")
        async with serving(settings, clock) as app, client_at(app, OWNER) as client:
            busy = await login(client, "counselor", PASSWORD)
        assert busy.status_code == 503 and busy.headers["retry-after"] == "1"
    finally:
        gate.set()
        assert await asyncio.gather(*running) == [False, False]
    assert pool.in_flight == 0


async def test_address_throttle__refuses_before_any_hashing_and_only_that_address(
    database_url: str,
    clock: ControlledClock,
    auth: dict[str, dict[str, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = open_desk_settings(database_url, login_address_max_failures=3, login_max_failures=100)
    spy = VerificationSpy(monkeypatch)
    async with serving(settings, clock) as app, client_at(app, ATTACKER) as attacker:
        tries = [(await login(attacker, f"guess-{n}", "not-the-password")).status_code for n in range(3)]
        refused = await login(attacker, "counselor", PASSWORD)
        assert tries == [401, 401, 401]
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
        assert spy.count == 3  # the fourth was refused before Argon2 ran
        async with client_at(app, OWNER) as owner:
            assert (await login(owner, "counselor", PASSWORD)).status_code == 200
        clock.advance(settings.login_address_window_seconds)
        assert (await login(attacker, "counselor", PASSWORD)).status_code == 200


async def test_failures__every_kind_gets_the_same_answer_after_one_verification(
    settings: Settings,
    clock: ControlledClock,
    auth: dict[str, dict[str, str]],
    db: AsyncSession,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for username, field in (("soja_staff", "active"), ("desk_staff", "demo")):
        user = await fresh(db, StaffUser, StaffUser.username == username)
        setattr(user, field, field == "demo")  # one inactive account, one demo account outside demo mode
    await db.commit()
    async with serving(settings, clock) as app, client_at(app, ATTACKER) as client:
        for _ in range(settings.login_max_failures):
            await login(client, "counselor", "not-the-password")
        spy = VerificationSpy(monkeypatch)
        failures = {
            "locked pair, right password": await login(client, "counselor", PASSWORD),
            "unknown account": await login(client, "nobody-here", PASSWORD),
            "inactive account": await login(client, "soja_staff", PASSWORD),
            "demo account outside demo mode": await login(client, "desk_staff", PASSWORD),
            "wrong password": await login(client, "admin", "not-the-password"),
        }
    for kind, answer in failures.items():
        assert (answer.status_code, answer.json()) == (401, WRONG), kind
    assert spy.count == len(failures)  # each did the same work: one Argon2 verification


async def test_lock__a_guesser_at_one_address_cannot_lock_the_owner_at_another(
    settings: Settings, clock: ControlledClock, auth: dict[str, dict[str, str]], db: AsyncSession
) -> None:
    async with (
        serving(settings, clock) as app,
        client_at(app, ATTACKER) as attacker,
        client_at(app, OWNER) as owner,
    ):
        for _ in range(settings.login_max_failures):
            assert (await login(attacker, "counselor", "not-the-password")).status_code == 401
        assert (await login(attacker, "counselor", PASSWORD)).json() == WRONG  # the pair is locked
        assert (await login(owner, "counselor", PASSWORD)).status_code == 200
        user = await fresh(db, StaffUser, StaffUser.username == "counselor")
        assert user.failed_logins == 0  # a success ends the run of failures
        pair = await fresh(
            db, SignInLock, SignInLock.staff_user_id == user.id, SignInLock.address == ATTACKER
        )
        assert pair.locked_until is not None and pair.locked_until > clock.now()
        clock.advance(16 * 60)
        assert (await login(attacker, "counselor", PASSWORD)).status_code == 200  # the lock was for a while


async def test_lock__past_the_account_ceiling_each_address_gets_one_try_and_the_owner_still_signs_in(
    database_url: str, clock: ControlledClock, auth: dict[str, dict[str, str]]
) -> None:
    settings = open_desk_settings(database_url, login_max_failures=5, login_account_ceiling=3)
    async with serving(settings, clock) as app:
        async with client_at(app, ATTACKER) as first:
            statuses = [(await login(first, "counselor", f"guess-{n}")).status_code for n in range(3)]
            assert statuses == [401, 401, 401]
            assert (await login(first, "counselor", PASSWORD)).json() == WRONG  # locked at the ceiling
        async with client_at(app, ELSEWHERE) as second:
            assert (await login(second, "counselor", "guess-x")).status_code == 401
            assert (await login(second, "counselor", PASSWORD)).json() == WRONG  # one try, then locked
        async with client_at(app, OWNER) as owner:
            assert (await login(owner, "counselor", PASSWORD)).status_code == 200


async def _form_login(client: AsyncClient, username: str, password: str) -> Response:
    page = await client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    form = {"username": username, "password": password, "csrf_token": token.group(1)}
    return await client.post("/login", data=form, follow_redirects=False)


async def test_html_form__a_locked_pair_reads_like_a_wrong_password_and_a_busy_address_waits(
    database_url: str, clock: ControlledClock, auth: Headers
) -> None:
    settings = open_desk_settings(database_url, login_max_failures=2, login_address_max_failures=3)
    async with serving(settings, clock) as app, client_at(app, ATTACKER) as client:
        wrong = [await _form_login(client, "counselor", "not-the-password") for _ in range(2)]
        locked = await _form_login(client, "counselor", PASSWORD)
        waiting = await _form_login(client, "counselor", PASSWORD)
    for page in (*wrong, locked):
        assert page.status_code == 401 and "ユーザー名またはパスワードが違います" in page.text
        assert "ロック" not in page.text and "locked" not in page.text
    assert waiting.status_code == 429 and "しばらくしてから" in waiting.text
