"""At the time: the resident opens the join link, the intake makes the case, routing rings the reserved
interpreter first. Outside the slot's window the resident is told, in their language, when or why not."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import status
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.consultation.models import Consultation
from app.errors import DomainError, InvalidField
from app.i18n import translator
from app.idempotency import IdempotencyKey
from app.reservation import repository
from app.reservation.models import Reservation, ReservationStatus
from app.reservation.service import is_open_case, rules_from
from app.resident.links import LinkClaims, LinkExpired, LinkInvalid, LinkKind, issue_link, read_link


class JoinRefused(DomainError):
    """Not now: too early (with the time to come back), over, cancelled, or already joined."""

    status_code = status.HTTP_409_CONFLICT

    def __init__(self, message: str, reason: str, opens_at: datetime | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.opens_at = opens_at

    def body(self) -> dict[str, Any]:
        return {
            "detail": self.message,
            "reason": self.reason,
            "opens_at": self.opens_at.isoformat() if self.opens_at else None,
        }


def join_link(settings: Settings, reservation: Reservation, now: datetime) -> str:
    """A signed resident link of kind reservation, valid until the slot ends (opening is checked on use)."""
    claims = LinkClaims(
        kind=LinkKind.reservation,
        municipality=reservation.municipality_code,
        language=reservation.language_code,
        reservation_id=reservation.code,
        expires_at=reservation.ends_at,
    )
    return issue_link(settings, claims, now)


def opens_at(settings: Settings, reservation: Reservation) -> datetime:
    return reservation.starts_at - rules_from(settings).join_early


async def reservation_of_link(
    session: AsyncSession, settings: Settings, token: str, now: datetime, lang: str
) -> Reservation:
    """The reservation a join link names, whatever its state; a bad link is a 422, an expired one a 409."""
    tr = translator(lang)
    try:
        link = read_link(settings, token, now, frozenset({LinkKind.reservation}))
    except LinkExpired:
        raise JoinRefused(tr.t("reservation.ended"), "ended") from None
    except LinkInvalid as exc:
        raise InvalidField(("body", "reservation_token"), f"{tr.t('error.link_expired')} ({exc})") from None
    reservation = await repository.by_code(session, link.reservation_id or "")
    if reservation is None:
        raise InvalidField(("body", "reservation_token"), tr.t("error.link_expired"))
    return reservation


def check_window(settings: Settings, reservation: Reservation, now: datetime, lang: str) -> None:
    """JoinRefused unless the slot is booked and `now` lies from join_early before its start to its end."""
    tr = translator(lang)
    if reservation.status is ReservationStatus.cancelled:
        raise JoinRefused(tr.t("reservation.was_cancelled"), "cancelled")
    if reservation.status is not ReservationStatus.booked or now >= reservation.ends_at:
        raise JoinRefused(tr.t("reservation.ended"), "ended")
    opening = opens_at(settings, reservation)
    if now < opening:
        local = opening.astimezone(settings.zone)
        message = tr.t("reservation.too_early", date=tr.format_date(local.date()), time=tr.format_time(local))
        raise JoinRefused(message, "too_early", opening)


async def claim(
    session: AsyncSession,
    settings: Settings,
    token: str,
    language: str,
    now: datetime,
    key: IdempotencyKey | None = None,
) -> Reservation:
    """For the resident intake: the reservation to join at `now`, or a clear refusal in the resident's
    language.

    A retried intake (same Idempotency-Key) passes, so the intake can replay the case it already made.
    """
    reservation = await reservation_of_link(session, settings, token, now, language)
    check_window(settings, reservation, now, language)
    if language != reservation.language_code:
        raise InvalidField(
            ("body", "language"),
            f"this reservation is for {reservation.language_code!r}",
            [reservation.language_code],
        )
    if reservation.consultation_id is not None:
        case = await session.get(Consultation, reservation.consultation_id)
        retry = case is not None and key is not None and case.idempotency_key == key.stored
        if is_open_case(case) and not retry:
            raise JoinRefused(translator(language).t("error.duplicate"), "already_joined")
    return reservation
