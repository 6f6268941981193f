"""The retention purge clears chat and summary texts of purged cases; every statistic stays as it was."""

from __future__ import annotations

from datetime import timedelta

from httpx import AsyncClient
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.chat.models import CaseSummary, ChatMessage
from app.clock import ControlledClock
from app.consultation.models import Consultation
from app.enums import ConsultationStatus
from app.retention.service import purge_personal_data

from .conftest import ticket_of, video_intake

VIEWS = ["dashboard", "cases?by=topic", "service", "waits", "residents"]


async def _statistics(
    client: AsyncClient, headers: dict[str, str], period: dict[str, str]
) -> dict[str, object]:
    figures: dict[str, object] = {}
    for view in VIEWS:
        response = await client.get(f"/api/v1/reports/{view}", headers=headers, params=period)
        assert response.status_code == 200, response.text
        figures[view] = response.json()
    return figures


async def test_chat_retention__purge_nulls_chat_text_and_keeps_statistics(
    client: AsyncClient, auth: dict[str, dict[str, str]], db: AsyncSession, clock: ControlledClock
) -> None:
    old, fresh = await video_intake(client, auth["counselor"]), await video_intake(client, auth["counselor"])
    for case in (old, fresh):
        base = f"/api/v1/consultations/{case['id']}"
        opened = await client.post(f"{base}/chat/accept-fallback", json={}, headers=ticket_of(case))
        assert opened.status_code == 200, opened.text
        sent = await client.post(f"{base}/chat", json={"text": "नमस्ते"}, headers=ticket_of(case))
        assert sent.status_code == 201
        summary = await client.post(
            f"{base}/summary", json={"text": "नमस्ते", "language": "ne"}, headers=auth["counselor"]
        )
        assert summary.status_code == 201
    now = clock.now()  # the app's clock too: TEST_NOW, running
    long_ago = now - timedelta(days=400)
    await db.execute(
        update(Consultation)
        .where(Consultation.public_id == old["id"])
        .values(status=ConsultationStatus.fallback, requested_at=long_ago, ended_at=long_ago)
    )
    await db.commit()
    month = long_ago.strftime("%Y-%m")
    period = {"from": month, "to": now.strftime("%Y-%m")}
    before = await _statistics(client, auth["admin"], period)
    rows_before = (await db.execute(select(ChatMessage.route, ChatMessage.sender))).all()

    report = await purge_personal_data(db, 365, now=now)
    await db.commit()
    assert report.purged == 1

    assert await _statistics(client, auth["admin"], period) == before
    assert (await db.execute(select(ChatMessage.route, ChatMessage.sender))).all() == rows_before
    db.expire_all()
    texts = {
        row.consultation_id: (row.original_enc, row.translated_enc)
        for row in (await db.scalars(select(ChatMessage))).all()
    }
    ids = {
        public_id: id_
        for public_id, id_ in (await db.execute(select(Consultation.public_id, Consultation.id))).all()
    }
    assert texts[ids[old["id"]]] == (None, None)
    assert None not in texts[ids[fresh["id"]]]
    summaries = {
        row.consultation_id: row.japanese_enc for row in (await db.scalars(select(CaseSummary))).all()
    }
    assert summaries[ids[old["id"]]] is None and summaries[ids[fresh["id"]]] is not None

    purged = (await client.get(f"/api/v1/consultations/{old['id']}/chat", headers=auth["counselor"])).json()
    assert [(m["text"], m["route"]) for m in purged["messages"]] == [("[purged]", "ne>en>ja")]
