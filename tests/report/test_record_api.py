"""Completing a case record after the call: topics, outcome, referral, follow-up, attributes, notes."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.models import AuditEvent
from app.clock import ControlledClock
from app.consultation.models import Consultation

from .conftest import get_json


def _url(case: str) -> str:
    return f"/api/v1/consultations/{case}/record"


async def test_record__counselor_completes_topics_outcome_and_notes(
    client: AsyncClient, auth: dict[str, dict[str, str]], hand_cases: dict[str, str], db: AsyncSession
) -> None:
    body = {
        "topics": ["housing", "tax"],
        "outcome": "referred",
        "referral_to": "倉敷市 住宅課",
        "follow_up": True,
        "attributes": {"nationality": "vn", "age_band": "30s", "gender": "female"},
        "notes": "needs a housing certificate",
    }
    response = await client.patch(_url(hand_cases["C8"]), json=body, headers=auth["counselor"])
    assert response.status_code == 200, response.text
    record = response.json()
    assert (record["topics"], record["outcome"], record["referral_to"]) == (
        ["tax", "housing"],
        "referred",
        "倉敷市 住宅課",
    )
    assert record["follow_up"] is True and record["attributes"]["nationality"] == "VN"
    assert record["notes"] == "needs a housing certificate"
    assert record["derived"] == {
        "wait_seconds": 15,
        "talk_seconds": 420,
        "time_to_interpreter_seconds": None,
        "interpreter_minutes": 0.0,
    }
    row = await db.scalar(select(Consultation).where(Consultation.public_id == hand_cases["C8"]))
    assert row is not None and row.notes_enc is not None and b"housing" not in row.notes_enc
    event = await db.scalar(select(AuditEvent).where(AuditEvent.action == "consultation.record_update"))
    assert event is not None and event.entity_id == hand_cases["C8"]
    assert event.detail == {
        "fields": ["attributes", "follow_up", "notes", "outcome", "referral_to", "topics"]
    }
    assert "housing certificate" not in str(event.detail)


async def test_record__change_counts_in_the_reports_at_once(
    client: AsyncClient, auth: dict[str, dict[str, str]], hand_cases: dict[str, str]
) -> None:
    before = await get_json(client, "/api/v1/reports/cases", auth["admin"], by="topic")  # also rolls up
    patch = await client.patch(
        _url(hand_cases["C8"]), json={"topics": ["housing"]}, headers=auth["counselor"]
    )
    assert patch.status_code == 200
    after = await get_json(client, "/api/v1/reports/cases", auth["admin"], by="topic")
    totals = {
        body_name: dict(zip([c["code"] for c in body["categories"]], body["category_totals"], strict=True))
        for body_name, body in (("before", before), ("after", after))
    }
    assert (totals["before"]["tax"], totals["before"]["housing"]) == (5, 0)
    assert (totals["after"]["tax"], totals["after"]["housing"]) == (4, 1)


@pytest.mark.parametrize(
    ("body", "loc", "needle"),
    [
        ({"topics": ["tax", "visa"]}, ["body", "topics", 1], "unknown topic 'visa'; accepted: residence"),
        ({"outcome": "referred"}, ["body", "referral_to"], "outcome 'referred' needs referral_to"),
        ({"outcome": "resolved", "referral_to": "法テラス"}, ["body", "referral_to"], "only for outcome"),
    ],
)
async def test_record__invalid_update_is_a_clear_422(
    client: AsyncClient,
    auth: dict[str, dict[str, str]],
    hand_cases: dict[str, str],
    body: dict[str, Any],
    loc: list[Any],
    needle: str,
) -> None:
    response = await client.patch(_url(hand_cases["C1"]), json=body, headers=auth["counselor"])
    assert response.status_code == 422, response.text
    (error,) = response.json()["detail"]
    assert error["loc"] == loc
    assert needle in error["msg"]
    if loc[-2:] == ["topics", 1]:
        assert "general_admin" in error["ctx"]["accepted"]


async def test_record__unknown_outcome_is_422_with_the_accepted_values(
    client: AsyncClient, auth: dict[str, dict[str, str]], hand_cases: dict[str, str]
) -> None:
    response = await client.patch(_url(hand_cases["C1"]), json={"outcome": "done"}, headers=auth["admin"])
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"] == ["body", "outcome"] and "referred" in error["msg"]


async def test_record__referred_case_becoming_resolved_drops_its_referral(
    client: AsyncClient, auth: dict[str, dict[str, str]], hand_cases: dict[str, str]
) -> None:
    response = await client.patch(_url(hand_cases["C2"]), json={"outcome": "resolved"}, headers=auth["admin"])
    assert (response.json()["outcome"], response.json()["referral_to"]) == ("resolved", None)


async def test_record__only_counselors_and_admins_write_and_coordinators_read_without_notes(
    client: AsyncClient, auth: dict[str, dict[str, str]], hand_cases: dict[str, str]
) -> None:
    for role in ("coordinator", "desk_staff", "interpreter", "desk_device"):
        response = await client.patch(_url(hand_cases["C1"]), json={"follow_up": True}, headers=auth[role])
        assert response.status_code == 403, role
    read = await client.get(_url(hand_cases["C4"]), headers=auth["coordinator"])
    assert read.status_code == 200
    record = read.json()
    assert record["notes"] is None
    assert record["derived"] == {
        "wait_seconds": 40,
        "talk_seconds": 1200,
        "time_to_interpreter_seconds": 55,
        "interpreter_minutes": 18.8,
    }
    assert (await client.get(_url(hand_cases["C4"]), headers=auth["soja_coordinator"])).status_code == 404


async def test_media_change__fallback_to_audio_is_recorded_and_counted(
    client: AsyncClient, auth: dict[str, dict[str, str]], hand_cases: dict[str, str]
) -> None:
    url = f"/api/v1/consultations/{hand_cases['C10']}/media-changes"
    change = {"from_media": "video", "to_media": "audio", "reason": "network"}
    response = await client.post(url, json=change, headers=auth["counselor"])
    assert response.status_code == 201, response.text
    record = (await client.get(_url(hand_cases["C10"]), headers=auth["admin"])).json()
    assert [(c["from_media"], c["to_media"], c["reason"]) for c in record["media_changes"]] == [
        ("video", "audio", "network")
    ]
    service = await get_json(client, "/api/v1/reports/service", auth["admin"])
    assert service["total"]["fallback_audio"] == 2  # C5 and now C10
    bad = await client.post(url, json={"reason": "Free text with a name"}, headers=auth["counselor"])
    assert bad.status_code == 422


async def test_record__notes_cannot_be_added_after_the_purge(
    client: AsyncClient,
    auth: dict[str, dict[str, str]],
    hand_cases: dict[str, str],
    db: AsyncSession,
    clock: ControlledClock,
) -> None:
    from app.retention.service import purge_personal_data

    await purge_personal_data(db, 30, now=clock.now())  # TEST_NOW: C1 closed in September, > 30 days ago
    await db.commit()
    response = await client.patch(_url(hand_cases["C1"]), json={"notes": "again"}, headers=auth["counselor"])
    assert response.status_code == 409
