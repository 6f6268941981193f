"""Chat and case summaries over REST: exact fixture outputs, the English pivot, refusals and scope."""

from __future__ import annotations

from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.models import AuditEvent
from app.chat.models import CaseSummary, ChatMessage

from .conftest import EN_JA, EN_NE, ticket_of, video_intake


async def _open_chat(client: AsyncClient, auth: dict[str, dict[str, str]], language: str = "ne") -> dict:
    case = await video_intake(client, auth["counselor"], language)
    status = await client.get(f"/api/v1/consultations/{case['id']}/chat/status", headers=ticket_of(case))
    assert status.status_code == 200, status.text
    assert status.json()["fallback"]["options"] == ["mt_chat", "callback", "reservation"]
    opened = await client.post(
        f"/api/v1/consultations/{case['id']}/chat/accept-fallback",
        json={"option": "mt_chat"},
        headers=ticket_of(case),
    )
    assert opened.status_code == 200, opened.text
    assert opened.json()["open"] is True
    assert opened.json()["status"] == "fallback"
    return case


async def test_chat__resident_nepali_reaches_japanese_through_english_and_back(
    client: AsyncClient, auth: dict[str, dict[str, str]], db: AsyncSession
) -> None:
    case = await _open_chat(client, auth)
    url = f"/api/v1/consultations/{case['id']}/chat"

    sent = await client.post(url, json={"text": "नमस्ते। मलाई मद्दत चाहियो।"}, headers=ticket_of(case))
    assert sent.status_code == 201, sent.text
    line = sent.json()
    assert line["sender"] == "resident"
    assert line["text"] == "नमस्ते। मलाई मद्दत चाहियो।"  # the writer reads their own words
    assert line["translated"] == f"{EN_JA}{EN_JA}"  # two sentences, each through ne->en->ja
    assert line["route"] == "ne>en>ja"
    assert line["machine_translated"] is True

    reply = await client.post(url, json={"text": "ありがとうございます。"}, headers=auth["counselor"])
    assert reply.status_code == 201, reply.text
    assert reply.json()["translated"] == EN_NE
    assert reply.json()["route"] == "ja>en>ne"

    staff_view = (await client.get(url, headers=auth["counselor"])).json()
    assert [m["text"] for m in staff_view["messages"]] == [f"{EN_JA}{EN_JA}", "ありがとうございます。"]
    resident_view = (await client.get(url, headers=ticket_of(case))).json()
    assert [m["text"] for m in resident_view["messages"]] == ["नमस्ते। मलाई मद्दत चाहियो।", EN_NE]
    assert resident_view["messages"][1]["original"] == "ありがとうございます。"

    rows = (await db.scalars(select(ChatMessage).order_by(ChatMessage.id))).all()
    assert [(r.sender, r.original_language, r.target_language, r.route) for r in rows] == [
        ("resident", "ne", "ja", "ne>en>ja"),
        ("counselor", "ja", "ne", "ja>en>ne"),
    ]
    for row in rows:  # encrypted at rest
        assert row.original_enc is not None and "ありがとう".encode() not in row.original_enc
        assert row.translated_enc is not None and EN_JA.encode() not in row.translated_enc


async def test_chat__missing_pair_is_409_naming_it(
    client: AsyncClient, auth: dict[str, dict[str, str]]
) -> None:
    case = await video_intake(client, auth["counselor"], "th")
    status = (
        await client.get(f"/api/v1/consultations/{case['id']}/chat/status", headers=ticket_of(case))
    ).json()
    assert status["machine_translation"]["available"] is False
    assert status["machine_translation"]["missing_pair"] == ["th", "ja"]

    refused = await client.post(
        f"/api/v1/consultations/{case['id']}/chat/accept-fallback",
        json={"option": "mt_chat"},
        headers=ticket_of(case),
    )
    assert refused.status_code == 409
    assert refused.json()["missing_pair"] == ["th", "ja"]
    assert refused.json()["detail"].startswith("no machine translation th->ja")
    # the case is still waiting: another fallback can still be taken
    status = (
        await client.get(f"/api/v1/consultations/{case['id']}/chat/status", headers=ticket_of(case))
    ).json()
    assert status["open"] is False and status["status"] == "queued"

    summary = await client.post(
        f"/api/v1/consultations/{case['id']}/summary",
        json={"text": "สวัสดี", "language": "th"},
        headers=auth["counselor"],
    )
    assert summary.status_code == 409
    assert summary.json()["missing_pair"] == ["th", "ja"]


