"""Demo hygiene (issue 17, issue 18 medium 8): what `serve --demo` makes is marked demo and works in demo
mode only, the start-up log says so, demo tablets keep their tokens, and --demo refuses a database with real
data."""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
import websockets
from httpx import ASGITransport, AsyncClient
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app import migrate
from app.auth.service import register_device
from app.cli import _print_demo_access
from app.clock import ControlledClock
from app.config import Mode, Settings
from app.db import create_engine, create_sessionmaker
from app.demo import DEMO_DEVICES, DEMO_USERS, RealDataPresent, create_demo_data, demo_device_token
from app.device.models import Device
from app.enums import Role
from app.geography.models import Site
from app.main import create_app
from app.security.passwords import hash_password
from app.security.tokens import token_digest
from app.staff.models import StaffUser
from app.staff.service import create_user
from tests.browser_support import live_server
from tests.conftest import PASSWORD, TEST_SECRET, open_desk_settings, pinned_clock

DEMO_PASSWORD = "madoguchi-demo"
WRONG = {"detail": "wrong username or password"}


@pytest.fixture(autouse=True)
def _argon2_once(monkeypatch: pytest.MonkeyPatch) -> None:
    hashed = hash_password(DEMO_PASSWORD)
    monkeypatch.setattr("app.staff.service.hash_password", lambda _p: hashed)


async def _signs_in(settings: Settings, clock: ControlledClock, device_token: str) -> tuple[int, int, str]:
    """(sign-in status, the demo tablet's /auth/me status, the session cookie) on an app with `settings`."""
    app = create_app(settings, clock=clock)
    async with (
        app.router.lifespan_context(app),
        AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as client,
    ):
        signed_in = await client.post(
            "/api/v1/auth/login", json={"username": "admin", "password": DEMO_PASSWORD}
        )
        tablet = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {device_token}"})
        if signed_in.status_code != 200:
            assert signed_in.json() == WRONG  # the same answer as any other failure
        return signed_in.status_code, tablet.status_code, signed_in.cookies.get("madoguchi_session", "")


async def _me_with_cookie(settings: Settings, clock: ControlledClock, cookie: str) -> int:
    app = create_app(settings, clock=clock)
    async with (
        app.router.lifespan_context(app),
        AsyncClient(
            transport=ASGITransport(app=app), base_url="http://t", cookies={"madoguchi_session": cookie}
        ) as c,
    ):
        return (await c.get("/api/v1/auth/me")).status_code


async def test_demo_data__is_marked_and_works_in_demo_mode_only(
    database_url: str, db: AsyncSession, clock: ControlledClock, caplog: pytest.LogCaptureFixture
) -> None:
    access = await create_demo_data(db, DEMO_PASSWORD, TEST_SECRET)
    await db.commit()
    users = (await db.scalars(select(StaffUser))).all()
    devices = (await db.scalars(select(Device))).all()
    assert users and all(u.demo for u in users) and len(devices) == len(DEMO_DEVICES)
    assert all(d.demo for d in devices)
    token = access.device_tokens[DEMO_DEVICES[0][1]]

    demo_mode = open_desk_settings(database_url, mode=Mode.demo)
    signed_in, tablet, cookie = await _signs_in(demo_mode, clock, token)
    assert (signed_in, tablet) == (200, 200) and cookie

    production_like = open_desk_settings(database_url)  # dev mode: anything but demo refuses demo data
    with caplog.at_level(logging.WARNING, logger="app.demo"):
        assert (await _signs_in(production_like, clock, token))[:2] == (401, 401)
    assert f"{len(users)} demo accounts and {len(devices)} demo devices" in caplog.text
    assert "outside demo mode they cannot sign in" in caplog.text
    assert await _me_with_cookie(production_like, clock, cookie) == 401  # a session from the demo ends too
    assert await _me_with_cookie(demo_mode, clock, cookie) == 200


async def test_demo_devices__keep_their_tokens_across_starts(db: AsyncSession) -> None:
    first = await create_demo_data(db, DEMO_PASSWORD, TEST_SECRET)
    await db.commit()
    again = await create_demo_data(db, DEMO_PASSWORD, TEST_SECRET)
    await db.commit()
    assert first.device_tokens == again.device_tokens
    assert len(set(first.device_tokens.values())) == len(DEMO_DEVICES)
    for name, token in again.device_tokens.items():
        assert token == demo_device_token(TEST_SECRET, name) != demo_device_token("another-secret", name)
        stored = await db.scalar(select(Device.token_hash).where(Device.name == name))
        assert stored == token_digest(token)
    assert {u[0] for u in DEMO_USERS} <= set(again.usernames)


