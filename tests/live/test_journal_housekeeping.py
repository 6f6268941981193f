"""Journal housekeeping: rows no rebuild needs go with the personal data of their case, never before it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.models import AuditEvent
from app.clock import ControlledClock
from app.config import Settings
from app.live.models import RoutingCheckpoint, RoutingDecision, RoutingEvent
from app.main import create_app
from app.retention.journal import rebuild_floor
from app.retention.service import purge_personal_data
from tests.conftest import open_desk_settings


@pytest.fixture
def settings(database_url: str) -> Settings:
    return open_desk_settings(database_url, routing_checkpoint_events=1)  # a checkpoint after every event


async def open_case(client: AsyncClient, headers: dict[str, str], language: str, key: str) -> str:
    response = await client.post(
        "/api/v1/consultations",
        json={"channel": "counter", "language": language},
        headers={**headers, "Idempotency-Key": f"housekeeping-{key}"},
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def rows_naming(db: AsyncSession, request_id: str) -> int:
    events = select(func.count()).select_from(RoutingEvent).where(RoutingEvent.request_id == request_id)
    decisions = (
        select(func.count()).select_from(RoutingDecision).where(RoutingDecision.request_id == request_id)
    )
    return int(await db.scalar(events) or 0) + int(await db.scalar(decisions) or 0)


async def test_purge__deletes_journal_rows_of_purged_cases_and_keeps_what_is_still_read(
    app_and_client: tuple[Any, AsyncClient],
    auth: dict[str, dict[str, str]],
    db: AsyncSession,
    settings: Settings,
    clock: ControlledClock,
) -> None:
    app, client = app_and_client
    desk = auth["desk_device"]
    assert (
        await client.post("/api/v1/presence", json={"state": "available"}, headers=auth["counselor"])
    ).status_code == 204
    gone = await open_case(client, desk, "vi", "gone")
    cancelled = await client.post(f"/api/v1/consultations/{gone}/cancel", json={}, headers=desk)
    assert cancelled.status_code == 204, cancelled.text
    waiting = await open_case(client, desk, "vi", "waiting")  # nobody speaks Vietnamese: stays queued
    for state in ("away", "available") * 2:  # later events: the kept checkpoints move past the cases' rows
        response = await client.post("/api/v1/presence", json={"state": state}, headers=auth["counselor"])
        assert response.status_code == 204
    before = app.state.desk.snapshot()
    assert await rows_naming(db, gone) > 0 and await rows_naming(db, waiting) > 0
    floor = await rebuild_floor(db)
    assert floor > 0
    after_floor = await db.scalar(
        select(func.count()).select_from(RoutingEvent).where(RoutingEvent.seq > floor)
    )
    assert after_floor

    dry = await purge_personal_data(db, 30, now=clock.now() + timedelta(days=60), dry_run=True)
    assert dry.purged == 1 and dry.journal_rows > 0
    assert await rows_naming(db, gone) > 0  # a dry run deletes nothing
    report = await purge_personal_data(db, 30, now=clock.now() + timedelta(days=60))
    await db.commit()
    assert report.purged == 1 and report.journal_rows == dry.journal_rows
    assert await rows_naming(db, gone) == 0  # the purged case's routing facts are gone with its name
    assert await rows_naming(db, waiting) > 0  # the waiting case is not closed: all of it stays
    left = select(func.count()).select_from(RoutingEvent)
    assert await db.scalar(left.where(RoutingEvent.seq <= floor, RoutingEvent.request_id.is_(None))) == 0
    assert await db.scalar(left.where(RoutingEvent.seq > floor)) == after_floor  # a rebuild reads those
    orphans = (
        select(func.count())
        .select_from(RoutingDecision)
        .where(RoutingDecision.event_seq.not_in(select(RoutingEvent.seq)))
    )
    assert await db.scalar(orphans) == 0
    audit = await db.scalar(select(AuditEvent).where(AuditEvent.action == "routing_journal.prune"))
    assert audit is not None and audit.detail == {"deleted": report.journal_rows}

    # a restart after the housekeeping rebuilds the same desk, and nothing is routed twice
    await app.state.desk.stop()  # the first process's desk ends first: one desk per database
    again = create_app(settings, clock=clock)
    async with again.router.lifespan_context(again):
        after = again.state.desk.snapshot()
        assert [e.request_id for e in after.queue] == [e.request_id for e in before.queue] == [waiting]
    requested = (
        select(func.count())
        .select_from(RoutingEvent)
        .where(RoutingEvent.kind == "ConsultationRequested", RoutingEvent.request_id == waiting)
    )
    assert await db.scalar(requested) == 1


async def test_purge__without_a_checkpoint_the_journal_is_left_alone(
    db: AsyncSession, clock: ControlledClock
) -> None:
    assert await db.scalar(select(func.count()).select_from(RoutingCheckpoint)) == 0
    report = await purge_personal_data(db, 30, now=clock.now() + timedelta(days=60))
    assert report.journal_rows == 0


def test_statistics__never_read_the_journal() -> None:
    """Reports count consultation rows; the journal may be pruned without changing a figure."""
    sources = Path(__file__).parents[2] / "app" / "report"
    for path in sources.rglob("*.py"):
        text = path.read_text()
        for name in ("RoutingEvent", "RoutingDecision", "RoutingCheckpoint", "routing_event", "app.live"):
            assert name not in text, f"{path} reads the routing journal ({name})"
