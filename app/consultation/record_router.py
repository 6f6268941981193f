"""Case records: completed by counselors after the call, read by those whose scope covers the case."""

from __future__ import annotations

from fastapi import APIRouter, Request, status

from app.consultation import record_service, resident_topics
from app.consultation.record_schemas import (
    CaseRecordRead,
    CaseRecordUpdate,
    MediaChangeCreate,
    MediaChangeRead,
    ResidentTopicsIn,
    ResidentTopicsRead,
)
from app.deps import CipherDep, ClockDep, Counselor, DbSession, Front, GatewayDep, Office

router = APIRouter(prefix="/consultations", tags=["case records"])


def _ip(request: Request) -> str | None:
    return request.client.host if request.client else None


@router.patch("/{consultation_id}/record", response_model=CaseRecordRead)
async def update_case_record(
    consultation_id: str,
    record_in: CaseRecordUpdate,
    request: Request,
    db: DbSession,
    cipher: CipherDep,
    principal: Counselor,
    clock: ClockDep,
    gateway: GatewayDep,
) -> CaseRecordRead:
    """Complete the case record: topics (replace), outcome, referral (required for referred), follow-up,
    statistical attributes and notes (encrypted). Audited with the names of the fields changed.

    Saving ends the counselor's wrap-up: they can be offered the next case."""
    saved = await record_service.update_record(
        db, principal, consultation_id, record_in, cipher, _ip(request), clock.now()
    )
    if principal.staff_user_id is not None:
        await db.commit()  # the record is stored before routing hears of it (and SQLite has one writer)
        await gateway.record_saved(principal.staff_user_id, clock.now())
    return saved


@router.get("/{consultation_id}/record", response_model=CaseRecordRead)
async def read_case_record(
    consultation_id: str, request: Request, db: DbSession, cipher: CipherDep, principal: Office
) -> CaseRecordRead:
    """The case record with its timeline and derived times; notes only for counselors and admins (audited)."""
    return await record_service.read_record(db, principal, consultation_id, cipher, _ip(request))


@router.post(
    "/{consultation_id}/media-changes", status_code=status.HTTP_201_CREATED, response_model=MediaChangeRead
)
async def add_media_change(
    consultation_id: str, change_in: MediaChangeCreate, db: DbSession, principal: Front, clock: ClockDep
) -> MediaChangeRead:
    """Log a change of channel or media during the call (e.g. the video fell back to audio)."""
    return await record_service.add_media_change(db, principal, consultation_id, change_in, clock.now())


@router.put("/{consultation_id}/resident-topics", response_model=ResidentTopicsRead)
async def set_resident_topics(
    consultation_id: str, topics_in: ResidentTopicsIn, db: DbSession, principal: Front
) -> ResidentTopicsRead:
    """The topics the resident picked on the tablet while waiting (replaces an earlier pick)."""
    return await resident_topics.set_resident_topics(db, principal, consultation_id, topics_in)