async def test_chat__too_long_message_is_422_and_closed_chat_is_409(
    client: AsyncClient, auth: dict[str, dict[str, str]]
) -> None:
    case = await video_intake(client, auth["counselor"])
    url = f"/api/v1/consultations/{case['id']}/chat"
    not_open = await client.post(url, json={"text": "नमस्ते"}, headers=ticket_of(case))
    assert not_open.status_code == 409
    assert "not open" in not_open.json()["detail"]

    case = await _open_chat(client, auth)
    url = f"/api/v1/consultations/{case['id']}/chat"
    too_long = await client.post(url, json={"text": "क" * 2001}, headers=ticket_of(case))
    assert too_long.status_code == 422
    assert too_long.json()["detail"][0]["loc"] == ["body", "text"]
    empty = await client.post(url, json={"text": "   "}, headers=ticket_of(case))
    assert empty.status_code == 422
    at_limit = await client.post(url, json={"text": "क" * 2000}, headers=ticket_of(case))
    assert at_limit.status_code == 201


async def test_chat__only_counselors_and_the_resident_read_it(
    client: AsyncClient, auth: dict[str, dict[str, str]]
) -> None:
    case = await _open_chat(client, auth)
    url = f"/api/v1/consultations/{case['id']}/chat"
    assert (await client.post(url, json={"text": "नमस्ते"}, headers=ticket_of(case))).status_code == 201
    for reader in ("soja_coordinator", "coordinator", "interpreter"):
        response = await client.get(url, headers=auth[reader])
        assert response.status_code in (403, 404), reader
        assert "नमस्ते" not in response.text
    assert (await client.get(url)).status_code == 403  # neither signed in nor a ticket
    other = await video_intake(client, auth["counselor"])
    wrong_ticket = await client.get(url, headers=ticket_of(other))
    assert wrong_ticket.status_code == 403
    assert (await client.get(url, headers=auth["admin"])).status_code == 200


async def test_chat__fallback_endpoint_opens_the_chat(
    client: AsyncClient, auth: dict[str, dict[str, str]]
) -> None:
    case = await video_intake(client, auth["counselor"])
    response = await client.post(
        f"/api/v1/consultations/{case['id']}/fallback", json={"option": "mt_chat"}, headers=auth["counselor"]
    )
    assert response.status_code == 204, response.text
    status = (
        await client.get(f"/api/v1/consultations/{case['id']}/chat/status", headers=ticket_of(case))
    ).json()
    assert status["open"] is True and status["status"] == "fallback"


async def test_summary__translated_into_japanese_and_stored_beside_the_original(
    client: AsyncClient, auth: dict[str, dict[str, str]], db: AsyncSession
) -> None:
    case = await video_intake(client, auth["counselor"])
    url = f"/api/v1/consultations/{case['id']}/summary"
    created = await client.post(
        url, json={"text": "भिसा नवीकरणको बारेमा सोधे।", "language": "ne"}, headers=auth["counselor"]
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["original"] == "भिसा नवीकरणको बारेमा सोधे।"
    assert body["japanese"] == EN_JA
    assert body["route"] == "ne>en>ja" and body["machine_translated"] is True

    japanese = await client.post(
        url, json={"text": "在留期間の更新", "language": "ja"}, headers=auth["admin"]
    )
    assert japanese.json()["japanese"] == "在留期間の更新" and japanese.json()["machine_translated"] is False

    unknown = await client.post(url, json={"text": "x", "language": "xx"}, headers=auth["counselor"])
    assert unknown.status_code == 422
    assert "ne" in unknown.json()["detail"][0]["ctx"]["accepted"]
    forbidden = await client.post(url, json={"text": "x", "language": "ne"}, headers=auth["coordinator"])
    assert forbidden.status_code == 403

    listed = (await client.get(url, headers=auth["counselor"])).json()
    assert [s["japanese"] for s in listed] == [EN_JA, "在留期間の更新"]
    row = (await db.scalars(select(CaseSummary).order_by(CaseSummary.id))).first()
    assert row is not None and row.japanese_enc is not None and EN_JA.encode() not in row.japanese_enc


async def test_chat__console_lists_open_chats(client: AsyncClient, auth: dict[str, dict[str, str]]) -> None:
    waiting = await video_intake(client, auth["counselor"])
    chatting = await _open_chat(client, auth)
    listed = await client.get("/api/v1/chats", headers=auth["counselor"])
    assert listed.status_code == 200
    assert [(c["consultation_id"], c["language"]) for c in listed.json()] == [(chatting["id"], "ne")]
    assert waiting["id"] not in listed.text
    assert (await client.get("/api/v1/chats", headers=auth["soja_coordinator"])).status_code == 403


async def test_chat__every_read_is_audited_the_residents_own_as_anonymous(
    client: AsyncClient, auth: dict[str, dict[str, str]], db: AsyncSession
) -> None:
    """Issue 18, High 2: chat reads are audited on every path (the socket's chat.join: tests/socket)."""
    case = await _open_chat(client, auth)
    url = f"/api/v1/consultations/{case['id']}/chat"
    assert (await client.get(url, headers=ticket_of(case))).status_code == 200
    assert (await client.get(url, headers=auth["counselor"])).status_code == 200
    reads = (
        await db.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "chat.read", AuditEvent.entity_id == case["id"])
            .order_by(AuditEvent.id)
        )
    ).all()
    assert [(r.actor_kind, r.actor_id is None) for r in reads] == [("anonymous", True), ("staff", False)]
