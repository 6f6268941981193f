"""A phone call becomes a consultation (channel ``phone``) as every intake does: stored, then routed.

The SIP Call-ID is the idempotency key (in the gateway's own namespace), so a retransmitted or replayed INVITE
never makes a second case. The caller's number is personal data: it is stored (encrypted) only when the caller
asks to be called back.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.audit.service import record
from app.auth.principal import Principal, Via
from app.clock import Clock
from app.consultation.models import Consultation
from app.consultation.schemas import ConsultationCreate
from app.enums import Channel
from app.idempotency import IdempotencyKey
from app.intake.service import open_consultation
from app.live.desk import LiveDesk
from app.security.crypto import PersonalDataCipher
from routing import (
    AbandonReason,
    ConsultationAbandoned,
    FallbackAccepted,
    FallbackOffered,
    FallbackOption,
    FallbackReason,
    RoutingConflict,
)

__all__ = ["PHONE_GATEWAY", "PhoneCase", "PhoneIntake"]

log = logging.getLogger(__name__)

PHONE_GATEWAY = Principal(role="phone_gateway", via=Via.bearer, display_name="phone gateway")


@dataclass(frozen=True, slots=True)
class PhoneCase:
    consultation_id: str
    created: bool
    fallback: FallbackReason | None  # routing could not queue it (desk closed, reservation only)
    options: tuple[FallbackOption, ...] = ()


class PhoneIntake:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        cipher: PersonalDataCipher,
        desk: LiveDesk,
        clock: Clock,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._cipher = cipher
        self._desk = desk
        self._clock = clock  # the app's: routing decides at its `now` whether the desk is open to this caller

    async def open_case(self, call_id: str, language: str) -> PhoneCase:
        """Store the case, then hand it to routing; says whether routing queued it or offered a fallback."""
        consultation_in = ConsultationCreate(channel=Channel.phone, language=language)
        key = IdempotencyKey(PHONE_GATEWAY.role, call_id)
        async with self._sessionmaker() as session:
            opened = await open_consultation(
                session, self._desk, PHONE_GATEWAY, consultation_in, key, self._cipher
            )
        fallback = next(
            (d for d in opened.decisions if isinstance(d, FallbackOffered) and not d.queued),
            None,
        )
        return PhoneCase(
            opened.consultation.public_id,
            opened.created,
            fallback.reason if fallback else None,
            tuple(fallback.options) if fallback else (),
        )

    async def request_callback(self, consultation_id: str, caller_number: str | None) -> None:
        """The caller pressed the callback key: keep their number (encrypted) and close the case as such."""
        async with self._sessionmaker() as session:
            case = await session.scalar(select(Consultation).where(Consultation.public_id == consultation_id))
            if case is None:
                raise LookupError(consultation_id)
            case.resident_contact_enc = self._cipher.encrypt(caller_number)
            case.notes_enc = self._cipher.encrypt("callback requested by phone")
            await record(
                session,
                PHONE_GATEWAY,
                "consultation.callback_requested",
                "consultation",
                consultation_id,
                {"number_known": caller_number is not None},
            )
            await session.commit()
        await self._submit(
            FallbackAccepted(at=self._clock.now(), request_id=consultation_id, option=FallbackOption.CALLBACK)
        )

    async def caller_left(self, consultation_id: str) -> None:
        """The caller hung up before being served (a no-op if routing already closed the case)."""
        event = ConsultationAbandoned(
            at=self._clock.now(), request_id=consultation_id, reason=AbandonReason.HUNG_UP
        )
        await self._submit(event)

    async def _submit(self, event: ConsultationAbandoned | FallbackAccepted) -> None:
        try:
            await self._desk.submit(event)
        except RoutingConflict as exc:
            log.info("phone consultation %s: %s not applied: %s", event.request_id, type(event).__name__, exc)
