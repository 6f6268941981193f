from __future__ import annotations

import asyncio
from typing import Any

from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.models import AuditEvent
from app.consultation.models import Consultation

NEPALI_AT_SOJA: dict[str, Any] = {
    "channel": "satellite",
    "language": "ne",
    "site": "soja-counter",
    "resident_municipality": "33208",
    "topic_hint": "residence",
    "topics": ["residence", "tax"],
    "personal": {
        "resident_name": "Ram Bahadur",
        "resident_contact": "090-0000-0000",
        "notes": "visa renewal",
    },
}


async def _count(db: AsyncSession) -> int:
    return int(await db.scalar(select(func.count()).select_from(Consultation)) or 0)


async def test_create__stores_case_with_topics_and_encrypts_personal_data(
    client: AsyncClient, auth: dict[str, dict[str, str]], db: AsyncSession
) -> None:
    response = await client.post("/api/v1/consultations", json=NEPALI_AT_SOJA, headers=auth["soja_staff"])
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "queued"  # stored, then routed: no interpreter is online yet
    assert body["live"]["position"] == 1
    assert (body["language"], body["site"], body["channel"]) == ("ne", "soja-counter", "satellite")
    assert sorted(body["topics"]) == ["residence", "tax"]
    assert body["personal"] is None  # counter staff may write personal data but not read it back
    assert response.headers["location"] == f"/api/v1/consultations/{body['id']}"
    row = await db.scalar(select(Consultation).where(Consultation.public_id == body["id"]))
    assert row is not None and row.resident_name_enc is not None
    assert b"Ram" not in row.resident_name_enc and b"visa" not in (row.notes_enc or b"")
    assert row.requested_at.tzinfo is not None


async def test_read__personal_data_only_for_counselor_and_admin_and_audited(
    client: AsyncClient, auth: dict[str, dict[str, str]], db: AsyncSession
) -> None:
    created = (
        await client.post("/api/v1/consultations", json=NEPALI_AT_SOJA, headers=auth["soja_staff"])
    ).json()
    url = f"/api/v1/consultations/{created['id']}"
    for name in ("counselor", "admin"):
        body = (await client.get(url, headers=auth[name])).json()
        assert body["personal"] == NEPALI_AT_SOJA["personal"]
    for name in ("soja_staff", "coordinator", "soja_coordinator"):
        response = await client.get(url, headers=auth[name])
        assert response.status_code == 200, name
        assert response.json()["personal"] is None, name
    # a tablet at the same site did not open it: no case for it (issue 18, Medium 9)
    assert (await client.get(url, headers=auth["soja_device"])).status_code == 404
    reads = (
        await db.scalars(
            select(AuditEvent.action).where(AuditEvent.entity_id == created["id"]).order_by(AuditEvent.id)
        )
    ).all()
    assert reads.count("consultation.read_personal") == 2
    assert reads.count("consultation.read") == 3
    assert reads[0] == "consultation.create"


async def test_idempotency__same_key_twice_gives_one_case(
    client: AsyncClient, auth: dict[str, dict[str, str]], db: AsyncSession
) -> None:
    headers = {**auth["desk_device"], "Idempotency-Key": "tablet-7f3a-0001"}
    body = {"channel": "counter", "language": "pt"}
    first = await client.post("/api/v1/consultations", json=body, headers=headers)
    second = await client.post("/api/v1/consultations", json=body, headers=headers)
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.headers["idempotent-replayed"] == "true"
    assert first.json()["id"] == second.json()["id"]
    assert first.json()["site"] == "kurashiki-desk"  # a device opens cases at its own site
    assert await _count(db) == 1


async def test_idempotency__concurrent_duplicates_give_one_case(
    client: AsyncClient, auth: dict[str, dict[str, str]], db: AsyncSession
) -> None:
    headers = {**auth["desk_device"], "Idempotency-Key": "double-tap-0000001"}
    body = {"channel": "counter", "language": "vi"}
    responses = await asyncio.gather(
        *(client.post("/api/v1/consultations", json=body, headers=headers) for _ in range(8))
    )
    assert sorted(r.status_code for r in responses) == [200] * 7 + [201]
    assert len({r.json()["id"] for r in responses}) == 1
    assert await _count(db) == 1


async def test_idempotency__key_reused_with_other_body_is_409(
    client: AsyncClient, auth: dict[str, dict[str, str]], db: AsyncSession
) -> None:
    headers = {**auth["desk_device"], "Idempotency-Key": "reused-key-000001"}
    await client.post("/api/v1/consultations", json={"channel": "counter", "language": "pt"}, headers=headers)
    response = await client.post(
        "/api/v1/consultations", json={"channel": "counter", "language": "es"}, headers=headers
    )
    assert response.status_code == 409
    assert "Idempotency-Key" in response.json()["detail"]
    assert await _count(db) == 1


