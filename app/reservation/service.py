"""Use cases on reservations: open slots, booking (idempotent; one seat per interpreter and slot, enforced by
the database), cancelling, assigning the reserved interpreter, and settling booked slots as fulfilled or
no-show.

Services flush, never commit: the request's session commits at the boundary.
"""

from __future__ import annotations

import hashlib
import secrets
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import record
from app.auth.principal import Principal
from app.config import Settings
from app.consultation.models import Consultation
from app.enums import Channel, ConsultationStatus
from app.errors import Conflict, InvalidField, NotFound
from app.geography.models import Municipality
from app.idempotency import IdempotencyKey, check_replay, fingerprint
from app.interpreter.models import Interpreter
from app.language.models import Language
from app.reservation import repository
from app.reservation.models import Reservation, ReservationStatus, seat_key
from app.reservation.slots import (
    Booking,
    Qualified,
    Refusal,
    Slot,
    SlotRefused,
    SlotRules,
    available_slots,
    check_slot,
    open_throughout,
)
from app.security.crypto import PersonalDataCipher
from routing import DeskPolicy

_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out over the phone
_SEAT_ATTEMPTS = 3
_OPEN_CASE = (
    ConsultationStatus.requested,
    ConsultationStatus.queued,
    ConsultationStatus.offered,
    ConsultationStatus.connected,
)


class SlotTaken(Conflict):
    """The last seat went to someone else between reading the slots and booking."""


class SlotUnavailable(InvalidField):
    """The chosen time cannot be booked (closed, too soon, live service, off the grid...)."""

    def __init__(self, refusal: Refusal, message: str) -> None:
        super().__init__(("body", "starts_at"), message)
        self.refusal = refusal

    def body(self) -> dict[str, Any]:
        item = {"loc": list(self.loc), "msg": self.message, "type": "slot_unavailable"}
        return {"detail": [{**item, "ctx": {"reason": self.refusal.value}}]}


@dataclass(frozen=True, slots=True)
class Contact:
    name: str | None = None
    phone: str | None = None
    email: str | None = None


@dataclass(frozen=True, slots=True)
class BookingIn:
    language: str
    starts_at: datetime
    channel: Channel = Channel.video
    municipality: str | None = None
    contact: Contact = field(default_factory=Contact)
    interpreter_id: int | None = None  # staff may choose; otherwise the least booked free interpreter


@dataclass(frozen=True, slots=True)
class BookResult:
    reservation: Reservation
    created: bool


def rules_from(settings: Settings) -> SlotRules:
    return SlotRules(
        length=timedelta(minutes=settings.reservation_slot_minutes),
        lead=timedelta(minutes=settings.reservation_lead_minutes),
        horizon=timedelta(days=settings.reservation_horizon_days),
    )


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """A local day as a UTC interval."""
    start = datetime.combine(day, time(0), tzinfo=zone)
    return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)


def new_code() -> str:
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def manage_token(settings: Settings, code: str) -> str:
    """The resident's token to cancel their own booking: derived, so a retried booking returns it again."""
    key = hashlib.sha256(b"madoguchi-reservation-manage-v1:" + settings.secret_key.encode()).digest()
    return hashlib.blake2b(code.encode(), key=key[:32], digest_size=18).hexdigest()


def _bookings(rows: Sequence[Reservation]) -> list[Booking]:
    return [Booking(r.language_code, r.starts_at, r.ends_at, r.interpreter_id) for r in rows]


def _qualified(policy: DeskPolicy, interpreters: Sequence[Interpreter]) -> list[Qualified]:
    return [Qualified(i.id, policy.hours_for_vendor(i.vendor)) for i in interpreters]


async def list_slots(
    session: AsyncSession,
    policy: DeskPolicy,
    rules: SlotRules,
    language: str,
    first_day: date,
    last_day: date,
    now: datetime,
) -> list[Slot]:
    zone = ZoneInfo(policy.desk_hours.timezone)
    starts, _ = day_bounds(first_day, zone)
    _, ends = day_bounds(last_day, zone)
    interpreters = await repository.qualified_interpreters(session, language)
    held = await repository.holding_seats(session, starts, ends)
    return available_slots(
        policy, language, first_day, last_day, now, rules, _qualified(policy, interpreters), _bookings(held)
    )


