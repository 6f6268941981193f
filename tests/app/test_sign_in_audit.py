"""Every sign-in is on the audit trail (issue 18, Low 15): the browser form's sign-in and sign-out, failed
sign-ins on both doors, and sign-ins refused because the account is locked. Failures are kept although the
failed request's own transaction rolls back."""

from __future__ import annotations

import re
from typing import Any

from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.models import AuditEvent
from app.staff.models import StaffUser
from tests.conftest import PASSWORD


async def _trail(db: AsyncSession) -> list[tuple[str, str, str | None, str | None, dict[str, Any] | None]]:
    rows = (
        await db.scalars(select(AuditEvent).where(AuditEvent.action.like("auth.%")).order_by(AuditEvent.id))
    ).all()
    return [(r.action, r.actor_kind, r.actor_id, r.entity_id, r.detail) for r in rows]


async def _user_id(db: AsyncSession, username: str) -> str:
    found = await db.scalar(select(StaffUser.id).where(StaffUser.username == username))
    assert found is not None
    return str(found)


async def _form_token(client: AsyncClient) -> str:
    page = await client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    return token.group(1)


async def test_form_sign_in_failure_and_sign_out__are_audited(
    client: AsyncClient, auth: dict[str, dict[str, str]], db: AsyncSession
) -> None:
    counselor = await _user_id(db, "counselor")
    wrong = await client.post(
        "/login",
        data={"username": "counselor", "password": "not it", "csrf_token": await _form_token(client)},
        follow_redirects=False,
    )
    assert wrong.status_code == 401
    ok = await client.post(
        "/login",
        data={"username": "counselor", "password": PASSWORD, "csrf_token": await _form_token(client)},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    home = await client.get("/")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', home.text)
    assert csrf is not None
    out = await client.post("/logout", data={"csrf_token": csrf.group(1)}, follow_redirects=False)
    assert out.status_code == 303
    assert await _trail(db) == [
        ("auth.login_failed", "anonymous", None, counselor, {"username": "counselor", "via": "form"}),
        ("auth.login", "staff", counselor, counselor, {"via": "form"}),
        ("auth.logout", "staff", counselor, counselor, None),
    ]


async def test_api_failures_and_lock_out__are_audited_unknown_names_too(
    client: AsyncClient, auth: dict[str, dict[str, str]], db: AsyncSession
) -> None:
    admin = await _user_id(db, "admin")
    unknown = await client.post("/api/v1/auth/login", json={"username": "nobody", "password": "whatever-1"})
    assert unknown.status_code == 401
    for _ in range(5):  # login_max_failures: the fifth locks the account
        wrong = await client.post("/api/v1/auth/login", json={"username": "admin", "password": "wrong-pass"})
        assert wrong.status_code == 401
    locked = await client.post("/api/v1/auth/login", json={"username": "admin", "password": PASSWORD})
    assert locked.status_code == 401
    trail = await _trail(db)
    assert trail[0] == ("auth.login_failed", "anonymous", None, None, {"username": "nobody", "via": "api"})
    assert [(action, entity) for action, _kind, _actor, entity, _detail in trail[1:]] == [
        ("auth.login_failed", admin),
        ("auth.login_failed", admin),
        ("auth.login_failed", admin),
        ("auth.login_failed", admin),
        ("auth.login_locked", admin),  # this failure locked it
        ("auth.login_locked", admin),  # the right password, refused while locked
    ]
    assert all(detail is not None and "locked_until" in detail for *_, detail in trail[-2:])
