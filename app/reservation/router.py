"""Reservations over HTTP.

Residents (no account, but a resident link from a poster or an invitation): read the open slots, book one
(idempotent, throttled), cancel with the booking's own token, and read where their join link stands. Staff:
the day's list (scoped per role and municipality; interpreters see their own), the 'starting soon' list for
the consoles, booking for a phone caller, (re)assigning the interpreter, cancelling and marking no-shows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, status
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from app.audit.service import record
from app.auth.principal import Principal
from app.clock import Clock
from app.config import Settings
from app.consultation.models import Consultation
from app.consultation.schemas import ConsultationCreate, PersonalData
from app.deps import CallerKeyed, CipherDep, ClockDep, Counselor, DbSession, ResidentKeyed, SettingsDep, Staff
from app.enums import Channel, Role
from app.errors import Forbidden, InvalidField, NotFound, TooManyRequests
from app.i18n import SUPPORTED, negotiate, translator
from app.idempotency import IdempotencyKey
from app.intake.service import open_consultation
from app.interpreter.models import Interpreter
from app.live.desk import LiveDesk
from app.live.gateway import interpreter_id_of
from app.reservation import joining, repository, service
from app.reservation.models import Reservation, ReservationStatus
from app.reservation.schemas import (
    AssignIn,
    ContactRead,
    ReservationCreate,
    ReservationRead,
    ResidentReservationRead,
    SlotDay,
    SlotRead,
    SlotsRead,
    StaffReservationCreate,
    UpcomingRead,
)
from app.reservation.slots import Slot, SlotRules
from app.resident.links import LinkError, LinkKind, ResidentLink, read_link
from app.resident.throttle import throttles
from app.security.crypto import PersonalDataCipher
from app.security.tokens import same
from routing import DeskPolicy

resident_router = APIRouter(prefix="/resident", tags=["residents"])
staff_router = APIRouter(tags=["reservations"])

_MAX_DAYS = 31
ENTRY_LINKS = frozenset({LinkKind.poster, LinkKind.invite})

ResidentLinkHeader = Annotated[
    str,
    Header(alias="X-Resident-Link", description="the resident link (poster or invitation) the page opened"),
]


# -- helpers ---------------------------------------------------------------------------------------------


def policy_of(request: Request) -> DeskPolicy:
    desk: LiveDesk = request.app.state.desk
    return desk.engine.policy


def _resident_lang(lang: str | None, request: Request) -> str:
    return lang if lang in SUPPORTED else negotiate(request.headers.get("accept-language"))


def _entry_link(settings: Settings, token: str, now: datetime, lang: str) -> ResidentLink:
    try:
        return read_link(settings, token, now, ENTRY_LINKS)
    except LinkError:
        raise Forbidden(translator(lang).t("error.link_expired")) from None


def throttle(request: Request, settings: Settings, clock: Clock, lang: str) -> None:
    limiter = throttles(request).reservation
    client = request.client.host if request.client else "unknown"
    wait = limiter.hit(client, clock.monotonic())
    if wait is not None:
        raise TooManyRequests(translator(lang).t("error.rate_limited"), wait)


def _days(settings: Settings, now: datetime, first: date | None, last: date | None) -> tuple[date, date]:
    today = now.astimezone(settings.zone).date()
    first = first or today
    last = last or first + timedelta(days=13)
    if last < first:
        raise InvalidField(("query", "to"), "'to' must not be before 'from'")
    if (last - first).days >= _MAX_DAYS:
        raise InvalidField(("query", "to"), f"ask for at most {_MAX_DAYS} days at a time")
    return first, last


def _slot_days(
    settings: Settings, lang: str, language: str, slots: Sequence[Slot], rules: SlotRules
) -> SlotsRead:
    tr = translator(lang)
    days: dict[date, list[SlotRead]] = {}
    for slot in slots:
        local = slot.starts_at.astimezone(settings.zone)
        days.setdefault(local.date(), []).append(
            SlotRead(
                starts_at=local,
                ends_at=slot.ends_at.astimezone(settings.zone),
                time=tr.format_time(local),
                seats=slot.seats,
            )
        )
    return SlotsRead(
        language=language,
        timezone=settings.timezone,
        slot_minutes=int(rules.length.total_seconds() // 60),
        days=[SlotDay(date=day, label=tr.format_date(day), slots=items) for day, items in days.items()],
    )


def _booking_in(
    body: ReservationCreate, municipality: str | None, interpreter_id: int | None
) -> service.BookingIn:
    return service.BookingIn(
        language=body.language,
        starts_at=body.starts_at,
        channel=Channel(body.channel),
        municipality=body.municipality or municipality,
        contact=service.Contact(body.contact.name, body.contact.phone, body.contact.email),
        interpreter_id=interpreter_id,
    )


def resident_view(
    settings: Settings, reservation: Reservation, now: datetime, lang: str, *, with_manage_token: bool
) -> ResidentReservationRead:
    """The booking as the resident sees it at `now`, with the texts of the confirmation in their language."""
    tr = translator(lang)
    local = reservation.starts_at.astimezone(settings.zone)
    opening = joining.opens_at(settings, reservation).astimezone(settings.zone)
    messages = {
        "confirmed": tr.t(
            "reservation.confirmed", date=tr.format_date(local.date()), time=tr.format_time(local)
        ),
        "code_label": tr.t("reservation.code"),
        "keep": tr.t("reservation.keep"),
    }
    token = None
    if reservation.channel is Channel.phone:
        messages["how"] = tr.t("reservation.call_note")
    elif reservation.status is ReservationStatus.booked and now < reservation.ends_at:
        token = joining.join_link(settings, reservation, now)
        messages["how"] = tr.t("reservation.join_from", time=tr.format_time(opening))
    return ResidentReservationRead(
        code=reservation.code,
        status=reservation.status,
        language=reservation.language_code,
        channel=reservation.channel.value,
        starts_at=local,
        ends_at=reservation.ends_at.astimezone(settings.zone),
        opens_at=opening,
        join_token=token,
        join_url=f"/r/{token}" if token else None,
        manage_token=service.manage_token(settings, reservation.code) if with_manage_token else None,
        messages=messages,
    )


# -- residents ---------------------------------------------------------------------------------------------


@resident_router.get("/reservation-slots", response_model=SlotsRead)
async def resident_reservation_slots(
    request: Request,
    db: DbSession,
    settings: SettingsDep,
    clock: ClockDep,
    link: ResidentLinkHeader,
    lang: Annotated[str, Query(min_length=2, max_length=8, description="the language to book")],
    first: Annotated[date | None, Query(alias="from", description="first local day (default today)")] = None,
    last: Annotated[date | None, Query(alias="to", description="last local day (default 13 days on)")] = None,
) -> SlotsRead:
    """Open slots for a language, day by day in the desk's time zone, with times written in that language."""
    now = clock.now()
    ui = _resident_lang(lang, request)
    _entry_link(settings, link, now, ui)
    if lang not in SUPPORTED:
        raise InvalidField(("query", "lang"), f"unknown language {lang!r}", list(SUPPORTED))
    first, last = _days(settings, now, first, last)
    rules = service.rules_from(settings)
    slots = await service.list_slots(db, policy_of(request), rules, lang, first, last, now)
    return _slot_days(settings, ui, lang, slots, rules)


