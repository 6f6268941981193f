"""The retention job clears personal data of old closed cases and leaves every statistic exactly as it was."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.models import AuditEvent
from app.consultation.models import Consultation
from app.enums import ConsultationStatus
from app.retention.service import purge_personal_data

from .conftest import PERIOD

VIEWS = ["dashboard", "cases?by=topic", "service", "waits", "interpreter-minutes", "residents"]
EXPORTS = ["export.xlsx", "cases-by-municipality.csv", "waits.csv", "monthly.xlsx?month=2026-09"]


async def _every_statistic(client: AsyncClient, auth: dict[str, dict[str, str]]) -> dict[str, object]:
    """Every dashboard view for a wide-area and a scoped reader, plus the exports' cell values."""
    figures: dict[str, object] = {}
    for reader in ("admin", "kasaoka_coordinator"):
        for view in VIEWS:
            response = await client.get(f"/api/v1/reports/{view}", headers=auth[reader], params=PERIOD)
            assert response.status_code == 200
            figures[f"{reader}:{view}"] = response.json()
    for export in EXPORTS:
        response = await client.get(f"/api/v1/reports/{export}", headers=auth["coordinator"], params=PERIOD)
        assert response.status_code == 200
        figures[f"export:{export}"] = _cells(response.content) if ".xlsx" in export else response.content
    return figures


def _cells(content: bytes) -> list[object]:
    import io

    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(content))
    return [
        value
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if not (isinstance(value, str) and value.startswith(("作成", "作成日")))
    ]


async def test_purge__every_statistic_is_identical_before_and_after(
    client: AsyncClient, auth: dict[str, dict[str, str]], hand_cases: dict[str, str], db: AsyncSession
) -> None:
    before = await _every_statistic(client, auth)
    report = await purge_personal_data(db, 30, now=datetime(2027, 1, 1, tzinfo=UTC))
    await db.commit()
    assert report.purged == 12
    after = await _every_statistic(client, auth)
    assert after == before
    rows = (await db.scalars(select(Consultation))).all()
    assert all(
        r.resident_name_enc is None and r.resident_contact_enc is None and r.notes_enc is None for r in rows
    )
    assert all(r.personal_data_purged_at is not None for r in rows)
    # the case record still reads, without personal data
    record = (await client.get(f"/api/v1/consultations/{hand_cases['C1']}", headers=auth["counselor"])).json()
    assert record["personal"] == {"resident_name": None, "resident_contact": None, "notes": None}
    assert record["personal_data_purged"] is True


async def test_purge__only_closed_cases_older_than_the_period_and_audited(
    hand_cases: dict[str, str], db: AsyncSession
) -> None:
    now = datetime(2026, 10, 20, tzinfo=UTC)  # September's cases are > 30 days closed, October's are not
    dry = await purge_personal_data(db, 30, now=now, dry_run=True)
    assert dry.purged == 6  # C1-C6 closed in September (C6 abandoned: closed too)
    open_case = await db.scalar(select(Consultation).where(Consultation.public_id == hand_cases["C3"]))
    assert open_case is not None
    open_case.status = ConsultationStatus.connected  # still going on: never purged
    await db.commit()
    report = await purge_personal_data(db, 30, now=now)
    await db.commit()
    assert report.purged == 5  # C3 is open now
    kept = (
        await db.scalars(select(Consultation.public_id).where(Consultation.resident_name_enc.is_not(None)))
    ).all()
    assert hand_cases["C3"] in kept and hand_cases["C8"] in kept
    event = await db.scalar(select(AuditEvent).where(AuditEvent.action == "consultation.purge_personal"))
    assert event is not None and event.actor_kind == "system"
    assert event.detail == {
        "purged": report.purged,
        "cutoff": (now - timedelta(days=30)).isoformat(),
        "older_than_days": 30,
    }