def _fingerprint(booking: BookingIn) -> str:
    body = asdict(booking)
    body["starts_at"] = booking.starts_at.astimezone(UTC).isoformat()
    return fingerprint(body)


def _replay(existing: Reservation, print_: str) -> BookResult:
    check_replay(existing.request_fingerprint, print_, "booking")
    return BookResult(existing, created=False)


async def _check_references(session: AsyncSession, booking: BookingIn) -> None:
    language = await session.get(Language, booking.language)
    if language is None or not language.active:
        codes = list((await session.scalars(select(Language.code).where(Language.active.is_(True)))).all())
        raise InvalidField(("body", "language"), f"unknown language {booking.language!r}", codes)
    if booking.municipality is not None and await session.get(Municipality, booking.municipality) is None:
        codes = list((await session.scalars(select(Municipality.code))).all())
        raise InvalidField(("body", "municipality"), f"unknown municipality {booking.municipality!r}", codes)


def _choose(slot: Slot, wanted: int | None) -> int:
    if wanted is None:
        return slot.free_interpreters[0]
    if wanted not in slot.free_interpreters:
        raise SlotTaken(
            f"interpreter {wanted} does not speak this language, does not work then, or is already booked"
        )
    return wanted


async def book(
    session: AsyncSession,
    policy: DeskPolicy,
    rules: SlotRules,
    now: datetime,
    booking: BookingIn,
    key: IdempotencyKey | None,
    principal: Principal | None,
    cipher: PersonalDataCipher,
) -> BookResult:
    """Book a seat; a retried key returns the same booking, a seat taken meanwhile is a SlotTaken (409)."""
    print_ = _fingerprint(booking)
    await _check_references(session, booking)
    zone = ZoneInfo(policy.desk_hours.timezone)
    for _attempt in range(_SEAT_ATTEMPTS):
        if key is not None:
            existing = await repository.by_idempotency_key(session, key.stored)
            if existing is not None:
                return _replay(existing, print_)
        day_start, day_end = day_bounds(booking.starts_at.astimezone(zone).date(), zone)
        held = await repository.holding_seats(session, day_start, day_end)
        interpreters = await repository.qualified_interpreters(session, booking.language)
        load = Counter(r.interpreter_id for r in held if r.interpreter_id is not None)
        try:
            slot = check_slot(
                policy,
                booking.language,
                booking.starts_at,
                now,
                rules,
                _qualified(policy, interpreters),
                _bookings(held),
                load,
            )
        except SlotRefused as exc:
            if exc.refusal is Refusal.FULL:
                # The seat may be our own twin's, committed since we looked the key up: then it is a replay.
                if key is not None:
                    twin = await repository.by_idempotency_key(session, key.stored)
                    if twin is not None:
                        return _replay(twin, print_)
                raise SlotTaken(exc.message) from None
            raise SlotUnavailable(exc.refusal, exc.message) from None
        interpreter_id = _choose(slot, booking.interpreter_id)
        reservation = Reservation(
            code=new_code(),
            idempotency_key=key.stored if key else None,
            request_fingerprint=print_,
            language_code=booking.language,
            starts_at=slot.starts_at,
            ends_at=slot.ends_at,
            municipality_code=booking.municipality,
            channel=booking.channel,
            status=ReservationStatus.booked,
            interpreter_id=interpreter_id,
            seat_key=seat_key(interpreter_id, slot.starts_at),
            contact_name_enc=cipher.encrypt(booking.contact.name),
            contact_phone_enc=cipher.encrypt(booking.contact.phone),
            contact_email_enc=cipher.encrypt(booking.contact.email),
            created_by_staff_id=principal.staff_user_id if principal else None,
            created_by_resident=principal is None,
        )
        session.add(reservation)
        try:
            await session.flush()
        except IntegrityError:
            # A concurrent booking took this interpreter's seat (or used our key): read again and retry.
            await session.rollback()
            continue
        await record(session, principal, "reservation.create", "reservation", reservation.code)
        return BookResult(reservation, created=True)
    raise SlotTaken("this time was just booked by someone else; please choose another time")


