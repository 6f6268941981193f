"""The routes that open a consultation from a staff screen or a device: a live case for routing, or a phone
call logged after it ended."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status

from app.auth.principal import DEVICE, Principal
from app.consultation import service as consultation_service
from app.consultation.record_schemas import CaseRecordRead
from app.consultation.schemas import ConsultationCreate, ConsultationRead
from app.deps import CipherDep, ClockDep, DbSession, require_roles
from app.enums import Role
from app.idempotency import IdempotencyKey, KeyHeader, answer_replay
from app.intake import phone_log
from app.intake.schemas import PhoneConsultationCreate
from app.intake.service import open_consultation
from app.live.case_status import with_live_status

router = APIRouter()

IntakeRoles = Annotated[
    Principal, Depends(require_roles(Role.counter_staff, Role.counselor, Role.admin, DEVICE))
]
Counselor = Annotated[Principal, Depends(require_roles(Role.counselor, Role.admin))]


@router.post(
    "/consultations",
    status_code=status.HTTP_201_CREATED,
    response_model=ConsultationRead,
    tags=["consultations"],
)
async def create_consultation(
    consultation_in: ConsultationCreate,
    request: Request,
    response: Response,
    db: DbSession,
    cipher: CipherDep,
    principal: IntakeRoles,
    idempotency_key: KeyHeader = None,
) -> ConsultationRead:
    """Open a consultation; it is stored before it is routed, and a retried Idempotency-Key is safe."""
    key = IdempotencyKey.from_header(idempotency_key, principal)
    opened = await open_consultation(db, request.app.state.desk, principal, consultation_in, key, cipher)
    if not opened.created:
        answer_replay(response)
    response.headers["Location"] = f"/api/v1/consultations/{opened.consultation.public_id}"
    read = consultation_service.to_read(opened.consultation, principal, cipher)
    return with_live_status(request, read)


@router.post(
    "/console/phone-consultations",
    status_code=status.HTTP_201_CREATED,
    response_model=CaseRecordRead,
    tags=["front-line screens"],
)
async def log_phone_consultation(
    phone_in: PhoneConsultationCreate,
    request: Request,
    response: Response,
    db: DbSession,
    cipher: CipherDep,
    clock: ClockDep,
    principal: Counselor,
    idempotency_key: KeyHeader = None,
) -> CaseRecordRead:
    """Log a finished phone consultation: the case (channel phone, its duration) and its record at once."""
    key = IdempotencyKey.from_header(idempotency_key, principal)
    client_ip = request.client.host if request.client else None
    read, created = await phone_log.log_phone_consultation(
        db, principal, phone_in, key, cipher, clock.now(), client_ip
    )
    if not created:
        answer_replay(response)
    response.headers["Location"] = f"/api/v1/consultations/{read.id}/record"
    return read
