"""Completing a case record (topics, outcome, referral, follow-up, attributes, notes), media changes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import record
from app.auth.principal import Principal
from app.consultation.models import CallLeg, Consultation
from app.consultation.record_models import ConsultationMediaChange
from app.consultation.record_schemas import (
    CaseRecordRead,
    CaseRecordUpdate,
    DerivedTimes,
    MediaChangeCreate,
    MediaChangeRead,
    Timeline,
)
from app.consultation.service import attributes_of, case_in_scope
from app.enums import CallRole, Outcome
from app.errors import Conflict, InvalidField
from app.geography.models import Municipality
from app.security.crypto import PersonalDataCipher
from app.topic.models import Topic


def whole_seconds(start: datetime | None, end: datetime | None) -> int | None:
    """Milliseconds rounded, then seconds rounded down: the same figure the reports count in SQL."""
    if start is None or end is None:
        return None
    milliseconds = round((end - start).total_seconds() * 1000)
    return max(milliseconds, 0) // 1000


def derived_times(consultation: Consultation, legs: Sequence[CallLeg]) -> DerivedTimes:
    interpreter_legs = [leg for leg in legs if leg.role == CallRole.interpreter]
    first_join = min((leg.joined_at for leg in interpreter_legs), default=None)
    leg_ms = sum(
        round((leg.left_at - leg.joined_at).total_seconds() * 1000)
        for leg in interpreter_legs
        if leg.left_at is not None
    )
    return DerivedTimes(
        wait_seconds=whole_seconds(consultation.requested_at, consultation.connected_at),
        talk_seconds=whole_seconds(consultation.connected_at, consultation.ended_at),
        time_to_interpreter_seconds=whole_seconds(consultation.requested_at, first_join),
        interpreter_minutes=round(leg_ms / 60000, 1),
    )


async def chosen_topics(session: AsyncSession, codes: list[str]) -> list[Topic]:
    """The active topics for these codes, in the order given without repeats; 422 naming an unknown code."""
    active = list(
        (await session.scalars(select(Topic).where(Topic.active.is_(True)).order_by(Topic.sort_order))).all()
    )
    by_code = {t.code: t for t in active}
    accepted = [t.code for t in active]
    for index, code in enumerate(codes):
        if code not in by_code:
            raise InvalidField(
                ("body", "topics", index),
                f"unknown topic {code!r}; accepted: {', '.join(accepted)}",
                accepted,
            )
    return [by_code[code] for code in dict.fromkeys(codes)]


async def _municipality(session: AsyncSession, code: str | None) -> str | None:
    if code is None:
        return None
    query = select(Municipality.code).order_by(Municipality.sort_order)
    accepted = list((await session.scalars(query)).all())
    if code not in accepted:
        raise InvalidField(
            ("body", "resident_municipality"),
            f"unknown municipality {code!r}; accepted: {', '.join(accepted)}",
            accepted,
        )
    return code


def _check_outcome(consultation: Consultation, update: CaseRecordUpdate) -> None:
    sent = update.model_fields_set
    outcome = update.outcome if "outcome" in sent else consultation.outcome
    referral = update.referral_to if "referral_to" in sent else consultation.referral_to
    if outcome is Outcome.referred and not referral:
        raise InvalidField(
            ("body", "referral_to"),
            "outcome 'referred' needs referral_to: the department or body the resident was referred to",
        )
    if outcome is not Outcome.referred and "referral_to" in sent and update.referral_to:
        raise InvalidField(
            ("body", "referral_to"),
            f"referral_to is only for outcome 'referred' (the outcome is {outcome or 'not set'})",
        )


async def update_record(
    session: AsyncSession,
    principal: Principal,
    public_id: str,
    update: CaseRecordUpdate,
    cipher: PersonalDataCipher,
    client_ip: str | None,
    now: datetime,
) -> CaseRecordRead:
    """Complete the record after the call; the audit event names the fields changed, never their contents."""
    consultation = await case_in_scope(session, principal, public_id)
    sent = update.model_fields_set
    _check_outcome(consultation, update)
    if "notes" in sent and update.notes and consultation.personal_data_purged_at is not None:
        raise Conflict("this case's personal data was purged under the retention rule; notes cannot be added")
    if "topics" in sent:
        consultation.topics = await chosen_topics(session, update.topics or [])
    if "resident_municipality" in sent:
        consultation.resident_municipality_code = await _municipality(session, update.resident_municipality)
    if "outcome" in sent:
        consultation.outcome = update.outcome
        if update.outcome is not Outcome.referred and "referral_to" not in sent:
            consultation.referral_to = None
    if "referral_to" in sent:
        consultation.referral_to = update.referral_to or None
    if "follow_up" in sent and update.follow_up is not None:
        consultation.follow_up = update.follow_up
    if "attributes" in sent and update.attributes is not None:
        consultation.nationality = update.attributes.nationality
        consultation.residence_status_group = update.attributes.residence_status_group
        consultation.age_band = update.attributes.age_band
        consultation.gender = update.attributes.gender
    if "notes" in sent:
        consultation.notes_enc = cipher.encrypt(update.notes)
    consultation.updated_at = now
    await session.flush()
    await record(
        session,
        principal,
        "consultation.record_update",
        "consultation",
        public_id,
        {"fields": sorted(sent)},
        client_ip,
    )
    return await read_record(session, principal, public_id, cipher, client_ip, audit=False)


async def read_record(
    session: AsyncSession,
    principal: Principal,
    public_id: str,
    cipher: PersonalDataCipher,
    client_ip: str | None,
    audit: bool = True,
) -> CaseRecordRead:
    consultation = await case_in_scope(session, principal, public_id)
    if audit:
        action = (
            "consultation.record_read_personal"
            if principal.sees_personal_data
            else "consultation.record_read"
        )
        await record(session, principal, action, "consultation", public_id, client_ip=client_ip)
    legs = (await session.scalars(select(CallLeg).where(CallLeg.consultation_id == consultation.id))).all()
    changes = (
        await session.scalars(
            select(ConsultationMediaChange)
            .where(ConsultationMediaChange.consultation_id == consultation.id)
            .order_by(ConsultationMediaChange.at)
        )
    ).all()
    return CaseRecordRead(
        id=consultation.public_id,
        status=consultation.status,
        channel=consultation.channel,
        language=consultation.language_code,
        resident_municipality=consultation.resident_municipality_code,
        topics=[t.code for t in sorted(consultation.topics, key=lambda t: t.sort_order)],
        outcome=consultation.outcome,
        referral_to=consultation.referral_to,
        follow_up=consultation.follow_up,
        attributes=attributes_of(consultation),
        timeline=Timeline(
            requested_at=consultation.requested_at,
            routed_at=consultation.routed_at,
            offered_at=consultation.offered_at,
            connected_at=consultation.connected_at,
            ended_at=consultation.ended_at,
        ),
        derived=derived_times(consultation, legs),
        media_changes=[
            MediaChangeRead(
                at=c.at,
                from_channel=c.from_channel,
                to_channel=c.to_channel,
                from_media=c.from_media,
                to_media=c.to_media,
                reason=c.reason,
            )
            for c in changes
        ],
        notes=cipher.decrypt(consultation.notes_enc) if principal.sees_personal_data else None,
        personal_data_purged=consultation.personal_data_purged_at is not None,
    )


async def add_media_change(
    session: AsyncSession, principal: Principal, public_id: str, change_in: MediaChangeCreate, now: datetime
) -> MediaChangeRead:
    """Record that a call changed channel or media (e.g. video fell back to audio); counted in the reports."""
    consultation = await case_in_scope(session, principal, public_id)
    if change_in.from_channel is None and change_in.to_channel is None and change_in.to_media is None:
        raise InvalidField(("body",), "send to_channel and/or to_media: what the call changed to")
    change = ConsultationMediaChange(
        consultation_id=consultation.id,
        at=change_in.at or now,
        from_channel=change_in.from_channel,
        to_channel=change_in.to_channel,
        from_media=change_in.from_media,
        to_media=change_in.to_media,
        reason=change_in.reason,
        recorded_by_staff_id=principal.staff_user_id,
    )
    session.add(change)
    await session.flush()
    await record(
        session,
        principal,
        "consultation.media_change",
        "consultation",
        public_id,
        {"to_channel": change.to_channel, "to_media": change.to_media, "reason": change.reason},
    )
    return MediaChangeRead(
        at=change.at,
        from_channel=change.from_channel,
        to_channel=change.to_channel,
        from_media=change.from_media,
        to_media=change.to_media,
        reason=change.reason,
    )