async def get(session: AsyncSession, code: str) -> Reservation:
    reservation = await repository.by_code(session, code)
    if reservation is None:
        raise NotFound(f"no reservation {code!r}")
    return reservation


async def cancel(
    session: AsyncSession, reservation: Reservation, now: datetime, principal: Principal | None
) -> None:
    """Free the seat; a booking already joined, fulfilled or over cannot be cancelled."""
    if reservation.status is ReservationStatus.cancelled:
        return  # cancelling twice is what the resident meant
    if reservation.status is not ReservationStatus.booked or now >= reservation.ends_at:
        raise Conflict(f"this reservation is {reservation.status.value} and can no longer be cancelled")
    reservation.status = ReservationStatus.cancelled
    reservation.seat_key = None
    reservation.cancelled_at = now
    await session.flush()
    await record(session, principal, "reservation.cancel", "reservation", reservation.code)


async def assign(
    session: AsyncSession,
    policy: DeskPolicy,
    reservation: Reservation,
    interpreter_id: int,
    principal: Principal,
) -> None:
    """Give the booking to another interpreter, who must speak the language, work then and be free."""
    if reservation.status is not ReservationStatus.booked:
        raise Conflict(f"this reservation is {reservation.status.value}; only a booked one can be reassigned")
    interpreter = await session.get(Interpreter, interpreter_id)
    if interpreter is None or not interpreter.active:
        raise InvalidField(("body", "interpreter_id"), f"no active interpreter {interpreter_id}")
    if reservation.language_code not in {lang.code for lang in interpreter.languages}:
        raise InvalidField(
            ("body", "interpreter_id"),
            f"{interpreter.display_name} does not interpret {reservation.language_code!r}",
        )
    hours = policy.hours_for_vendor(interpreter.vendor)
    if not open_throughout(hours, reservation.starts_at, reservation.ends_at):
        raise InvalidField(
            ("body", "interpreter_id"),
            f"{interpreter.display_name}'s vendor ({interpreter.vendor}) does not work during this slot",
        )
    busy = [
        r
        for r in await repository.holding_seats(session, reservation.starts_at, reservation.ends_at)
        if r.interpreter_id == interpreter_id and r.id != reservation.id
    ]
    if busy:
        raise Conflict(f"{interpreter.display_name} already has a booking at this time ({busy[0].code})")
    before = reservation.interpreter_id
    reservation.interpreter_id = interpreter_id
    reservation.seat_key = seat_key(interpreter_id, reservation.starts_at)
    try:
        await session.flush()
    except IntegrityError:
        await session.rollback()
        raise Conflict(f"{interpreter.display_name} was just booked for this time by someone else") from None
    await record(
        session,
        principal,
        "reservation.assign",
        "reservation",
        reservation.code,
        {"from": before, "to": interpreter_id},
    )


async def mark_no_show(
    session: AsyncSession, reservation: Reservation, now: datetime, principal: Principal
) -> None:
    if reservation.status is not ReservationStatus.booked:
        raise Conflict(f"this reservation is {reservation.status.value}; only a booked one can be a no-show")
    if now < reservation.starts_at:
        raise Conflict("the slot has not started yet; cancel the reservation instead")
    reservation.status = ReservationStatus.no_show
    await session.flush()
    await record(session, principal, "reservation.no_show", "reservation", reservation.code)


async def settle(session: AsyncSession, now: datetime) -> int:
    """Booked slots whose call connected become fulfilled; over ones that never connected become no-shows."""
    changed = 0
    for reservation in await repository.due_for_settling(session, now):
        case = (
            await session.get(Consultation, reservation.consultation_id)
            if reservation.consultation_id is not None
            else None
        )
        if case is not None and case.connected_at is not None:
            reservation.status = ReservationStatus.fulfilled
        elif reservation.ends_at <= now and (case is None or case.status not in _OPEN_CASE):
            reservation.status = ReservationStatus.no_show
        else:
            continue
        changed += 1
    if changed:
        await session.flush()
    return changed


def is_open_case(case: Consultation | None) -> bool:
    return case is not None and case.status in _OPEN_CASE
