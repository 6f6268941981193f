from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from app.audit.service import record
from app.bounds import ID_MAX
from app.consultation import repository, service
from app.consultation.schemas import ConsultationPage, ConsultationRead
from app.deps import CaseReader, CipherDep, DbSession
from app.enums import ConsultationStatus
from app.live.case_status import with_live_status

router = APIRouter(prefix="/consultations", tags=["consultations"])


@router.get("", response_model=ConsultationPage)
async def list_consultations(
    request: Request,
    db: DbSession,
    cipher: CipherDep,
    principal: CaseReader,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    before: Annotated[int | None, Query(ge=1, le=ID_MAX, description="cursor from next_cursor")] = None,
    status_filter: Annotated[ConsultationStatus | None, Query(alias="status")] = None,
    language: Annotated[str | None, Query(min_length=2, max_length=8)] = None,
) -> ConsultationPage:
    """Newest first, within your scope (municipality for coordinators, site for counters)."""
    rows = await repository.list_page(
        db, principal, limit=limit + 1, before=before, status=status_filter, language=language
    )
    page, more = rows[:limit], len(rows) > limit
    client_ip = request.client.host if request.client else None
    await record(
        db,
        principal,
        "consultation.list_personal" if principal.sees_personal_data else "consultation.list",
        "consultation",
        None,
        {"ids": [c.public_id for c in page]},
        client_ip,
    )
    return ConsultationPage(
        items=[service.to_read(c, principal, cipher) for c in page], next_cursor=page[-1].id if more else None
    )


@router.get("/{consultation_id}", response_model=ConsultationRead)
async def read_consultation(
    consultation_id: str, request: Request, db: DbSession, cipher: CipherDep, principal: CaseReader
) -> ConsultationRead:
    """One case. Personal fields only for counselors and admins; every read is written to the audit trail."""
    client_ip = request.client.host if request.client else None
    read = await service.read_consultation(db, principal, consultation_id, cipher, client_ip)
    return with_live_status(request, read)
