"""Marks the hours of changed cases so reports recompute their months live until the rollup is refreshed.

A session hook sees every consultation, call leg and media change written through the ORM and appends one
marker per UTC hour of request touched. Writers that bypass the unit of work (bulk UPDATEs) that change
what reports count call `mark_cases_stale`; bulk loads of new cases (Core INSERTs: synthetic data) call
`mark_hours_stale` with the request times they wrote.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import event, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, UOWTransaction

from app.consultation.models import CallLeg, Consultation
from app.consultation.record_models import ConsultationMediaChange
from app.report.models import ReportStaleHour
from app.report.repository import cast_table

_consultation = cast_table(Consultation)


def utc_hour(instant: datetime) -> datetime:
    aware = instant if instant.tzinfo else instant.replace(tzinfo=UTC)
    return aware.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def _touched(session: Session) -> tuple[set[datetime], set[int]]:
    hours: set[datetime] = set()
    ids: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Consultation):
            if obj in session.dirty and not session.is_modified(obj):
                continue
            requested_at = obj.__dict__.get("requested_at")  # loaded state only: never trigger a load here
            if isinstance(requested_at, datetime):
                hours.add(utc_hour(requested_at))
            elif obj.__dict__.get("id") is not None:
                ids.add(obj.__dict__["id"])
        elif isinstance(obj, CallLeg | ConsultationMediaChange):
            consultation_id = obj.__dict__.get("consultation_id")
            if isinstance(consultation_id, int):
                ids.add(consultation_id)
    return hours, ids


def _insert_markers(connection: Connection, hours: set[datetime], ids: Iterable[int]) -> None:
    id_list = sorted(set(ids))
    for start in range(0, len(id_list), 500):
        chunk = id_list[start : start + 500]
        rows = connection.execute(select(_consultation.c.requested_at).where(_consultation.c.id.in_(chunk)))
        hours.update(utc_hour(row[0]) for row in rows if row[0] is not None)
    if hours:
        connection.execute(insert(ReportStaleHour), [{"hour": hour} for hour in sorted(hours)])


@event.listens_for(Session, "after_flush")
def _mark_after_flush(session: Session, _context: UOWTransaction) -> None:
    hours, ids = _touched(session)
    if hours or ids:
        _insert_markers(session.connection(), hours, ids)


async def mark_hours_stale(session: AsyncSession, requested: Iterable[datetime]) -> int:
    """For bulk loads that insert cases with Core statements: one marker per UTC hour of request written.

    Their months are then computed live, and the next refresh rolls them up again. Returns the hours marked.
    """
    hours = sorted({utc_hour(instant) for instant in requested})
    for start in range(0, len(hours), 5000):
        await session.execute(
            insert(ReportStaleHour), [{"hour": hour} for hour in hours[start : start + 5000]]
        )
    return len(hours)


async def mark_cases_stale(session: AsyncSession, consultation_ids: Iterable[int]) -> None:
    """For writers that change counted fields with bulk statements the session hook cannot see."""
    ids = list(consultation_ids)

    def work(sync_session: Session) -> None:
        _insert_markers(sync_session.connection(), set(), ids)

    await session.run_sync(work)