@resident_router.post(
    "/reservations", response_model=ResidentReservationRead, status_code=status.HTTP_201_CREATED
)
async def book_reservation(
    body: ReservationCreate,
    request: Request,
    db: DbSession,
    cipher: CipherDep,
    settings: SettingsDep,
    clock: ClockDep,
    link: ResidentLinkHeader,
    keyed: ResidentKeyed,
) -> ResidentReservationRead:
    """Book a slot; the answer has the reservation code, the join link and the token to cancel it."""
    now = clock.now()
    ui = _resident_lang(body.language, request)
    entry = _entry_link(settings, link, now, ui)
    throttle(request, settings, clock, ui)
    booking = _booking_in(body, entry.municipality, None)
    tr = translator(ui)
    try:
        result = await service.book(
            db,
            policy_of(request),
            service.rules_from(settings),
            now,
            booking,
            keyed.key,
            None,
            cipher,
        )
    except service.SlotTaken:
        raise service.SlotTaken(tr.t("reservation.taken")) from None
    except service.SlotUnavailable as exc:
        raise service.SlotUnavailable(
            exc.refusal, f"{tr.t('reservation.unavailable')} ({exc.message})"
        ) from None
    keyed.answer(result.created)
    return resident_view(settings, result.reservation, now, ui, with_manage_token=True)


