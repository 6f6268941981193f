from __future__ import annotations

import re

import pytest
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import ControlledClock
from app.device.models import Device
from app.staff.models import SignInLock, StaffUser
from tests.conftest import PASSWORD


async def test_login__sets_session_cookie_and_csrf_guards_writes(
    client: AsyncClient, auth: dict[str, dict[str, str]]
) -> None:
    response = await client.post("/api/v1/auth/login", json={"username": "counselor", "password": PASSWORD})
    assert response.status_code == 200
    csrf = response.json()["csrf_token"]
    assert "httponly" in response.headers["set-cookie"].lower()
    me = await client.get("/api/v1/auth/me")
    assert me.json()["role"] == "counselor"
    body = {"channel": "phone", "language": "en"}
    without = await client.post("/api/v1/consultations", json=body)
    assert without.status_code == 403
    assert "X-CSRF-Token" in without.json()["detail"]
    wrong = await client.post("/api/v1/consultations", json=body, headers={"X-CSRF-Token": "nope"})
    assert wrong.status_code == 403
    good = await client.post("/api/v1/consultations", json=body, headers={"X-CSRF-Token": csrf})
    assert good.status_code == 201
    out = await client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf})
    assert out.status_code == 204
    assert (await client.get("/api/v1/auth/me")).status_code == 401


async def test_login__wrong_password_is_401_and_repeated_failures_lock(
    client: AsyncClient, auth: dict[str, dict[str, str]], db: AsyncSession
) -> None:
    for _ in range(5):
        response = await client.post(
            "/api/v1/auth/login", json={"username": "admin", "password": "wrong-password"}
        )
        assert response.status_code == 401
        assert response.json()["detail"] == "wrong username or password"
    locked = await client.post("/api/v1/auth/login", json={"username": "admin", "password": PASSWORD})
    assert locked.status_code == 401
    assert locked.json()["detail"] == "wrong username or password"  # a lock does not tell the account exists
    user = await db.scalar(select(StaffUser).where(StaffUser.username == "admin"))
    assert user is not None
    lock = await db.scalar(select(SignInLock).where(SignInLock.staff_user_id == user.id))
    assert lock is not None and lock.locked_until is not None and lock.address == "127.0.0.1"


async def test_login__unknown_user_gets_the_same_answer(client: AsyncClient) -> None:
    response = await client.post(
        "/api/v1/auth/login", json={"username": "nobody", "password": "whatever-123"}
    )
    assert response.status_code == 401
    assert response.json()["detail"] == "wrong username or password"


@pytest.mark.parametrize(
    ("header", "fragment"),
    [
        ("Bearer mat_not-a-real-token", "unknown"),
        ("Basic abc", "Bearer <token>"),
        ("Bearer ", "Bearer <token>"),
    ],
)
async def test_bearer__bad_tokens_are_401_with_reason(
    client: AsyncClient, auth: dict[str, dict[str, str]], header: str, fragment: str
) -> None:
    response = await client.get("/api/v1/consultations", headers={"Authorization": header})
    assert response.status_code == 401
    assert fragment in response.json()["detail"]
    assert response.headers["www-authenticate"] == "Bearer"


async def test_device__revoked_token_stops_working(
    client: AsyncClient, auth: dict[str, dict[str, str]], db: AsyncSession, clock: ControlledClock
) -> None:
    assert (await client.get("/api/v1/consultations", headers=auth["desk_device"])).status_code == 200
    device = await db.scalar(select(Device).where(Device.name == "desk_device"))
    assert device is not None
    device.revoked_at = clock.now()
    await db.commit()
    assert (await client.get("/api/v1/consultations", headers=auth["desk_device"])).status_code == 401


async def test_html_login__form_needs_its_csrf_token(
    client: AsyncClient, auth: dict[str, dict[str, str]]
) -> None:
    page = await client.get("/login")
    assert page.status_code == 200 and "職員サインイン" in page.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    forged = await client.post(
        "/login",
        data={"username": "admin", "password": PASSWORD, "csrf_token": "forged"},
        follow_redirects=False,
    )
    assert forged.status_code == 403
    page = await client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    ok = await client.post(
        "/login",
        data={"username": "admin", "password": PASSWORD, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert ok.status_code == 303 and ok.headers["location"] == "/"
    home = await client.get("/")
    assert home.status_code == 200 and "admin" in home.text
    assert 'href="/reports"' in home.text and 'href="/counselor"' in home.text  # an admin's links
    assert 'href="/interpreter"' not in home.text
    for page_link in ("/staff/reservations", "/resident-links"):  # the pages built for residents' links
        assert f'href="{page_link}"' in home.text
        assert (await client.get(page_link)).status_code == 200