async def test_create__unknown_language_is_422_listing_supported_codes(
    client: AsyncClient, auth: dict[str, dict[str, str]], db: AsyncSession
) -> None:
    response = await client.post(
        "/api/v1/consultations", json={"channel": "phone", "language": "xx"}, headers=auth["counselor"]
    )
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"] == ["body", "language"]
    assert "'xx'" in error["msg"]
    assert set(error["ctx"]["accepted"]) >= {"en", "ne", "uk", "ja", "fil"}
    assert await _count(db) == 0


async def test_create__schema_errors_name_the_field_and_accepted_values(
    client: AsyncClient, auth: dict[str, dict[str, str]]
) -> None:
    response = await client.post(
        "/api/v1/consultations", json={"channel": "fax", "language": "en"}, headers=auth["counselor"]
    )
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"] == ["body", "channel"]
    assert "counter" in error["msg"] and "phone" in error["msg"]


async def test_create__channel_and_site_must_match(
    client: AsyncClient, auth: dict[str, dict[str, str]], db: AsyncSession
) -> None:
    wrong_kind = await client.post(
        "/api/v1/consultations",
        json={"channel": "counter", "language": "en", "site": "soja-counter"},
        headers=auth["counselor"],
    )
    assert wrong_kind.status_code == 422
    assert wrong_kind.json()["detail"][0]["loc"] == ["body", "channel"]
    missing_site = await client.post(
        "/api/v1/consultations", json={"channel": "satellite", "language": "en"}, headers=auth["counselor"]
    )
    assert missing_site.status_code == 422
    assert missing_site.json()["detail"][0]["loc"] == ["body", "site"]
    other_site = await client.post(
        "/api/v1/consultations",
        json={"channel": "counter", "language": "en", "site": "kurashiki-desk"},
        headers=auth["soja_device"],
    )
    assert other_site.status_code == 422
    unknown_topic = await client.post(
        "/api/v1/consultations",
        json={"channel": "phone", "language": "en", "topics": ["tax", "astrology"]},
        headers=auth["counselor"],
    )
    assert unknown_topic.status_code == 422
    assert unknown_topic.json()["detail"][0]["loc"] == ["body", "topics", "1"]
    assert await _count(db) == 0


async def test_scope__soja_coordinator_cannot_read_a_kurashiki_case(
    client: AsyncClient, auth: dict[str, dict[str, str]]
) -> None:
    kurashiki = (
        await client.post(
            "/api/v1/consultations",
            json={
                "channel": "counter",
                "language": "en",
                "site": "kurashiki-desk",
                "resident_municipality": "33202",
            },
            headers=auth["counselor"],
        )
    ).json()
    soja = (
        await client.post("/api/v1/consultations", json=NEPALI_AT_SOJA, headers=auth["soja_staff"])
    ).json()
    assert (
        await client.get(f"/api/v1/consultations/{kurashiki['id']}", headers=auth["soja_coordinator"])
    ).status_code == 404
    assert (
        await client.get(f"/api/v1/consultations/{soja['id']}", headers=auth["soja_coordinator"])
    ).status_code == 200
    listed = (await client.get("/api/v1/consultations", headers=auth["soja_coordinator"])).json()["items"]
    assert [c["id"] for c in listed] == [soja["id"]]
    filtered = await client.get("/api/v1/consultations?language=en", headers=auth["soja_coordinator"])
    assert filtered.json()["items"] == []
    wide = (await client.get("/api/v1/consultations", headers=auth["coordinator"])).json()["items"]
    assert {c["id"] for c in wide} == {kurashiki["id"], soja["id"]}
    # counter staff and devices see their own site's cases only
    desk = (await client.get("/api/v1/consultations", headers=auth["desk_staff"])).json()["items"]
    assert [c["id"] for c in desk] == [kurashiki["id"]]
    assert (
        await client.get(f"/api/v1/consultations/{soja['id']}", headers=auth["desk_device"])
    ).status_code == 404


async def test_list__pages_newest_first(client: AsyncClient, auth: dict[str, dict[str, str]]) -> None:
    ids = []
    for index in range(5):
        response = await client.post(
            "/api/v1/consultations",
            json={"channel": "phone", "language": "en"},
            headers={**auth["counselor"], "Idempotency-Key": f"page-test-{index:04d}"},
        )
        ids.append(response.json()["id"])
    first = (await client.get("/api/v1/consultations?limit=2", headers=auth["admin"])).json()
    assert [c["id"] for c in first["items"]] == ids[::-1][:2]
    second = (
        await client.get(
            f"/api/v1/consultations?limit=2&before={first['next_cursor']}", headers=auth["admin"]
        )
    ).json()
    assert [c["id"] for c in second["items"]] == ids[::-1][2:4]
