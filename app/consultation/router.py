from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response, status

from app.audit.service import record
from app.consultation import repository, service
from app.consultation.schemas import ConsultationCreate, ConsultationPage, ConsultationRead
from app.deps import CaseReader, CipherDep, DbSession, Front
from app.enums import ConsultationStatus
from app.errors import InvalidField
from app.live.intake import route_new_consultation, with_live_status

router = APIRouter(prefix="/consultations", tags=["consultations"])

_KEY = re.compile(r"^[A-Za-z0-9_.:\-]{8,128}$")


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ConsultationRead)
async def create_consultation(
    consultation_in: ConsultationCreate,
    request: Request,
    response: Response,
    db: DbSession,
    cipher: CipherDep,
    principal: Front,
    idempotency_key: Annotated[
        str | None,
        Header(
            description="8-128 characters [A-Za-z0-9_.:-]; a retry with the same key returns the same case"
        ),
    ] = None,
) -> ConsultationRead:
    """Open a consultation; it is stored before it is routed, and a retried Idempotency-Key is safe."""
    if idempotency_key is not None and not _KEY.match(idempotency_key):
        raise InvalidField(
            ("header", "Idempotency-Key"), "Idempotency-Key must be 8-128 characters of A-Z a-z 0-9 _ . : -"
        )
    result = await service.create_consultation(db, principal, consultation_in, idempotency_key, cipher)
    if result.created:
        # The case must be durable before anyone is rung for it: commit, then hand it to routing.
        await db.commit()
        await route_new_consultation(request, result.consultation)
        await db.refresh(result.consultation)
    else:
        response.status_code = status.HTTP_200_OK
        response.headers["Idempotent-Replayed"] = "true"
    response.headers["Location"] = f"/api/v1/consultations/{result.consultation.public_id}"
    read = service.to_read(result.consultation, principal, cipher)
    return with_live_status(request, read)


@router.get("", response_model=ConsultationPage)
async def list_consultations(
    request: Request,
    db: DbSession,
    cipher: CipherDep,
    principal: CaseReader,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    before: Annotated[int | None, Query(ge=1, description="cursor from next_cursor")] = None,
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
