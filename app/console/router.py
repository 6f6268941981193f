"""Phone consultations logged in one step by a counselor after the call."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Header, Request, Response, status

from app.console import service
from app.console.schemas import PhoneConsultationCreate
from app.consultation.record_schemas import CaseRecordRead
from app.deps import CipherDep, Counselor, DbSession
from app.errors import InvalidField

router = APIRouter(tags=["front-line screens"])

_KEY = re.compile(r"^[A-Za-z0-9_.:\-]{8,128}$")


def _ip(request: Request) -> str | None:
    return request.client.host if request.client else None


@router.post(
    "/console/phone-consultations", status_code=status.HTTP_201_CREATED, response_model=CaseRecordRead
)
async def log_phone_consultation(
    phone_in: PhoneConsultationCreate,
    request: Request,
    response: Response,
    db: DbSession,
    cipher: CipherDep,
    principal: Counselor,
    idempotency_key: Annotated[
        str | None,
        Header(
            description="8-128 characters [A-Za-z0-9_.:-]; a retry with the same key returns the same case"
        ),
    ] = None,
) -> CaseRecordRead:
    """Log a finished phone consultation: the case (channel phone, its duration) and its record at once."""
    if idempotency_key is not None and not _KEY.match(idempotency_key):
        raise InvalidField(
            ("header", "Idempotency-Key"), "Idempotency-Key must be 8-128 characters of A-Z a-z 0-9 _ . : -"
        )
    read, created = await service.log_phone_consultation(
        db, principal, phone_in, idempotency_key, cipher, request.app.state.clock.now(), _ip(request)
    )
    if not created:
        response.status_code = status.HTTP_200_OK
        response.headers["Idempotent-Replayed"] = "true"
    response.headers["Location"] = f"/api/v1/consultations/{read.id}/record"
    return read
