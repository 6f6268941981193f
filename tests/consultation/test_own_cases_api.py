"""The front desk's own views of cases: the resident's topic pictograms and a counselor's own recent cases
(SQLite and PostgreSQL, every role)."""

from __future__ import annotations

from typing import Any

from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.models import AuditEvent
from app.consultation.models import CallLeg, Consultation
from app.enums import CallRole
from app.staff.models import StaffUser

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


async def _intake(client: AsyncClient, headers: dict[str, str], channel: str, language: str = "pt") -> str:
    response = await client.post(
        "/api/v1/consultations", json={"channel": channel, "language": language}, headers=headers
    )
    assert response.status_code == 201, response.text
    case_id: str = response.json()["id"]
    return case_id


async def test_resident_topics__hint_and_topics_from_the_pictograms(
    client: AsyncClient, auth: dict[str, dict[str, str]], db: AsyncSession
) -> None:
    case_id = await _intake(client, auth["soja_device"], "satellite")
    url = f"/api/v1/consultations/{case_id}/resident-topics"
    response = await client.put(url, json={"topics": ["medical", "childcare"]}, headers=auth["soja_device"])
    assert response.status_code == 200, response.text
    assert response.json() == {"topic_hint": "medical", "topics": ["medical", "childcare"]}
    read = (await client.get(f"/api/v1/consultations/{case_id}", headers=auth["counselor"])).json()
    assert read["topic_hint"] == "medical" and sorted(read["topics"]) == ["childcare", "medical"]
    # a new pick replaces the old one; an empty pick clears the hint
    cleared = await client.put(url, json={"topics": []}, headers=auth["soja_device"])
    assert cleared.json() == {"topic_hint": None, "topics": []}
    event = await db.scalar(select(AuditEvent).where(AuditEvent.action == "consultation.resident_topics"))
    assert event is not None and event.entity_id == case_id


async def test_resident_topics__bad_input_scope_and_finished_cases(
    client: AsyncClient, auth: dict[str, dict[str, str]]
) -> None:
    case_id = await _intake(client, auth["soja_device"], "satellite")
    url = f"/api/v1/consultations/{case_id}/resident-topics"
    unknown = await client.put(url, json={"topics": ["tax", "astrology"]}, headers=auth["soja_device"])
    assert unknown.status_code == 422
    assert unknown.json()["detail"][0]["loc"] == ["body", "topics", 1]
    assert "tax" in unknown.json()["detail"][0]["ctx"]["accepted"]
    extra = await client.put(url, json={"topics": [], "name": "x"}, headers=auth["soja_device"])
    assert extra.status_code == 422
    # another site's tablet cannot see this case at all; an interpreter has no say
    assert (await client.put(url, json={"topics": []}, headers=auth["desk_device"])).status_code == 404
    assert (await client.put(url, json={"topics": []}, headers=auth["interpreter"])).status_code == 403
    cancel = await client.post(
        f"/api/v1/consultations/{case_id}/cancel", json={"reason": "cancelled"}, headers=auth["soja_device"]
    )
    assert cancel.status_code == 204, cancel.text
    late = await client.put(url, json={"topics": ["tax"]}, headers=auth["soja_device"])
    assert late.status_code == 409, late.text


async def test_own_cases__only_your_own(
    client: AsyncClient, auth: dict[str, dict[str, str]], db: AsyncSession
) -> None:
    mine = (await client.post(PHONE, json=PHONE_CALL, headers=auth["counselor"])).json()["id"]
    admins = (await client.post(PHONE, json=PHONE_CALL, headers=auth["admin"])).json()["id"]
    # a tablet case the counselor took in a call (their counselor leg), and one they never touched
    taken = await _intake(client, auth["soja_device"], "satellite", "en")
    untouched = await _intake(client, auth["desk_device"], "counter", "vi")
    counselor = await db.scalar(select(StaffUser).where(StaffUser.username == "counselor"))
    case = await db.scalar(select(Consultation).where(Consultation.public_id == taken))
    assert counselor is not None and case is not None
    db.add(
        CallLeg(
            consultation_id=case.id,
            role=CallRole.counselor,
            participant_id=f"staff-{counselor.id}",
            staff_user_id=counselor.id,
        )
    )
    await db.commit()
    listed = await client.get(OWN, headers=auth["counselor"])
    assert listed.status_code == 200, listed.text
    items = {item["id"]: item for item in listed.json()["items"]}
    assert set(items) == {mine, taken}
    assert items[mine]["recorded"] is True and items[mine]["talk_seconds"] == 720
    assert items[taken]["recorded"] is False and items[taken]["site"] == "soja-counter"
    assert admins not in items and untouched not in items
    assert "notes" not in items[mine] and "personal" not in items[mine]
    admin_list = (await client.get(OWN, headers=auth["admin"])).json()["items"]
    assert [item["id"] for item in admin_list] == [admins]
    event = await db.scalar(
        select(AuditEvent).where(AuditEvent.action == "consultation.list_own").order_by(AuditEvent.id)
    )
    assert event is not None and event.detail is not None
    assert set(event.detail["ids"]) == {mine, taken}