@resident_router.delete("/reservations/{code}", status_code=status.HTTP_204_NO_CONTENT)
async def cancel_own_reservation(
    code: str,
    db: DbSession,
    settings: SettingsDep,
    clock: ClockDep,
    token: Annotated[str, Header(alias="X-Reservation-Token", description="the manage_token of the booking")],
) -> None:
    """Cancel your own booking with the token you got when you booked."""
    if not same(token, service.manage_token(settings, code)):
        raise NotFound(f"no reservation {code!r} for this token")
    reservation = await service.get(db, code)
    await service.cancel(db, reservation, clock.now(), None)


@resident_router.get("/reservations/by-link", response_model=ResidentReservationRead)
async def reservation_of_join_link(
    request: Request,
    db: DbSession,
    settings: SettingsDep,
    clock: ClockDep,
    link: Annotated[str, Header(alias="X-Resident-Link", description="the reservation's join link")],
    lang: Annotated[str | None, Query(min_length=2, max_length=8)] = None,
) -> ResidentReservationRead:
    """Where a join link stands: 200 when it may be used now, else 409 saying when (too early) or why not."""
    ui = _resident_lang(lang, request)
    now = clock.now()
    reservation = await joining.reservation_of_link(db, settings, link, now, ui)
    joining.check_window(settings, reservation, now, ui)
    return resident_view(settings, reservation, now, ui, with_manage_token=False)


# -- staff ------------------------------------------------------------------------------------------


async def _own_interpreter(db: AsyncSession, principal: Principal) -> int | None:
    if principal.role != Role.interpreter or principal.staff_user_id is None:
        return None
    return await interpreter_id_of(db, principal.staff_user_id)