async def test_demo__refuses_a_database_with_real_accounts(db: AsyncSession) -> None:
    await create_user(db, username="tanaka", password=PASSWORD, role=Role.counselor)
    await db.commit()
    with pytest.raises(RealDataPresent, match=r"1 staff account\(s\) and 0 counter device\(s\)"):
        await create_demo_data(db, DEMO_PASSWORD, TEST_SECRET)


def test_serve_demo__refuses_real_data_with_a_clear_message(
    database_url: str, clock: ControlledClock
) -> None:
    async def a_real_account() -> None:
        engine = create_engine(database_url, clock=clock)
        try:
            async with create_sessionmaker(engine)() as session:
                await create_user(session, username="tanaka", password=PASSWORD, role=Role.counselor)
                await session.commit()
        finally:
            await engine.dispose()

    asyncio.run(a_real_account())
    settings = open_desk_settings(database_url, mode=Mode.demo)
    with pytest.raises(SystemExit, match="--demo refused: this database holds real data"):
        _print_demo_access(settings, "http://127.0.0.1:8000", clock)


async def test_migration__marks_what_an_earlier_demo_made_and_nothing_else(database_url: str) -> None:
    await asyncio.to_thread(migrate.downgrade, database_url, "20261204_cluster")
    now = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)
    demo_hash, real_hash = hash_password(DEMO_PASSWORD), hash_password(PASSWORD)
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            site_id = await connection.scalar(text("SELECT id FROM site WHERE code = 'kurashiki-desk'"))
            for username, password_hash in (("admin", demo_hash), ("desk", real_hash), ("tanaka", demo_hash)):
                await connection.execute(
                    text(
                        "INSERT INTO staff_user (username, display_name, password_hash, role, active, "
                        "failed_logins, created_at) VALUES (:u, :u, :h, 'admin', true, 0, :at)"
                    ),
                    {"u": username, "h": password_hash, "at": now},
                )
            for name in (DEMO_DEVICES[0][1], "窓口3"):
                await connection.execute(
                    text(
                        "INSERT INTO device (name, site_id, token_hash, created_at) VALUES (:n, :s, :t, :at)"
                    ),
                    {"n": name, "s": site_id, "t": token_digest(name), "at": now},
                )
        await asyncio.to_thread(migrate.upgrade, database_url)
        async with engine.connect() as connection:
            users = dict((await connection.execute(text("SELECT username, demo FROM staff_user"))).all())
            devices = dict((await connection.execute(text("SELECT name, demo FROM device"))).all())
    finally:
        await engine.dispose()
    # a demo name with the demo password is demo; a demo name with a real password, or another name, is not
    assert {k: bool(v) for k, v in users.items()} == {"admin": True, "desk": False, "tanaka": False}
    assert {k: bool(v) for k, v in devices.items()} == {DEMO_DEVICES[0][1]: True, "窓口3": False}


@pytest.mark.slow
async def test_demo_tablet__its_websocket_hello_is_refused_outside_demo_mode(
    sqlite_template: Path, tmp_path: Path
) -> None:
    path = tmp_path / "socket.db"
    shutil.copyfile(sqlite_template, path)
    settings = open_desk_settings(f"sqlite+aiosqlite:///{path}")  # dev mode
    token = demo_device_token(TEST_SECRET, "demo tablet")
    engine = create_engine(settings.database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            site = await session.scalar(select(Site.id).where(Site.code == "kurashiki-desk"))
            assert site is not None
            await register_device(session, site, "demo tablet", token=token, demo=True)
            await session.commit()
    finally:
        await engine.dispose()
    with live_server(create_app(settings, clock=pinned_clock(running=False))) as server:
        async with websockets.connect(server.url.replace("http", "ws") + "/ws") as ws:
            assert json.loads(await ws.recv())["type"] == "hello"
            await ws.send(json.dumps({"type": "hello", "token": token}))
            async with asyncio.timeout(5):
                refused = json.loads(await ws.recv())
    assert (refused["type"], refused["code"]) == ("error", "bad_token")
