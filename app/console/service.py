"""Logging a finished phone consultation: the case and its record in one step."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import record
from app.auth.principal import Principal
from app.console.schemas import PhoneConsultationCreate
from app.consultation import record_service, repository
from app.consultation.models import Consultation
from app.consultation.record_schemas import CaseRecordRead, CaseRecordUpdate
from app.enums import Channel, ConsultationStatus
from app.errors import Conflict, InvalidField
from app.geography.models import Municipality
from app.language.models import Language
from app.security.crypto import PersonalDataCipher
from app.topic.models import Topic

# a clock a little ahead on the counselor's PC is not an error; a call that ends tomorrow is
FUTURE_SLACK = timedelta(minutes=5)


async def _accepted_codes(session: AsyncSession, model: type[Language] | type[Topic]) -> list[str]:
    query = select(model.code).where(model.active.is_(True)).order_by(model.sort_order)
    return list((await session.scalars(query)).all())


def phone_fingerprint(phone_in: PhoneConsultationCreate, principal: Principal) -> str:
    """Same key + same form + same counselor = a retry (a double click); anything else is a conflict."""
    payload = json.dumps(
        {"phone": phone_in.model_dump(mode="json"), "by": [principal.actor_kind, principal.actor_id]},
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


async def _check_references(session: AsyncSession, phone_in: PhoneConsultationCreate) -> None:
    languages = await _accepted_codes(session, Language)
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


async def log_phone_consultation(
    session: AsyncSession,
    principal: Principal,
    phone_in: PhoneConsultationCreate,
    idempotency_key: str | None,
    cipher: PersonalDataCipher,
    now: datetime,
    client_ip: str | None,
) -> tuple[CaseRecordRead, bool]:
    """Store a finished phone call as a case with its record; returns the record and whether it is new."""
    print_ = phone_fingerprint(phone_in, principal)
    if idempotency_key is not None:
        existing = await repository.get_by_idempotency_key(session, idempotency_key)
        if existing is not None:
            return await _replay(session, principal, existing, print_, cipher, client_ip), False
    await _check_references(session, phone_in)
    ended_at = phone_in.ended_at or now
    if ended_at.tzinfo is None:
        raise InvalidField(("body", "ended_at"), "ended_at needs a time zone, e.g. 2026-11-24T10:30:00+09:00")
    if ended_at > now + FUTURE_SLACK:
        raise InvalidField(("body", "ended_at"), "ended_at is in the future: log a phone call after it ended")
    started_at = ended_at - timedelta(minutes=phone_in.duration_minutes)
    case = Consultation(
        idempotency_key=idempotency_key,
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
    try:
        await session.flush()
    except IntegrityError:
        await session.rollback()  # a concurrent retry with the same key won the race: its case is the one
        if idempotency_key is None:
            raise
        existing = await repository.get_by_idempotency_key(session, idempotency_key)
        if existing is None:
            raise
        return await _replay(session, principal, existing, print_, cipher, client_ip), False
    await record(
        session, principal, "consultation.create", "consultation", case.public_id, {"channel": "phone"}
    )
    read = await record_service.update_record(
        session, principal, case.public_id, _record_update(phone_in), cipher, client_ip, now
    )
    return read, True


async def _replay(
    session: AsyncSession,
    principal: Principal,
    existing: Consultation,
    print_: str,
    cipher: PersonalDataCipher,
    client_ip: str | None,
) -> CaseRecordRead:
    if existing.request_fingerprint != print_:
        raise Conflict(
            "this Idempotency-Key was already used for a different request; "
            "send a new key for a new phone consultation, or repeat the original request exactly"
        )
    return await record_service.read_record(session, principal, existing.public_id, cipher, client_ip)
