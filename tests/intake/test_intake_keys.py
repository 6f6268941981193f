"""Idempotency keys are the caller's own: the same key string from two callers opens two cases, and neither
caller's retry ever answers with the other's case."""

from __future__ import annotations

from typing import Any

from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.consultation.models import Consultation
from tests.conftest import resident_link

KEY = "shared-key-00000001"
VIDEO_PT: dict[str, Any] = {"channel": "video", "language": "pt"}
PHONE_LOG: dict[str, Any] = {"language": "pt", "topics": ["tax"], "duration_minutes": 5}


async def _count(db: AsyncSession) -> int:
    return int(await db.scalar(select(func.count()).select_from(Consultation)) or 0)


async def test_same_key__two_principals_get_two_cases_and_each_replays_its_own(
    client: AsyncClient, auth: dict[str, dict[str, str]], db: AsyncSession
) -> None:
    callers = ("desk_device", "soja_device", "counselor", "admin")
    first = {}
    for name in callers:
        response = await client.post(
            "/api/v1/consultations", json=VIDEO_PT, headers={**auth[name], "Idempotency-Key": KEY}
        )
        assert response.status_code == 201, (name, response.text)
        first[name] = response.json()["id"]
    assert len(set(first.values())) == len(callers)
    for name in callers:
        again = await client.post(
            "/api/v1/consultations", json=VIDEO_PT, headers={**auth[name], "Idempotency-Key": KEY}
        )
        assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true", name
        assert again.json()["id"] == first[name], name
    assert await _count(db) == len(callers)


async def test_same_key__other_body_from_another_principal_is_a_new_case_not_a_409(
    client: AsyncClient, auth: dict[str, dict[str, str]], db: AsyncSession
) -> None:
    headers = {"Idempotency-Key": KEY}
    mine = await client.post("/api/v1/consultations", json=VIDEO_PT, headers={**auth["counselor"], **headers})
    theirs = await client.post(
        "/api/v1/consultations", json={**VIDEO_PT, "language": "es"}, headers={**auth["admin"], **headers}
    )
    assert (mine.status_code, theirs.status_code) == (201, 201), theirs.text
    assert mine.json()["id"] != theirs.json()["id"]
    assert theirs.json()["language"] == "es"


async def test_same_key__resident_and_device_get_two_cases(
    client: AsyncClient, auth: dict[str, dict[str, str]], db: AsyncSession
) -> None:
    headers = {"Idempotency-Key": KEY}
    device = await client.post(
        "/api/v1/consultations", json=VIDEO_PT, headers={**auth["desk_device"], **headers}
    )
    resident = await client.post(
        "/api/v1/resident/consultations", json={"language": "pt", "link": resident_link()}, headers=headers
    )
    assert (device.status_code, resident.status_code) == (201, 201), resident.text
    assert device.json()["id"] != resident.json()["id"]
    replay = await client.post(
        "/api/v1/resident/consultations", json={"language": "pt", "link": resident_link()}, headers=headers
    )
    assert replay.status_code == 200 and replay.json()["id"] == resident.json()["id"]
    assert await _count(db) == 2


async def test_same_key__phone_logs_of_two_counselors_are_two_cases(
    client: AsyncClient, auth: dict[str, dict[str, str]], db: AsyncSession
) -> None:
    url = "/api/v1/console/phone-consultations"
    headers = {"Idempotency-Key": KEY}
    mine = await client.post(url, json=PHONE_LOG, headers={**auth["counselor"], **headers})
    theirs = await client.post(url, json=PHONE_LOG, headers={**auth["admin"], **headers})
    assert (mine.status_code, theirs.status_code) == (201, 201), theirs.text
    assert mine.json()["id"] != theirs.json()["id"]
    again = await client.post(url, json=PHONE_LOG, headers={**auth["admin"], **headers})
    assert again.status_code == 200 and again.json()["id"] == theirs.json()["id"]
