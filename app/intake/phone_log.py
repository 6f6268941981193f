"""A phone consultation logged after the call: stored as a finished case together with its record.

It is never routed (the call is over); the key check and the replay rule are every intake's.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import record
from app.auth.principal import Principal
from app.consultation import record_service, repository
from app.consultation.models import Consultation
from app.consultation.record_schemas import CaseRecordRead, CaseRecordUpdate
from app.enums import Channel, ConsultationStatus
from app.errors import InvalidField
from app.geography.models import Municipality
from app.idempotency import IdempotencyKey, check_replay, fingerprint, store_once
from app.intake.schemas import PhoneConsultationCreate
from app.language.models import Language
from app.security.crypto import PersonalDataCipher

# a clock a little ahead on the counselor's PC is not an error; a call that ends tomorrow is
FUTURE_SLACK = timedelta(minutes=5)


async def _check_references(session: AsyncSession, phone_in: PhoneConsultationCreate) -> None:
    query = select(Language.code).where(Language.active.is_(True)).order_by(Language.sort_order)
    languages = list((await session.scalars(query)).all())
    if phone_in.language not in languages:
        raise InvalidField(
            ("body", "language"),
            f"unknown language {phone_in.language!r}; accepted: {', '.join(languages)}",
            languages,
        )
    if phone_in.resident_municipality is not None:
        municipalities = list(
            (await session.scalars(select(Municipality.code).order_by(Municipality.sort_order))).all()
        )
        if phone_in.resident_municipality not in municipalities:
            raise InvalidField(
                ("body", "resident_municipality"),
                f"unknown municipality {phone_in.resident_municipality!r}; "
                f"accepted: {', '.join(municipalities)}",
                municipalities,
            )


def _record_update(phone_in: PhoneConsultationCreate) -> CaseRecordUpdate:
    fields = phone_in.model_dump(
        include={"topics", "outcome", "referral_to", "follow_up", "attributes", "notes"}, exclude_none=True
    )
    return CaseRecordUpdate.model_validate(fields)


def _call_span(phone_in: PhoneConsultationCreate, now: datetime) -> tuple[datetime, datetime]:
    ended_at = phone_in.ended_at or now
    if ended_at.tzinfo is None:
        raise InvalidField(("body", "ended_at"), "ended_at needs a time zone, e.g. 2026-11-24T10:30:00+09:00")
    if ended_at > now + FUTURE_SLACK:
        raise InvalidField(("body", "ended_at"), "ended_at is in the future: log a phone call after it ended")
    return ended_at - timedelta(minutes=phone_in.duration_minutes), ended_at


async def log_phone_consultation(
    session: AsyncSession,
    principal: Principal,
    phone_in: PhoneConsultationCreate,
    key: IdempotencyKey | None,
    cipher: PersonalDataCipher,
    now: datetime,
    client_ip: str | None,
) -> tuple[CaseRecordRead, bool]:
    """Store a finished phone call as a case with its record; returns the record and whether it is new."""
    print_ = fingerprint(phone_in.model_dump(mode="json"))

    async def store() -> Consultation:
        await _check_references(session, phone_in)
        started_at, ended_at = _call_span(phone_in, now)
        case = Consultation(
            idempotency_key=key.stored if key else None,
            request_fingerprint=print_,
            channel=Channel.phone,
            site_id=None,
            resident_municipality_code=phone_in.resident_municipality,
            language_code=phone_in.language,
            status=ConsultationStatus.ended,
            requested_at=started_at,
            routed_at=started_at,
            connected_at=started_at,  # a phone call answered is a call connected: no wait is recorded
            ended_at=ended_at,
            created_by_staff_id=principal.staff_user_id,
            topics=[],
            call_legs=[],
        )
        session.add(case)
        await session.flush()
        return case

    case, created = await store_once(session, key, partial(repository.get_by_idempotency_key, session), store)
    if not created:
        check_replay(case.request_fingerprint, print_, "phone consultation")
        return await record_service.read_record(session, principal, case.public_id, cipher, client_ip), False
    await record(
        session, principal, "consultation.create", "consultation", case.public_id, {"channel": "phone"}
    )
    read = await record_service.update_record(
        session, principal, case.public_id, _record_update(phone_in), cipher, client_ip, now
    )
    return read, True
