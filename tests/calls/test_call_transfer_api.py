"""The console's call transfer against the live desk (SQLite and PostgreSQL): who may transfer, the picker's
list of free colleagues, refusals (409) and bad bodies (422)."""

from __future__ import annotations

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.service import issue_api_token
from app.enums import Role
from app.staff.service import create_user
from tests.conftest import PASSWORD


async def _counselor(db: AsyncSession, username: str, *languages: str) -> tuple[int, dict[str, str]]:
    user = await create_user(
        db,
        username=username,
        password=PASSWORD,
        role=Role.counselor,
        display_name=f"相談員 {username}",
        language_codes=("ja", *languages),
    )
    token = await issue_api_token(db, user, "tests")
    await db.commit()
    return user.id, {"Authorization": f"Bearer {token}"}


async def _available(client: AsyncClient, headers: dict[str, str]) -> None:
    response = await client.post("/api/v1/presence", json={"state": "available"}, headers=headers)
    assert response.status_code == 204, response.text


async def _calls(client: AsyncClient, headers: dict[str, str]) -> dict[str, str]:
    queue = (await client.get("/api/v1/queue", headers=headers)).json()
    return {c["request_id"]: c["counselor_id"] for c in queue["calls"]}


async def _english_call(client: AsyncClient, auth: dict[str, dict[str, str]]) -> str:
    """The fixture counselor (Japanese and English) serves an English resident alone."""
    await _available(client, auth["counselor"])
    response = await client.post(
        "/api/v1/consultations", json={"channel": "counter", "language": "en"}, headers=auth["desk_device"]
    )
    assert response.status_code == 201, response.text
    case_id: str = response.json()["id"]
    assert list(await _calls(client, auth["counselor"])) == [case_id]
    return case_id


async def test_console_transfer_api__to_a_free_english_speaker(
    client: AsyncClient, auth: dict[str, dict[str, str]], db: AsyncSession
) -> None:
    case_id = await _english_call(client, auth)
    former = (await _calls(client, auth["counselor"]))[case_id]
    ja_id, ja = await _counselor(db, "transfer-ja")
    en_id, en = await _counselor(db, "transfer-en", "en")
    await _available(client, ja)
    await _available(client, en)
    targets = await client.get(f"/api/v1/consultations/{case_id}/transfer-targets", headers=auth["counselor"])
    assert targets.status_code == 200, targets.text
    assert targets.json() == {
        "consultation_id": case_id,
        "counselors": [{"counselor_id": en_id, "display_name": "相談員 transfer-en", "languages": ["en"]}],
    }, "the Japanese-only colleague cannot serve an English resident without an interpreter"
    url = f"/api/v1/consultations/{case_id}/transfer"
    refused = await client.post(url, json={"to_counselor_id": ja_id}, headers=auth["counselor"])
    assert refused.status_code == 409
    assert "does not speak 'en'" in refused.json()["detail"]
    moved = await client.post(url, json={"to_counselor_id": en_id}, headers=auth["counselor"])
    assert moved.status_code == 204, moved.text
    assert await _calls(client, auth["counselor"]) == {case_id: str(en_id)}
    counselors = (await client.get("/api/v1/queue", headers=auth["counselor"])).json()["counselors"]
    states = {c["counselor_id"]: c["state"] for c in counselors}
    assert (states[former], states[str(en_id)]) == ("free", "in_call")
    # the former counselor is no longer in the call: only the new one (or an admin) may move it on
    assert (
        await client.post(url, json={"to_counselor_id": ja_id}, headers=auth["counselor"])
    ).status_code == 403
    back = await client.post(url, json={"to_counselor_id": int(former)}, headers=auth["admin"])
    assert back.status_code == 204, back.text
    assert await _calls(client, auth["counselor"]) == {case_id: former}


async def test_console_transfer_api__who_may_and_what_is_refused(
    client: AsyncClient, auth: dict[str, dict[str, str]], db: AsyncSession
) -> None:
    case_id = await _english_call(client, auth)
    busy_id, busy = await _counselor(db, "transfer-busy", "en")  # was available, stepped away
    await _available(client, busy)
    away = await client.post("/api/v1/presence", json={"state": "away"}, headers=busy)
    assert away.status_code == 204, away.text
    url = f"/api/v1/consultations/{case_id}/transfer"
    for role in ("desk_device", "desk_staff", "interpreter", "coordinator"):
        assert (
            await client.post(url, json={"to_counselor_id": busy_id}, headers=auth[role])
        ).status_code == 403
        targets = await client.get(f"/api/v1/consultations/{case_id}/transfer-targets", headers=auth[role])
        assert targets.status_code == 403, role
    refused = await client.post(url, json={"to_counselor_id": busy_id}, headers=auth["counselor"])
    assert refused.status_code == 409 and "not free" in refused.json()["detail"]
    ghost = await client.post(url, json={"to_counselor_id": 999999}, headers=auth["counselor"])
    assert ghost.status_code == 409 and "has not signed in" in ghost.json()["detail"]
    me = (await _calls(client, auth["counselor"]))[case_id]
    itself = await client.post(url, json={"to_counselor_id": int(me)}, headers=auth["counselor"])
    assert itself.status_code == 409 and "already in this call" in itself.json()["detail"]
    assert await _calls(client, auth["counselor"]) == {case_id: me}, "refusals change nothing"
    nobody = await client.get(f"/api/v1/consultations/{case_id}/transfer-targets", headers=auth["counselor"])
    assert nobody.json()["counselors"] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "to_counselor_id"),
        ({"to_counselor_id": "someone"}, "to_counselor_id"),
        ({"to_counselor_id": 0}, "to_counselor_id"),
        ({"to_counselor_id": 5, "note": "x"}, "note"),
    ],
)
async def test_console_transfer_api__bad_body_is_422(
    client: AsyncClient, auth: dict[str, dict[str, str]], body: dict[str, object], field: str
) -> None:
    case_id = await _english_call(client, auth)
    response = await client.post(
        f"/api/v1/consultations/{case_id}/transfer", json=body, headers=auth["counselor"]
    )
    assert response.status_code == 422, response.text
    assert [e["loc"] for e in response.json()["detail"]] == [["body", field]]


async def test_console_transfer_api__not_in_a_call_or_unknown(
    client: AsyncClient, auth: dict[str, dict[str, str]]
) -> None:
    response = await client.post(
        "/api/v1/consultations", json={"channel": "counter", "language": "vi"}, headers=auth["desk_device"]
    )
    waiting = response.json()["id"]  # nobody speaks Vietnamese here: it waits
    for path in (f"{waiting}/transfer-targets", "nope/transfer-targets"):
        expected = 409 if path.startswith(waiting) else 404
        assert (
            await client.get(f"/api/v1/consultations/{path}", headers=auth["counselor"])
        ).status_code == expected
    body = {"to_counselor_id": 1}
    refused = await client.post(
        f"/api/v1/consultations/{waiting}/transfer", json=body, headers=auth["counselor"]
    )
    assert refused.status_code == 409 and "not in a call" in refused.json()["detail"]
    unknown = await client.post("/api/v1/consultations/nope/transfer", json=body, headers=auth["counselor"])
    assert unknown.status_code == 404
