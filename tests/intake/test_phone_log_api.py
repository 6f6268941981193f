"""Phone consultations logged in one step (SQLite and PostgreSQL, every role)."""

from __future__ import annotations

from typing import Any

from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.models import AuditEvent
from app.consultation.models import Consultation

PHONE = "/api/v1/console/phone-consultations"
OWN = "/api/v1/console/own-cases"
PHONE_CALL: dict[str, Any] = {
    "language": "pt",
    "resident_municipality": "33208",
    "topics": ["tax", "residence"],
    "duration_minutes": 12,
    "outcome": "resolved",
    "follow_up": False,
    "attributes": {"nationality": "br", "age_band": "40s"},
    "notes": "asked about the resident tax notice",
}


async def _cases(db: AsyncSession) -> int:
    db.expire_all()
    return int(await db.scalar(select(func.count()).select_from(Consultation)) or 0)


async def test_console_phone_log__case_and_record_in_one_step(
    client: AsyncClient, auth: dict[str, dict[str, str]], db: AsyncSession
) -> None:
    headers = {**auth["counselor"], "Idempotency-Key": "phone-log-0001"}
    response = await client.post(PHONE, json=PHONE_CALL, headers=headers)
    assert response.status_code == 201, response.text
    record = response.json()
    assert (record["channel"], record["status"], record["language"]) == ("phone", "ended", "pt")
    assert record["resident_municipality"] == "33208"
    assert sorted(record["topics"]) == ["residence", "tax"]
    assert record["outcome"] == "resolved" and record["attributes"]["nationality"] == "BR"
    assert record["derived"]["talk_seconds"] == 12 * 60 and record["derived"]["wait_seconds"] == 0
    assert record["notes"] == "asked about the resident tax notice"
    row = await db.scalar(select(Consultation).where(Consultation.public_id == record["id"]))
    assert row is not None and row.notes_enc is not None and b"tax notice" not in row.notes_enc
    # a double click sends the same key again: the same case, not a second one
    again = await client.post(PHONE, json=PHONE_CALL, headers=headers)
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == record["id"]
    assert await _cases(db) == 1
    other = await client.post(PHONE, json={**PHONE_CALL, "duration_minutes": 3}, headers=headers)
    assert other.status_code == 409
    actions = set((await db.scalars(select(AuditEvent.action))).all())
    assert {"consultation.create", "consultation.record_update"} <= actions


async def test_console_phone_log__field_errors(client: AsyncClient, auth: dict[str, dict[str, str]]) -> None:
    cases: list[tuple[dict[str, Any], list[Any]]] = [
        ({**PHONE_CALL, "topics": []}, ["body", "topics"]),
        ({**PHONE_CALL, "duration_minutes": 0}, ["body", "duration_minutes"]),
        ({**PHONE_CALL, "language": "xx"}, ["body", "language"]),
        ({**PHONE_CALL, "resident_municipality": "99999"}, ["body", "resident_municipality"]),
        ({**PHONE_CALL, "topics": ["tax", "astrology"]}, ["body", "topics", 1]),
        ({**PHONE_CALL, "outcome": "referred"}, ["body", "referral_to"]),
        ({**PHONE_CALL, "ended_at": "2999-01-01T10:00:00+09:00"}, ["body", "ended_at"]),
        ({**PHONE_CALL, "attributes": {"nationality": "Brazil"}}, ["body", "attributes", "nationality"]),
    ]
    for body, loc in cases:
        response = await client.post(PHONE, json=body, headers=auth["counselor"])
        assert response.status_code == 422, (loc, response.text)
        assert response.json()["detail"][0]["loc"] == loc, response.text
    bad_key = await client.post(PHONE, json=PHONE_CALL, headers={**auth["counselor"], "Idempotency-Key": "x"})
    assert bad_key.status_code == 422
    referred = await client.post(
        PHONE,
        json={**PHONE_CALL, "outcome": "referred", "referral_to": "総社市 税務課"},
        headers=auth["counselor"],
    )
    assert referred.status_code == 201 and referred.json()["referral_to"] == "総社市 税務課"


async def test_console_phone_log__only_counselors_and_admins(
    client: AsyncClient, auth: dict[str, dict[str, str]]
) -> None:
    for role in ("soja_device", "desk_staff", "coordinator", "interpreter"):
        assert (await client.post(PHONE, json=PHONE_CALL, headers=auth[role])).status_code == 403, role
        assert (await client.get(OWN, headers=auth[role])).status_code == 403, role
    assert (await client.post(PHONE, json=PHONE_CALL)).status_code == 401
