"""A counselor's own recent cases: calls they took and cases they opened or logged, without personal data."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import record
from app.auth.principal import Principal
from app.consultation import record_service, repository
from app.consultation.models import Consultation
from app.consultation.schemas import OwnCaseRead


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
        talk_seconds=record_service.whole_seconds(case.connected_at, case.ended_at),
        recorded=case.outcome is not None,
    )


async def list_own_cases(
    session: AsyncSession, principal: Principal, limit: int, client_ip: str | None
) -> list[OwnCaseRead]:
    """The counselor's recent cases (no personal data); the read is audited like any list of cases."""
    assert principal.staff_user_id is not None
    rows = await repository.own_cases(session, principal.staff_user_id, limit)
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
