"""Reservation reads shared by the JSON API and the server-rendered pages: plain functions, no routes.

Both `app.reservation.router` and `app.ui.reservation.pages` import from here, so pages never import a router.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta

from babel import Locale
from fastapi import Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from app.audit.service import record
from app.auth.principal import Principal
from app.clock import Clock
from app.config import Settings
from app.consultation.models import Consultation
from app.enums import Channel, Role
from app.errors import TooManyRequests
from app.i18n import translator
from app.i18n.languages import EASY_JAPANESE, LANGUAGES
from app.i18n.runtime import Translator
from app.interpreter.models import Interpreter
from app.live.desk import LiveDesk
from app.live.gateway import interpreter_id_of
from app.reservation import joining, repository, service
from app.reservation.calendar import CalendarEvent
from app.reservation.models import Reservation, ReservationStatus
from app.reservation.schemas import ContactRead, ReservationRead, ResidentReservationRead, UpcomingRead
from app.resident.links import LinkKind
from app.resident.throttle import throttles
from app.security.client_address import client_address
from app.security.crypto import PersonalDataCipher
from routing import DeskPolicy

ENTRY_LINKS = frozenset({LinkKind.poster, LinkKind.invite})


def policy_of(request: Request) -> DeskPolicy:
    desk: LiveDesk = request.app.state.desk
    return desk.engine.policy


def throttle(request: Request, settings: Settings, clock: Clock, lang: str) -> None:
    limiter = throttles(request).reservation
    wait = limiter.hit(client_address(request), clock.monotonic())
    if wait is not None:
        raise TooManyRequests(translator(lang).t("error.rate_limited"), wait)


def language_name(tr: Translator, code: str) -> str:
    """A booked language named in the reader's language: CLDR's name, except the residents' "ja", which is
    Easy Japanese (a name of the catalogue's, since CLDR has none)."""
    if code == EASY_JAPANESE:
        return tr.t("language.easy_japanese")
    language = LANGUAGES.get(code)
    name = Locale.parse(LANGUAGES[tr.lang].locale).languages.get(
        language.locale.split("_")[0] if language else code
    )
    return name or code


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
        "language": tr.t("reservation.language", language=language_name(tr, reservation.language_code)),
    }
    token = None
    if reservation.channel is Channel.phone:
        messages["how"] = tr.t("reservation.call_note")
    elif reservation.status is ReservationStatus.booked and now < reservation.ends_at:
        token = joining.join_link(settings, reservation, now)
        messages["how"] = tr.t(
            "reservation.join_from_date", date=tr.format_date(opening.date()), time=tr.format_time(opening)
        )
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


def calendar_event(
    settings: Settings, reservation: Reservation, now: datetime, lang: str, join_url: str | None
) -> CalendarEvent:
    """The booking for the resident's calendar, in their language; the join link in URL and DESCRIPTION."""
    tr = translator(lang)
    name = language_name(tr, reservation.language_code)
    phone = reservation.channel is Channel.phone
    summary = tr.t("reservation.ics_phone" if phone else "reservation.ics_video", language=name)
    view = resident_view(settings, reservation, now, lang, with_manage_token=False)
    lines = [view.messages["confirmed"], f"{view.messages['code_label']}: {reservation.code}"]
    lines.append(view.messages.get("how", ""))
    if join_url and not phone:
        lines.append(join_url)
    return CalendarEvent(
        uid=f"reservation-{reservation.code}@madoguchi",
        stamp=now,
        starts=reservation.starts_at,
        ends=reservation.ends_at,
        summary=summary,
        description="\n".join(line for line in lines if line),
        url=join_url if not phone else None,
    )


async def own_interpreter(db: AsyncSession, principal: Principal) -> int | None:
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
    query = repository.scoped(principal, await own_interpreter(db, principal)).where(
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
        repository.scoped(principal, await own_interpreter(db, principal))
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
