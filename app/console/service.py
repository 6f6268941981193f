"""Use cases of the front-line screens: the tablet's topic pictograms and own recent cases."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import record
from app.auth.principal import Principal
from app.console import repository as console_repository
from app.console.schemas import (
    OwnCaseRead,
    ResidentTopicsIn,
    ResidentTopicsRead,
)
from app.consultation import record_service
from app.consultation.models import Consultation
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


def _talk_seconds(case: Consultation) -> int | None:
    return record_service.whole_seconds(case.connected_at, case.ended_at)


def own_case_read(case: Consultation) -> OwnCaseRead:
    return OwnCaseRead(
        id=case.public_id,
        channel=case.channel,
        status=case.status,
        language=case.language_code,
        site=case.site.code if case.site else None,
        resident_municipality=case.resident_municipality_code,
        topic_hint=case.topic_hint_code,
        topics=[t.code for t in case.topics],
        outcome=case.outcome,
        referral_to=case.referral_to,
        follow_up=case.follow_up,
        requested_at=case.requested_at,
        ended_at=case.ended_at,
        talk_seconds=_talk_seconds(case),
        recorded=case.outcome is not None,
    )


async def list_own_cases(
    session: AsyncSession, principal: Principal, limit: int, client_ip: str | None
) -> list[OwnCaseRead]:
    """The counselor's recent cases (no personal data); the read is audited like any list of cases."""
    assert principal.staff_user_id is not None
    rows = await console_repository.own_cases(session, principal.staff_user_id, limit)
    await record(
        session,
        principal,
        "consultation.list_own",
        "consultation",
        None,
        {"ids": [c.public_id for c in rows]},
        client_ip,
    )
    return [own_case_read(c) for c in rows]
