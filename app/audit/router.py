"""The audit viewer's API (admins only: the trail says who read whose case): filtered pages, CSV export, and
who read one case."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from app.audit.service import record
from app.audit.viewer import case_readers, search, to_csv
from app.audit.views import Filters
from app.deps import Admin, DbSession

router = APIRouter(prefix="/admin/audit", tags=["admin"])

CSV_MAX_ROWS = 50_000


class AuditEntry(BaseModel):
    id: int
    at: datetime
    actor_kind: str
    actor_id: str | None
    actor_name: str | None = Field(description="the staff member's username, when the actor is staff")
    action: str
    entity_type: str
    entity_id: str | None
    detail: dict[str, Any] | None
    client_ip: str | None


class AuditPage(BaseModel):
    total: int
    entries: list[AuditEntry]


class CaseReaderRead(BaseModel):
    actor_kind: str
    actor_id: str | None
    actor_name: str | None
    action: str
    first_at: datetime
    last_at: datetime
    times: int


class CaseReaders(BaseModel):
    case: str
    readers: list[CaseReaderRead]


@router.get("", response_model=AuditPage)
async def audit_events(
    _admin: Admin,
    db: DbSession,
    filters: Filters,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> AuditPage:
    """Audit events newest first, filtered by actor, action, case and time."""
    total, rows = await search(db, filters, limit=limit, offset=offset)
    return AuditPage(
        total=total,
        entries=[
            AuditEntry(
                id=event.id,
                at=event.at,
                actor_kind=event.actor_kind,
                actor_id=event.actor_id,
                actor_name=name,
                action=event.action,
                entity_type=event.entity_type,
                entity_id=event.entity_id,
                detail=event.detail,
                client_ip=event.client_ip,
            )
            for event, name in rows
        ],
    )


@router.get("/export.csv", response_class=Response)
async def export_audit_csv(request: Request, admin: Admin, db: DbSession, filters: Filters) -> Response:
    """The same filter as CSV (UTF-8 with BOM); the export itself is audited."""
    total, rows = await search(db, filters, limit=CSV_MAX_ROWS)
    detail = {key: str(value) for key, value in vars(filters).items() if value is not None}
    await record(
        db,
        admin,
        "audit.export",
        "audit_event",
        None,
        {"filters": detail, "rows": len(rows), "total": total},
        request.client.host if request.client else None,
    )
    return Response(
        to_csv(rows),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": 'attachment; filename="madoguchi-audit.csv"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/cases/{case}/readers", response_model=CaseReaders)
async def who_read_the_case(case: str, _admin: Admin, db: DbSession) -> CaseReaders:
    """Who read this case (opened it, its chat or summary, or a list that showed it): per actor and action,
    the first and last time and how often."""
    readers = await case_readers(db, case)
    return CaseReaders(case=case, readers=[CaseReaderRead(**vars(reader)) for reader in readers])
