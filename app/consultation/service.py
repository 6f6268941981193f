"""Use cases on consultations: storing a new case (idempotent), reading with privacy rules and audit."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import record
from app.auth import roles
from app.auth.principal import DEVICE, Principal
from app.consultation import repository
from app.consultation.models import Consultation
from app.consultation.schemas import (
    CallLegRead,
    ConsultationCreate,
    ConsultationRead,
    PersonalData,
    ResidentAttributes,
    SafetyFlags,
)
from app.enums import Channel, ConsultationStatus, SiteKind
from app.errors import InvalidField, NotFound
from app.geography.models import Municipality, Site
from app.idempotency import IdempotencyKey, check_replay, fingerprint, store_once
from app.language.models import Language
from app.security.crypto import PersonalDataCipher
from app.topic.models import Topic

_SITE_KIND_FOR_CHANNEL = {
    Channel.counter: SiteKind.central_desk,
    Channel.satellite: SiteKind.satellite_counter,
}


@dataclass(frozen=True, slots=True)
class IntakeResult:
    consultation: Consultation
    created: bool


async def _check_code(
    session: AsyncSession,
    model: type[Language] | type[Municipality] | type[Topic],
    loc: tuple[str, ...],
    code: str,
) -> None:
    query = select(model.code)
    if model is not Municipality:
        query = query.where(model.active.is_(True))  # type: ignore[union-attr]
    accepted = list((await session.scalars(query.order_by(model.sort_order))).all())
    if code not in accepted:
        what = {Language: "language", Municipality: "municipality", Topic: "topic"}[model]
        raise InvalidField(
            ("body", *loc), f"unknown {what} {code!r}; accepted: {', '.join(accepted)}", accepted=accepted
        )


async def _resolve_site(
    session: AsyncSession, consultation_in: ConsultationCreate, principal: Principal
) -> Site | None:
    code = consultation_in.site
    if principal.role in roles.COUNTER and principal.site_id is not None:
        # a counter opens cases at its own site only: a case elsewhere is one it could never see again
        own = await session.get(Site, principal.site_id)
        assert own is not None
        who = "this device belongs" if principal.role == DEVICE else "your account belongs"
        if code is not None and code != own.code:
            raise InvalidField(
                ("body", "site"), f"{who} to site {own.code!r} and can only open cases there", [own.code]
            )
        code = own.code
    elif code is None and consultation_in.channel in _SITE_KIND_FOR_CHANNEL and principal.site_id is not None:
        own = await session.get(Site, principal.site_id)
        code = own.code if own else None
    if code is None:
        if consultation_in.channel in _SITE_KIND_FOR_CHANNEL:
            raise InvalidField(
                ("body", "site"), f"a site is required for channel {consultation_in.channel.value}"
            )
        return None
    site = await session.scalar(select(Site).where(Site.code == code, Site.active.is_(True)))
    if site is None:
        accepted = list((await session.scalars(select(Site.code).where(Site.active.is_(True)))).all())
        raise InvalidField(
            ("body", "site"), f"unknown site {code!r}; accepted: {', '.join(accepted)}", accepted
        )
    wanted = _SITE_KIND_FOR_CHANNEL.get(consultation_in.channel)
    if wanted is not None and site.kind is not wanted:
        raise InvalidField(
            ("body", "channel"),
            f"channel {consultation_in.channel.value} needs a {wanted.value} site, but {site.code!r} is a "
            f"{site.kind.value}",
            accepted=[c.value for c, k in _SITE_KIND_FOR_CHANNEL.items() if k is site.kind]
            + [Channel.phone.value, Channel.video.value],
        )
    return site


async def create_consultation(
    session: AsyncSession,
    principal: Principal,
    consultation_in: ConsultationCreate,
    key: IdempotencyKey | None,
    cipher: PersonalDataCipher,
) -> IntakeResult:
    """Store the case (flushed, not committed); a retried key returns the same case."""
    print_ = fingerprint(consultation_in.model_dump(mode="json"))

    async def store() -> Consultation:
        consultation = await _new_consultation(session, principal, consultation_in, cipher)
        consultation.idempotency_key = key.stored if key else None
        consultation.request_fingerprint = print_
        session.add(consultation)
        await session.flush()
        await record(session, principal, "consultation.create", "consultation", consultation.public_id)
        return consultation

    consultation, created = await store_once(
        session, key, partial(repository.get_by_idempotency_key, session), store
    )
    if not created:
        check_replay(consultation.request_fingerprint, print_, "consultation")
    return IntakeResult(consultation, created)


async def _new_consultation(
    session: AsyncSession,
    principal: Principal,
    consultation_in: ConsultationCreate,
    cipher: PersonalDataCipher,
) -> Consultation:
    await _check_code(session, Language, ("language",), consultation_in.language)
    if consultation_in.resident_municipality is not None:
        await _check_code(
            session, Municipality, ("resident_municipality",), consultation_in.resident_municipality
        )
    if consultation_in.topic_hint is not None:
        await _check_code(session, Topic, ("topic_hint",), consultation_in.topic_hint)
    for index, code in enumerate(consultation_in.topics):
        await _check_code(session, Topic, ("topics", str(index)), code)
    site = await _resolve_site(session, consultation_in, principal)
    topics = (
        list((await session.scalars(select(Topic).where(Topic.code.in_(consultation_in.topics)))).all())
        if consultation_in.topics
        else []
    )
    personal = consultation_in.personal
    consultation = Consultation(
        channel=consultation_in.channel,
        site_id=site.id if site else None,
        resident_municipality_code=consultation_in.resident_municipality,
        language_code=consultation_in.language,
        topic_hint_code=consultation_in.topic_hint,
        status=ConsultationStatus.requested,
        urgent=consultation_in.urgent,
        safety_dv=consultation_in.safety.dv,
        safety_child=consultation_in.safety.child,
        interpreter_gender_preference=consultation_in.interpreter_gender_preference,
        nationality=consultation_in.attributes.nationality,
        residence_status_group=consultation_in.attributes.residence_status_group,
        age_band=consultation_in.attributes.age_band,
        gender=consultation_in.attributes.gender,
        resident_name_enc=cipher.encrypt(personal.resident_name),
        resident_contact_enc=cipher.encrypt(personal.resident_contact),
        notes_enc=cipher.encrypt(personal.notes),
        created_by_staff_id=principal.staff_user_id,
        created_by_device_id=principal.device_id,
        topics=topics,
        call_legs=[],
    )
    consultation.site = site
    return consultation


async def case_in_scope(session: AsyncSession, principal: Principal, public_id: str) -> Consultation:
    """The case if this principal may see it; else NotFound, so a case out of scope looks like no case."""
    consultation = await repository.get_by_public_id(session, principal, public_id)
    if consultation is None:
        raise NotFound(f"no consultation {public_id!r} within your scope")
    return consultation


async def read_consultation(
    session: AsyncSession,
    principal: Principal,
    public_id: str,
    cipher: PersonalDataCipher,
    client_ip: str | None,
) -> ConsultationRead:
    consultation = await repository.get_readable(session, principal, public_id)
    if consultation is None:
        raise NotFound(f"no consultation {public_id!r} within your scope")
    await record(
        session,
        principal,
        "consultation.read_personal" if principal.sees_personal_data else "consultation.read",
        "consultation",
        public_id,
        client_ip=client_ip,
    )
    return to_read(consultation, principal, cipher)


def attributes_of(consultation: Consultation) -> ResidentAttributes:
    """The optional statistics-only attributes of a case, as the API shows them."""
    return ResidentAttributes(
        nationality=consultation.nationality,
        residence_status_group=consultation.residence_status_group,
        age_band=consultation.age_band,
        gender=consultation.gender,
    )


def to_read(consultation: Consultation, principal: Principal, cipher: PersonalDataCipher) -> ConsultationRead:
    personal = None
    if principal.sees_personal_data:
        personal = PersonalData(
            resident_name=cipher.decrypt(consultation.resident_name_enc),
            resident_contact=cipher.decrypt(consultation.resident_contact_enc),
            notes=cipher.decrypt(consultation.notes_enc),
        )
    return ConsultationRead(
        id=consultation.public_id,
        channel=consultation.channel,
        status=consultation.status,
        language=consultation.language_code,
        site=consultation.site.code if consultation.site else None,
        resident_municipality=consultation.resident_municipality_code,
        topic_hint=consultation.topic_hint_code,
        topics=[t.code for t in consultation.topics],
        urgent=consultation.urgent,
        safety=SafetyFlags(dv=consultation.safety_dv, child=consultation.safety_child),
        interpreter_gender_preference=consultation.interpreter_gender_preference,
        requested_at=consultation.requested_at,
        routed_at=consultation.routed_at,
        offered_at=consultation.offered_at,
        connected_at=consultation.connected_at,
        ended_at=consultation.ended_at,
        outcome=consultation.outcome,
        referral_to=consultation.referral_to,
        follow_up=consultation.follow_up,
        attributes=None if principal.role in roles.COUNTER else attributes_of(consultation),
        call_legs=[
            CallLegRead(
                role=leg.role,
                participant_id=leg.participant_id,
                media_mode=leg.media_mode,
                joined_at=leg.joined_at,
                left_at=leg.left_at,
                minutes=round((leg.left_at - leg.joined_at).total_seconds() / 60, 2) if leg.left_at else None,
            )
            for leg in consultation.call_legs
        ],
        personal=personal,
        personal_data_purged=consultation.personal_data_purged_at is not None,
    )
