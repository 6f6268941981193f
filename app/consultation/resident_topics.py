"""The topics a resident picks on the tablet's pictograms while waiting."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import record
from app.auth.principal import Principal
from app.consultation import record_service
from app.consultation.record_schemas import ResidentTopicsIn, ResidentTopicsRead
from app.consultation.service import case_in_scope
from app.enums import ConsultationStatus
from app.errors import Conflict

FINISHED = frozenset(
    {
        ConsultationStatus.ended,
        ConsultationStatus.cancelled,
        ConsultationStatus.abandoned,
        ConsultationStatus.fallback,
    }
)


async def set_resident_topics(
    session: AsyncSession, principal: Principal, public_id: str, topics_in: ResidentTopicsIn
) -> ResidentTopicsRead:
    """The resident's pictograms: the first is the topic hint; they pre-fill an unrecorded case's topics."""
    case = await case_in_scope(session, principal, public_id)
    if case.status in FINISHED:
        raise Conflict(f"consultation finished ({case.status.value}): its topics are the counselor's")
    chosen = await record_service.chosen_topics(session, topics_in.topics)
    case.topic_hint_code = chosen[0].code if chosen else None
    if case.outcome is None:  # once a counselor has logged the case, their topics stand
        case.topics = chosen
    await session.flush()
    await record(
        session, principal, "consultation.resident_topics", "consultation", public_id, {"count": len(chosen)}
    )
    return ResidentTopicsRead(topic_hint=case.topic_hint_code, topics=[t.code for t in case.topics])
