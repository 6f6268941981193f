"""The admin API (/api/v1/admin/...): the role matrix, each operation's effect and its audit row, and the path
from an empty pool to an interpreter created by an admin who goes available and is rung for a Nepali case."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.models import AuditEvent
from app.clock import ControlledClock
from app.consultation.models import CallLeg, Consultation
from app.enums import CallRole
from app.interpreter.models import Interpreter, Vendor
from app.staff.models import StaffUser
from tests.conftest import DEVICES, TEST_NOW

ROLES = [
    "anonymous",
    "admin",
    "counselor",
    "desk_staff",
    "coordinator",
    "soja_coordinator",
    "interpreter",
    "desk_device",
]
READERS = {"admin", "coordinator", "soja_coordinator"}
ADMIN = {"admin"}
INTERPRETER = {
    "display_name": "Anita",
    "vendor": "Kibi Interpreting",
    "languages": ["ne", "hi"],
    "gender": "female",
}
NEPALI_AT_SOJA = {
    "channel": "satellite",
    "language": "ne",
    "site": "soja-counter",
    "resident_municipality": "33208",
}

# method, path, body, who may: every admin route. Writes by others must be refused before anything is read.
ROUTES: list[tuple[str, str, dict[str, Any] | None, set[str]]] = [
    ("GET", "/api/v1/admin/vendors", None, READERS),
    ("POST", "/api/v1/admin/vendors", {"name": "Other Co."}, ADMIN),
    ("PATCH", "/api/v1/admin/vendors/1", {"active": True}, ADMIN),
    ("GET", "/api/v1/admin/interpreters", None, READERS),
    ("POST", "/api/v1/admin/interpreters", INTERPRETER, ADMIN),
    ("PATCH", "/api/v1/admin/interpreters/1", {"display_name": "A"}, ADMIN),
    ("GET", "/api/v1/admin/staff", None, ADMIN),
    (
        "POST",
        "/api/v1/admin/staff",
        {"username": "x", "password": "long enough pw", "role": "counselor"},
        ADMIN,
    ),
    ("PATCH", "/api/v1/admin/staff/1", {"display_name": "A"}, ADMIN),
    ("POST", "/api/v1/admin/staff/1/disable", None, ADMIN),
    ("POST", "/api/v1/admin/staff/1/enable", None, ADMIN),
    ("POST", "/api/v1/admin/staff/1/password", {"password": "long enough pw"}, ADMIN),
    ("GET", "/api/v1/admin/devices", None, READERS),
    ("POST", "/api/v1/admin/devices", {"name": "t", "site": "soja-counter"}, ADMIN),
    ("PATCH", "/api/v1/admin/devices/1", {"name": "t"}, ADMIN),
    ("POST", "/api/v1/admin/devices/1/revoke", None, ADMIN),
]


async def _vendor(
    client: AsyncClient, auth: dict[str, dict[str, str]], name: str = "Kibi Interpreting"
) -> int:
    response = await client.post("/api/v1/admin/vendors", json={"name": name}, headers=auth["admin"])
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def test_role_matrix(client: AsyncClient, auth: dict[str, dict[str, str]], db: AsyncSession) -> None:
    """Only admins write; coordinators read the pool, vendors and devices; everyone else is refused."""
    await _vendor(client, auth)
    before = await db.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))
    for method, path, body, allowed in ROUTES:
        for role in ROLES:
            if role == "admin" and method != "GET":
                continue  # the admin's writes are tested one by one below
            response = await client.request(method, path, json=body, headers=auth.get(role, {}))
            expected = 401 if role == "anonymous" else 200 if role in allowed else 403
            assert response.status_code == expected, (method, path, role, response.text)
            if expected == 403:
                assert "admin" in response.json()["detail"]
    db.expire_all()
    after = await db.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))
    assert after == before  # nothing refused left a trace of a change
    assert await db.scalar(select(Vendor).where(Vendor.name == "Other Co.")) is None


async def test_interpreter_created_by_admin_goes_available_and_is_rung(
    client: AsyncClient, auth: dict[str, dict[str, str]], db: AsyncSession
) -> None:
    """The issue's first finding: a created interpreter account could not go available. Now: account, link,
    available, rung for a Nepali case; and deactivating takes them out of the pool."""
    await _vendor(client, auth)
    account = {"username": "anita", "password": "a long password", "role": "interpreter"}
    assert (await client.post("/api/v1/admin/staff", json=account, headers=auth["admin"])).status_code == 201
    token_response = await client.post(
        "/api/v1/auth/login", json={"username": "anita", "password": "a long password"}
    )
    assert token_response.status_code == 200, token_response.text
    cookie_client = client
    csrf = token_response.json()["csrf_token"]

    refused = await cookie_client.post(
        "/api/v1/presence", json={"state": "available"}, headers={"X-CSRF-Token": csrf}
    )
    assert refused.status_code == 403 and "not linked" in refused.json()["detail"]

    created = await client.post(
        "/api/v1/admin/interpreters", json={**INTERPRETER, "username": "anita"}, headers=auth["admin"]
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["languages"] == ["hi", "ne"] and body["username"] == "anita" and body["presence"] == "offline"

    went = await cookie_client.post(
        "/api/v1/presence", json={"state": "available"}, headers={"X-CSRF-Token": csrf}
    )
    assert went.status_code == 204, went.text
    client.cookies.clear()
    listed = (await client.get("/api/v1/admin/interpreters", headers=auth["coordinator"])).json()
    assert [(i["display_name"], i["presence"]) for i in listed] == [("Anita", "available")]

    await client.post("/api/v1/presence", json={"state": "available"}, headers=auth["counselor"])
    case = await client.post(
        "/api/v1/consultations",
        json=NEPALI_AT_SOJA,
        headers={**auth["soja_staff"], "Idempotency-Key": "admin-ne-01"},
    )
    assert case.status_code == 201, case.text
    assert case.json()["status"] == "offered"
    (offer,) = (await client.get("/api/v1/queue", headers=auth["counselor"])).json()["offers"]
    assert offer["interpreter_id"] == str(body["id"])

    audit = (
        await db.scalars(select(AuditEvent).where(AuditEvent.action == "admin.interpreter.create"))
    ).one()
    admin = await db.scalar(select(StaffUser).where(StaffUser.username == "admin"))
    assert admin is not None and audit.actor_id == str(admin.id) and audit.actor_kind == "staff"
    assert audit.detail is not None and audit.detail["after"]["languages"] == ["hi", "ne"]


async def test_interpreter_edit_validation_and_deactivate(
    client: AsyncClient, auth: dict[str, dict[str, str]], db: AsyncSession
) -> None:
    await _vendor(client, auth)
    h = auth["admin"]
    bad = await client.post(
        "/api/v1/admin/interpreters", json={**INTERPRETER, "languages": ["xx"]}, headers=h
    )
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["languages"]
    bad = await client.post("/api/v1/admin/interpreters", json={**INTERPRETER, "vendor": "Nobody"}, headers=h)
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["vendor"]
    bad = await client.post(
        "/api/v1/admin/interpreters", json={**INTERPRETER, "username": "counselor"}, headers=h
    )
    assert bad.status_code == 422 and "not an interpreter" in bad.json()["detail"][0]["msg"]
    bad = await client.post("/api/v1/admin/interpreters", json={**INTERPRETER, "languages": []}, headers=h)
    assert bad.status_code == 422

    first = (
        await client.post(
            "/api/v1/admin/interpreters", json={**INTERPRETER, "username": "interpreter"}, headers=h
        )
    ).json()
    second = (await client.post("/api/v1/admin/interpreters", json=INTERPRETER, headers=h)).json()
    taken = await client.patch(
        f"/api/v1/admin/interpreters/{second['id']}", json={"username": "interpreter"}, headers=h
    )
    assert taken.status_code == 409

    edited = await client.patch(
        f"/api/v1/admin/interpreters/{first['id']}",
        json={"languages": ["ne"], "dv_cleared": True, "child_cleared": True, "clear_gender": True},
        headers=h,
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["languages"] == ["ne"] and edited.json()["gender"] is None
    assert edited.json()["dv_cleared"] and edited.json()["child_cleared"]
    assert (
        await client.patch("/api/v1/admin/interpreters/999", json={"active": False}, headers=h)
    ).status_code == 404

    went = await client.post("/api/v1/presence", json={"state": "available"}, headers=auth["interpreter"])
    assert went.status_code == 204
    off = await client.patch(f"/api/v1/admin/interpreters/{first['id']}", json={"active": False}, headers=h)
    assert off.status_code == 200 and off.json()["active"] is False
    assert off.json()["presence"] == "away"  # out of routing at once, not at their next heartbeat
    gone = await client.post("/api/v1/presence", json={"state": "available"}, headers=auth["interpreter"])
    assert gone.status_code == 404  # a deactivated interpreter cannot go available

    row = (await db.scalars(select(AuditEvent).where(AuditEvent.action == "admin.interpreter.update"))).all()[
        -1
    ]
    assert row.detail == {"before": {"active": True}, "after": {"active": False}}


async def test_vendors_rename_carries_interpreters(
    client: AsyncClient, auth: dict[str, dict[str, str]], db: AsyncSession
) -> None:
    vendor_id = await _vendor(client, auth)
    h = auth["admin"]
    assert (
        await client.post("/api/v1/admin/vendors", json={"name": "Kibi Interpreting"}, headers=h)
    ).status_code == 409
    assert (await client.post("/api/v1/admin/vendors", json={"name": ""}, headers=h)).status_code == 422
    await client.post("/api/v1/admin/interpreters", json=INTERPRETER, headers=h)
    renamed = await client.patch(f"/api/v1/admin/vendors/{vendor_id}", json={"name": "Kibi Co."}, headers=h)
    assert renamed.status_code == 200 and renamed.json() == {
        "id": vendor_id,
        "name": "Kibi Co.",
        "active": True,
        "interpreters": 1,
    }
    assert [i.vendor for i in (await db.scalars(select(Interpreter))).all()] == ["Kibi Co."]
    await client.patch(f"/api/v1/admin/vendors/{vendor_id}", json={"active": False}, headers=h)
    inactive = await client.post(
        "/api/v1/admin/interpreters", json={**INTERPRETER, "vendor": "Kibi Co."}, headers=h
    )
    assert inactive.status_code == 422


async def test_staff_create_scope_disable_and_password(
    client: AsyncClient, auth: dict[str, dict[str, str]], db: AsyncSession
) -> None:
    h = auth["admin"]
    bad = await client.post(
        "/api/v1/admin/staff",
        json={"username": "c2", "password": "long enough pw", "role": "counselor", "municipality": "33208"},
        headers=h,
    )
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["municipality"]
    short = await client.post(
        "/api/v1/admin/staff", json={"username": "c2", "password": "x", "role": "counselor"}, headers=h
    )
    assert short.status_code == 422
    dup = await client.post(
        "/api/v1/admin/staff",
        json={"username": "admin", "password": "long enough pw", "role": "admin"},
        headers=h,
    )
    assert dup.status_code == 409

    coordinator = await db.scalar(select(StaffUser).where(StaffUser.username == "coordinator"))
    assert coordinator is not None
    scoped = await client.patch(
        f"/api/v1/admin/staff/{coordinator.id}", json={"municipality": "33208"}, headers=h
    )
    assert scoped.status_code == 200 and scoped.json()["municipality"] == "33208"
    listed = await client.get("/api/v1/consultations", headers=auth["coordinator"])
    assert listed.status_code == 200  # the new scope applies at the next request: same token, narrower view
    wrong = await client.patch(
        f"/api/v1/admin/staff/{coordinator.id}", json={"municipality": "99999"}, headers=h
    )
    assert wrong.status_code == 422

    # the counselor signs in with a browser session and has an API token: both stop at the disable
    counselor = await db.scalar(select(StaffUser).where(StaffUser.username == "counselor"))
    assert counselor is not None
    login = await client.post(
        "/api/v1/auth/login", json={"username": "counselor", "password": "correct horse battery"}
    )
    assert login.status_code == 200
    assert (await client.get("/api/v1/auth/me")).status_code == 200
    cookies = dict(client.cookies)
    client.cookies.clear()
    disabled = await client.post(f"/api/v1/admin/staff/{counselor.id}/disable", headers=h)
    assert disabled.status_code == 200 and disabled.json()["active"] is False
    assert disabled.json()["sessions"] == 0 and disabled.json()["api_tokens"] == 0
    assert (await client.get("/api/v1/auth/me", headers=auth["counselor"])).status_code == 401
    client.cookies.update(cookies)
    assert (await client.get("/api/v1/auth/me")).status_code == 401
    client.cookies.clear()
    again = await client.post(
        "/api/v1/auth/login", json={"username": "counselor", "password": "correct horse battery"}
    )
    assert again.status_code == 401

    admin = await db.scalar(select(StaffUser).where(StaffUser.username == "admin"))
    assert admin is not None
    assert (await client.post(f"/api/v1/admin/staff/{admin.id}/disable", headers=h)).status_code == 409

    assert (await client.post(f"/api/v1/admin/staff/{counselor.id}/enable", headers=h)).status_code == 200
    reset = await client.post(
        f"/api/v1/admin/staff/{counselor.id}/password", json={"password": "a new password!"}, headers=h
    )
    assert reset.status_code == 200
    assert (
        await client.post(
            "/api/v1/auth/login", json={"username": "counselor", "password": "correct horse battery"}
        )
    ).status_code == 401
    assert (
        await client.post("/api/v1/auth/login", json={"username": "counselor", "password": "a new password!"})
    ).status_code == 200

    staff_actions = select(AuditEvent.action).where(AuditEvent.action.like("admin.staff.%"))
    actions = list((await db.scalars(staff_actions.order_by(AuditEvent.id))).all())
    assert actions == [
        "admin.staff.update",
        "admin.staff.disable",
        "admin.staff.enable",
        "admin.staff.reset_password",
    ]
    text = str(
        (await db.scalars(select(AuditEvent.detail).where(AuditEvent.action.like("admin.staff.%")))).all()
    )
    assert "a new password" not in text


async def test_devices_register_rename_move_revoke(
    client: AsyncClient, auth: dict[str, dict[str, str]], db: AsyncSession
) -> None:
    h = auth["admin"]
    bad = await client.post("/api/v1/admin/devices", json={"name": "t", "site": "nowhere"}, headers=h)
    assert bad.status_code == 422 and "soja-counter" in bad.json()["detail"][0]["ctx"]["accepted"]
    made = await client.post(
        "/api/v1/admin/devices", json={"name": "総社 2番", "site": "soja-counter"}, headers=h
    )
    assert made.status_code == 201, made.text
    device = made.json()
    assert device["token"].startswith("mdv_") and device["pairing_url"].endswith(
        f"/tablet#token={device['token']}"
    )
    assert device["qr_svg"].startswith("<svg") and device["last_seen_at"] is None
    tablet = {"Authorization": f"Bearer {device['token']}"}
    assert (await client.get("/api/v1/tablet/context", headers=tablet)).json()["site"] == "soja-counter"

    listed = (await client.get("/api/v1/admin/devices", headers=auth["coordinator"])).json()
    mine = next(d for d in listed if d["id"] == device["id"])
    assert "token" not in mine and mine["last_seen_at"] is not None  # seen when it asked for its context

    moved = await client.patch(
        f"/api/v1/admin/devices/{device['id']}",
        json={"name": "倉敷 3番", "site": "kurashiki-desk"},
        headers=h,
    )
    assert moved.status_code == 200 and moved.json()["site"] == "kurashiki-desk"
    assert (await client.get("/api/v1/tablet/context", headers=tablet)).json()["site"] == "kurashiki-desk"

    revoked = await client.post(f"/api/v1/admin/devices/{device['id']}/revoke", headers=h)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    assert (await client.get("/api/v1/tablet/context", headers=tablet)).status_code == 401
    assert (
        await client.patch(f"/api/v1/admin/devices/{device['id']}", json={"name": "x"}, headers=h)
    ).status_code == 409
    assert (await client.post("/api/v1/admin/devices/999/revoke", headers=h)).status_code == 404

    device_rows = select(AuditEvent).where(AuditEvent.entity_type == "device").order_by(AuditEvent.id)
    rows = (await db.scalars(device_rows)).all()
    assert [r.action for r in rows] == ["admin.device.register", "admin.device.update", "admin.device.revoke"]
    assert rows[1].detail == {
        "before": {"name": "総社 2番", "site": "soja-counter"},
        "after": {"name": "倉敷 3番", "site": "kurashiki-desk"},
    }
    assert device["token"] not in str([r.detail for r in rows])


@pytest.mark.parametrize("body", [{"name": "x", "extra": 1}, {"name": "x" * 129}, []])
async def test_hostile_bodies_are_422(
    client: AsyncClient, auth: dict[str, dict[str, str]], body: Any
) -> None:
    response = await client.post("/api/v1/admin/vendors", json=body, headers=auth["admin"])
    assert response.status_code == 422


async def test_admin_page_gate(client: AsyncClient, auth: dict[str, dict[str, str]]) -> None:
    """The screen: anonymous visitors sign in; admins get the forms; coordinators read only; others 403."""
    anonymous = await client.get("/admin")
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/login"
    admin = await client.get("/admin", headers=auth["admin"])
    assert admin.status_code == 200 and 'id="interpreter-form"' in admin.text and 'id="staff"' in admin.text
    coordinator = await client.get("/admin", headers=auth["coordinator"])
    assert coordinator.status_code == 200 and "閲覧のみ" in coordinator.text
    assert 'id="interpreter-form"' not in coordinator.text and 'id="staff"' not in coordinator.text
    refused = await client.get("/admin", headers=auth["counselor"])
    assert refused.status_code == 403 and "counselor" in refused.text
    for device in DEVICES:  # a counter tablet's token opens the tablet, never the admin
        assert (await client.get("/admin", headers=auth[device])).status_code == 403
    script = await client.get("/assets/admin/admin.js")
    assert script.status_code == 200 and "/api/v1/admin/interpreters" in script.text


async def test_minutes_today_count_from_local_midnight(
    client: AsyncClient, auth: dict[str, dict[str, str]], db: AsyncSession, clock: ControlledClock
) -> None:
    """Call legs since midnight in the desk's time zone: a leg across midnight counts its part after it, an
    open leg counts up to now, yesterday's legs and other interpreters' do not."""
    clock.freeze()  # TEST_NOW: 11:00 in Japan
    await _vendor(client, auth)
    made = await client.post("/api/v1/admin/interpreters", json=INTERPRETER, headers=auth["admin"])
    other = await client.post("/api/v1/admin/interpreters", json=INTERPRETER, headers=auth["admin"])
    anita, someone = made.json()["id"], other.json()["id"]
    case = await client.post("/api/v1/consultations", json=NEPALI_AT_SOJA, headers=auth["soja_staff"])
    consultation = await db.scalar(select(Consultation).where(Consultation.public_id == case.json()["id"]))
    assert consultation is not None

    def leg(interpreter_id: int, joined: datetime, left: datetime | None) -> CallLeg:
        return CallLeg(
            consultation_id=consultation.id,
            role=CallRole.interpreter,
            participant_id=f"i{interpreter_id}",
            interpreter_id=interpreter_id,
            joined_at=joined,
            left_at=left,
        )

    midnight = TEST_NOW.replace(hour=0)
    db.add_all(
        [
            leg(anita, midnight - timedelta(minutes=30), midnight - timedelta(minutes=5)),  # yesterday: 0
            leg(anita, midnight - timedelta(minutes=10), midnight + timedelta(minutes=10)),  # 10
            leg(anita, TEST_NOW - timedelta(hours=1), TEST_NOW - timedelta(minutes=55)),  # 5
            leg(anita, TEST_NOW - timedelta(minutes=3), None),  # still on the call: 3
            leg(someone, TEST_NOW - timedelta(minutes=7), TEST_NOW - timedelta(minutes=6)),  # 1, not Anita's
        ]
    )
    await db.commit()
    listed = (await client.get("/api/v1/admin/interpreters", headers=auth["coordinator"])).json()
    assert {i["id"]: i["minutes_today"] for i in listed} == {anita: 18.0, someone: 1.0}