async def _labels(
    db: AsyncSession,
    ids: Iterable[int | None],
    key: InstrumentedAttribute[int],
    label: InstrumentedAttribute[str],
) -> dict[int, str]:
    """`label` by `key` for the given ids, in one statement (none when there are no ids)."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    found = await db.execute(select(key, label).where(key.in_(wanted)))
    return {row[0]: row[1] for row in found.all()}


async def _names(db: AsyncSession, rows: Sequence[Reservation]) -> dict[int, str]:
    return await _labels(db, (r.interpreter_id for r in rows), Interpreter.id, Interpreter.display_name)


async def _case_ids(db: AsyncSession, rows: Sequence[Reservation]) -> dict[int, str]:
    return await _labels(db, (r.consultation_id for r in rows), Consultation.id, Consultation.public_id)


async def staff_views(
    db: AsyncSession,
    principal: Principal,
    cipher: PersonalDataCipher,
    rows: Sequence[Reservation],
    client_ip: str | None,
) -> list[ReservationRead]:
    """Rows as staff read them; contact details for counselors and admins only, and that read is audited."""
    names, cases = await _names(db, rows), await _case_ids(db, rows)
    if rows:
        await record(
            db,
            principal,
            "reservation.read_personal" if principal.sees_personal_data else "reservation.read",
            "reservation",
            rows[0].code if len(rows) == 1 else None,
            {"codes": [r.code for r in rows]},
            client_ip,
        )
    return [
        ReservationRead(
            code=r.code,
            status=r.status,
            language=r.language_code,
            channel=r.channel.value,
            starts_at=r.starts_at,
            ends_at=r.ends_at,
            municipality=r.municipality_code,
            interpreter_id=r.interpreter_id,
            interpreter_name=names.get(r.interpreter_id) if r.interpreter_id else None,
            consultation_id=cases.get(r.consultation_id) if r.consultation_id else None,
            booked_by="resident" if r.created_by_resident else "staff",
            contact=ContactRead(
                name=cipher.decrypt(r.contact_name_enc),
                phone=cipher.decrypt(r.contact_phone_enc),
                email=cipher.decrypt(r.contact_email_enc),
            )
            if principal.sees_personal_data
            else None,
            personal_data_purged=r.personal_data_purged_at is not None,
            created_at=r.created_at,
        )
        for r in rows
    ]


async def _scoped_one(db: AsyncSession, principal: Principal, code: str) -> Reservation:
    query = repository.scoped(principal, await _own_interpreter(db, principal)).where(
        Reservation.code == code
    )
    reservation = await db.scalar(query)
    if reservation is None:
        raise NotFound(f"no reservation {code!r} within your scope")
    return reservation


async def day_list(
    db: AsyncSession,
    settings: Settings,
    principal: Principal,
    day: date,
    language: str | None,
    now: datetime,
) -> list[Reservation]:
    """One local day's reservations within the principal's scope, settled first (as of `now`), by start."""
    await service.settle(db, now)
    starts, ends = service.day_bounds(day, settings.zone)
    query = repository.scoped(principal, await _own_interpreter(db, principal)).where(
        Reservation.starts_at >= starts, Reservation.starts_at < ends
    )
    if language is not None:
        query = query.where(Reservation.language_code == language)
    return list((await db.scalars(query.order_by(Reservation.starts_at, Reservation.id))).all())


async def upcoming(
    db: AsyncSession, principal: Principal, now: datetime, within: timedelta
) -> list[UpcomingRead]:
    """Booked slots that start within `within` or are under way: the consoles' 'book ahead' list."""
    await service.settle(db, now)
    query = (
        repository.scoped(principal, await _own_interpreter(db, principal))
        .where(Reservation.status == ReservationStatus.booked)
        .where(Reservation.starts_at <= now + within, Reservation.ends_at > now)
        .order_by(Reservation.starts_at, Reservation.id)
    )
    rows = list((await db.scalars(query)).all())
    names = await _names(db, rows)
    return [
        UpcomingRead(
            code=r.code,
            language=r.language_code,
            channel=r.channel.value,
            starts_at=r.starts_at,
            ends_at=r.ends_at,
            interpreter_id=r.interpreter_id,
            interpreter_name=names.get(r.interpreter_id) if r.interpreter_id else None,
            joined=r.consultation_id is not None,
            minutes_to_start=max(0, int((r.starts_at - now).total_seconds() // 60)),
        )
        for r in rows
    ]


@staff_router.get("/reservations", response_model=list[ReservationRead])
async def list_reservations(
    request: Request,
    db: DbSession,
    cipher: CipherDep,
    settings: SettingsDep,
    clock: ClockDep,
    principal: Staff,
    day: Annotated[date | None, Query(description="local day (default today)")] = None,
    language: Annotated[str | None, Query(min_length=2, max_length=8)] = None,
) -> list[ReservationRead]:
    """A day's reservations within your scope; contact details for counselors and admins (audited)."""
    now = clock.now()
    rows = await day_list(db, settings, principal, day or now.astimezone(settings.zone).date(), language, now)
    return await staff_views(db, principal, cipher, rows, request.client.host if request.client else None)


@staff_router.get("/reservations/upcoming", response_model=list[UpcomingRead])
async def upcoming_reservations(
    db: DbSession,
    clock: ClockDep,
    principal: Staff,
    within_minutes: Annotated[int, Query(ge=1, le=24 * 60)] = 60,
) -> list[UpcomingRead]:
    """Reservations starting within the next minutes or under way (for the consoles; no contact details)."""
    return await upcoming(db, principal, clock.now(), timedelta(minutes=within_minutes))


@staff_router.get("/reservation-slots", response_model=SlotsRead)
async def staff_reservation_slots(
    request: Request,
    db: DbSession,
    settings: SettingsDep,
    clock: ClockDep,
    principal: Counselor,
    lang: Annotated[str, Query(min_length=2, max_length=8)],
    first: Annotated[date | None, Query(alias="from")] = None,
    last: Annotated[date | None, Query(alias="to")] = None,
) -> SlotsRead:
    """Open slots for booking on a caller's behalf (staff may book up to the slot's start)."""
    now = clock.now()
    first, last = _days(settings, now, first, last)
    rules = _staff_rules(settings)
    slots = await service.list_slots(db, policy_of(request), rules, lang, first, last, now)
    return _slot_days(settings, "ja", lang, slots, rules)


def _staff_rules(settings: Settings) -> SlotRules:
    rules = service.rules_from(settings)
    return SlotRules(
        length=rules.length, lead=timedelta(0), horizon=rules.horizon, join_early=rules.join_early
    )


@staff_router.post("/reservations", response_model=ReservationRead, status_code=status.HTTP_201_CREATED)
async def book_for_caller(
    body: StaffReservationCreate,
    request: Request,
    db: DbSession,
    cipher: CipherDep,
    settings: SettingsDep,
    clock: ClockDep,
    principal: Counselor,
    keyed: CallerKeyed,
) -> ReservationRead:
    """Book a slot for a resident on the phone (or at the counter); the code is read out to them."""
    booking = _booking_in(body, None, body.interpreter_id)
    result = await service.book(
        db,
        policy_of(request),
        _staff_rules(settings),
        clock.now(),
        booking,
        keyed.key,
        principal,
        cipher,
    )
    keyed.answer(result.created)
    client_ip = request.client.host if request.client else None
    (read,) = await staff_views(db, principal, cipher, [result.reservation], client_ip)
    return read


@staff_router.get("/reservations/{code}", response_model=ReservationRead)
async def read_reservation(
    code: str, request: Request, db: DbSession, cipher: CipherDep, principal: Staff
) -> ReservationRead:
    """One reservation within your scope; contact details for counselors and admins (audited)."""
    reservation = await _scoped_one(db, principal, code)
    client_ip = request.client.host if request.client else None
    (read,) = await staff_views(db, principal, cipher, [reservation], client_ip)
    return read


@staff_router.post("/reservations/{code}/assign", status_code=status.HTTP_204_NO_CONTENT)
async def assign_interpreter(
    code: str, body: AssignIn, request: Request, db: DbSession, principal: Counselor
) -> None:
    """Give the booking to another interpreter (who speaks the language, works then and is free)."""
    reservation = await _scoped_one(db, principal, code)
    await service.assign(db, policy_of(request), reservation, body.interpreter_id, principal)


@staff_router.post("/reservations/{code}/cancel", status_code=status.HTTP_204_NO_CONTENT)
async def cancel_reservation(code: str, db: DbSession, clock: ClockDep, principal: Counselor) -> None:
    """Cancel a booking (the resident asked by phone, or the desk cannot serve it); the seat is freed."""
    reservation = await _scoped_one(db, principal, code)
    await service.cancel(db, reservation, clock.now(), principal)


@staff_router.post("/reservations/{code}/no-show", status_code=status.HTTP_204_NO_CONTENT)
async def mark_no_show(code: str, db: DbSession, clock: ClockDep, principal: Counselor) -> None:
    """The resident did not come (slots that end without a join are marked so by themselves too)."""
    reservation = await _scoped_one(db, principal, code)
    await service.mark_no_show(db, reservation, clock.now(), principal)


@staff_router.post("/reservations/{code}/start", status_code=status.HTTP_201_CREATED)
async def start_reserved_call(
    code: str,
    request: Request,
    db: DbSession,
    cipher: CipherDep,
    settings: SettingsDep,
    clock: ClockDep,
    principal: Counselor,
) -> dict[str, str]:
    """At the time of a phone booking, open its case: routing rings the reserved interpreter first, and the
    counselor who takes it calls the resident (the name and number are on the case, encrypted)."""
    reservation = await _scoped_one(db, principal, code)
    now = clock.now()
    joining.check_window(settings, reservation, now, "en")
    # a double click opens one case, whoever clicks: the key is the reservation's
    key = IdempotencyKey("reservation", f"{reservation.code}:{reservation.consultation_id or 0}")
    if reservation.consultation_id is not None:
        case = await db.get(Consultation, reservation.consultation_id)
        if service.is_open_case(case):
            assert case is not None
            return {"consultation_id": case.public_id}
    consultation_in = ConsultationCreate(
        channel=Channel.phone,
        language=reservation.language_code,
        resident_municipality=reservation.municipality_code,
        personal=PersonalData(
            resident_name=cipher.decrypt(reservation.contact_name_enc),
            resident_contact=cipher.decrypt(reservation.contact_phone_enc)
            or cipher.decrypt(reservation.contact_email_enc),
        ),
    )
    opened = await open_consultation(
        db, request.app.state.desk, principal, consultation_in, key, cipher, booking=reservation
    )
    if opened.created:
        await record(db, principal, "reservation.start", "reservation", reservation.code)
    return {"consultation_id": opened.consultation.public_id}
