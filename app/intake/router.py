"""The routes that open a consultation from a staff screen or a device: a live case for routing, or a phone
call logged after it ended."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, status

from app.auth.principal import DEVICE, Principal
from app.consultation import service as consultation_service
from app.consultation.record_schemas import CaseRecordRead
from app.consultation.schemas import ConsultationCreate, ConsultationRead
from app.deps import CallerKeyed, CipherDep, ClockDep, DbSession, require_roles
from app.enums import Role
from app.errors import UNAVAILABLE
from app.intake import phone_log
from app.intake.schemas import PhoneConsultationCreate
from app.intake.service import open_consultation
from app.live.case_status import with_live_status

router = APIRouter(prefix="/consultations", tags=["consultations"], responses=UNAVAILABLE)
phone_log_router = APIRouter(tags=["front-line screens"], responses=UNAVAILABLE)

IntakeRoles = Annotated[
    Principal, Depends(require_roles(Role.counter_staff, Role.counselor, Role.admin, DEVICE))
]
Counselor = Annotated[Principal, Depends(require_roles(Role.counselor, Role.admin))]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ConsultationRead)
async def create_consultation(
    consultation_in: ConsultationCreate,
    request: Request,
    db: DbSession,
    cipher: CipherDep,
    principal: IntakeRoles,
    keyed: CallerKeyed,
) -> ConsultationRead:
    """Open a consultation; it is stored before it is routed, and a retried Idempotency-Key is safe."""
    opened = await open_consultation(
        db, request.app.state.desk, principal, consultation_in, keyed.key, cipher
    )
    keyed.answer(opened.created)
    keyed.response.headers["Location"] = f"/api/v1/consultations/{opened.consultation.public_id}"
    read = consultation_service.to_read(opened.consultation, principal, cipher)
    return with_live_status(request, read)


@phone_log_router.post(
    "/console/phone-consultations", status_code=status.HTTP_201_CREATED, response_model=CaseRecordRead
)
async def log_phone_consultation(
    phone_in: PhoneConsultationCreate,
    request: Request,
    db: DbSession,
    cipher: CipherDep,
    clock: ClockDep,
    principal: Counselor,
    keyed: CallerKeyed,
) -> CaseRecordRead:
    """Log a finished phone consultation: the case (channel phone, its duration) and its record at once."""
    client_ip = request.client.host if request.client else None
    read, created = await phone_log.log_phone_consultation(
        db, principal, phone_in, keyed.key, cipher, clock.now(), client_ip
    )
    keyed.answer(created)
    keyed.response.headers["Location"] = f"/api/v1/consultations/{read.id}/record"
    return read
