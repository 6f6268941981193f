"""Reservation screens.

The resident's booking page under /r/{token}/reserve works without JavaScript: a form of day-by-day times in
the resident's language (Asia/Tokyo times written with their locale), optional contact, then post-redirect-get
to the confirmation with the date and time, the reservation number, the join link and its QR code. The form
carries its own idempotency key, so a double submit books once.

The staff page /staff/reservations (Japanese first, with English) lists a day's reservations and those
starting soon, within the signed-in person's scope.
"""

from __future__ import annotations

import contextlib
import secrets
from datetime import date, datetime, timedelta
from typing import Annotated, Any

from babel.dates import format_skeleton
from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from app.auth import roles
from app.bounds import ACCEPTED_DAYS, Day, check_instant
from app.config import Settings
from app.deps import CipherDep, ClockDep, DbSession, OptionalPrincipal, SettingsDep
from app.enums import Channel
from app.errors import Conflict, InvalidField, TooManyRequests
from app.i18n import SUPPORTED, negotiate, translator
from app.i18n.languages import LANGUAGES
from app.i18n.runtime import Translator
from app.idempotency import RESIDENT, IdempotencyKey
from app.reservation import calendar, joining, service
from app.reservation.models import Reservation, ReservationStatus
from app.reservation.schemas import ContactIn
from app.reservation.views import (
    ENTRY_LINKS,
    calendar_event,
    day_list,
    policy_of,
    resident_view,
    staff_views,
    throttle,
    upcoming,
)
from app.resident import link_registry
from app.resident.links import LinkError, LinkKind, ResidentLink, read_link
from app.resident.qr import qr_svg
from app.security.tokens import same
from app.ui.templating import templates
from routing import ServiceMode

router = APIRouter(include_in_schema=False)

DAYS_SHOWN = 14
STATUS_JA = {
    "booked": "予約済",
    "cancelled": "取消",
    "fulfilled": "実施済",
    "no_show": "不参加",
}
CHANNEL_JA = {"video": "ビデオ", "phone": "電話"}
_NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
MANAGE_COOKIE = "madoguchi_booking"  # the booking's manage token: HttpOnly, only under its own page's path
_MANAGE_KEPT = timedelta(days=1)  # after the slot ends, the confirmation stays readable a day longer


def _booking_path(token: str, code: str) -> str:
    return f"/r/{token}/reservation/{code}"


def _with_manage_cookie(
    response: Response, settings: Settings, token: str, reservation: Reservation, now: datetime
) -> Response:
    """Hand the manage token over as a cookie, never in a URL (access logs, Referer, browser history)."""
    max_age = int((reservation.ends_at + _MANAGE_KEPT - now).total_seconds())
    response.set_cookie(
        MANAGE_COOKIE,
        service.manage_token(settings, reservation.code),
        max_age=max(max_age, 60),
        path=_booking_path(token, reservation.code),
        httponly=True,
        secure=settings.cookie_secure,
        samesite="strict",
    )
    return response


# -- residents ---------------------------------------------------------------------------------------------


def _lang(requested: str | None, link: ResidentLink | None, request: Request) -> str:
    if requested in SUPPORTED:
        return str(requested)
    if link is not None and link.language in SUPPORTED:
        return str(link.language)
    return negotiate(request.headers.get("accept-language"))


def _short_date(tr: Translator, day: date) -> str:
    """A day button's label, e.g. "Tue, Nov 24" / "вт, 24 лист." in the page's language."""
    return format_skeleton("MMMEd", day, locale=LANGUAGES[tr.lang].locale)


def _booked(book: str | None, tr: Translator) -> str:
    """The language to book: the page's own, unless someone books for a relative in another language."""
    return book if book in SUPPORTED else tr.lang


def _problem(request: Request, tr: Translator, message: str, status_code: int) -> Response:
    return templates.TemplateResponse(
        request,
        "reserve_problem.html",
        {"i18n": tr, "message": message},
        status_code=status_code,
        headers=_NO_STORE,
    )


async def _entry(
    request: Request, db: DbSession, settings: Settings, token: str, now: datetime, lang: str | None
) -> ResidentLink | Response:
    try:
        link = read_link(settings, token, now, ENTRY_LINKS | {LinkKind.reservation})
    except LinkError:
        tr = translator(_lang(lang, None, request))
        return _problem(request, tr, tr.t("error.link_expired"), 410)
    if await link_registry.is_revoked(db, link.link_id):  # withdrawn by staff: no booking through it
        tr = translator(_lang(lang, link, request))
        return _problem(request, tr, tr.t("error.link_revoked"), 410)
    return link


async def _managed(
    request: Request,
    db: DbSession,
    settings: Settings,
    token: str,
    code: str,
    manage: str,
    now: datetime,
    lang: str | None,
) -> tuple[Translator, Reservation] | Response:
    """The booking behind a manage link, or the problem page when the entry link or its manage token fails."""
    link = await _entry(request, db, settings, token, now, lang)
    if isinstance(link, Response):
        return link
    tr = translator(_lang(lang, link, request))
    if not same(manage, service.manage_token(settings, code)):
        return _problem(request, tr, tr.t("error.link_expired"), 404)
    return tr, await service.get(db, code)


async def _booking_page(
    request: Request,
    db: DbSession,
    settings: Settings,
    token: str,
    tr: Translator,
    booked: str,
    now: datetime,
    *,
    error: str | None = None,
    form: dict[str, str] | None = None,
    status_code: int = 200,
    day: date | None = None,
) -> Response:
    """One day's times at a time (a phone screen), with a row of days to move between; no JavaScript."""
    today = now.astimezone(settings.zone).date()
    rules = service.rules_from(settings)
    slots = await service.list_slots(
        db, policy_of(request), rules, booked, today, today + timedelta(days=DAYS_SHOWN - 1), now
    )
    days: dict[date, list[dict[str, Any]]] = {}
    for slot in slots:
        local = slot.starts_at.astimezone(settings.zone)
        days.setdefault(local.date(), []).append(
            {"value": local.isoformat(), "time": tr.format_time(local), "seats": slot.seats}
        )
    values = form or {}
    if values.get("starts_at"):
        with contextlib.suppress(ValueError, OverflowError):
            day = datetime.fromisoformat(values["starts_at"]).astimezone(settings.zone).date()
    free_days = [d for d, items in days.items() if any(item["seats"] for item in items)]
    if day not in days:
        day = free_days[0] if free_days else next(iter(days), None)
    return templates.TemplateResponse(
        request,
        "reserve.html",
        {
            "i18n": tr,
            "token": token,
            "booked": booked,
            "booked_name": translator(booked).t("language.self_name"),
            "booked_tag": translator(booked).bcp47,
            "days": [
                {
                    "iso": d.isoformat(),
                    "short": _short_date(tr, d),
                    "free": d in free_days,
                    "current": d == day,
                }
                for d in days
            ],
            "day_label": tr.format_date(day) if day else None,
            "times": days.get(day, []) if day else [],
            "key": values.get("key") or secrets.token_urlsafe(18),
            "form": values,
            "error": error,
            "phone": settings.desk_phone or None,
        },
        status_code=status_code,
        headers=_NO_STORE,
    )


@router.get("/r/{token}/reserve")
async def reserve_page(
    token: str,
    request: Request,
    db: DbSession,
    settings: SettingsDep,
    clock: ClockDep,
    lang: Annotated[str | None, Query(max_length=8)] = None,
    book: Annotated[str | None, Query(max_length=8, description="language to book; default: lang")] = None,
    day: Annotated[Day | None, Query(description=f"the day whose times are shown ({ACCEPTED_DAYS})")] = None,
) -> Response:
    """Choose a day and time for a consultation with an interpreter, in the resident's language."""
    now = clock.now()
    link = await _entry(request, db, settings, token, now, lang)
    if isinstance(link, Response):
        return link
    if link.kind is LinkKind.reservation:  # a join link: its page is the resident page
        return RedirectResponse(f"/r/{token}", status_code=303)
    tr = translator(_lang(lang, link, request))
    return await _booking_page(request, db, settings, token, tr, _booked(book, tr), now, day=day)


@router.post("/r/{token}/reserve")
async def reserve_submit(
    token: str,
    request: Request,
    db: DbSession,
    cipher: CipherDep,
    settings: SettingsDep,
    clock: ClockDep,
    key: Annotated[str, Form(min_length=8, max_length=128)],
    lang: Annotated[str | None, Query(max_length=8)] = None,
    book: Annotated[str | None, Query(max_length=8)] = None,
    starts_at: Annotated[str, Form()] = "",
    channel: Annotated[str, Form()] = "video",
    name: Annotated[str, Form(max_length=200)] = "",
    phone: Annotated[str, Form(max_length=32)] = "",
    email: Annotated[str, Form(max_length=254)] = "",
) -> Response:
    """Book the chosen time (the form's key makes a double submit book once), then show the confirmation."""
    now = clock.now()
    link = await _entry(request, db, settings, token, now, lang)
    if isinstance(link, Response):
        return link
    tr = translator(_lang(lang, link, request))
    booked = _booked(book, tr)
    form = {
        "key": key,
        "starts_at": starts_at,
        "channel": channel,
        "name": name,
        "phone": phone,
        "email": email,
    }

    async def again(message: str, status_code: int = 422) -> Response:
        return await _booking_page(
            request, db, settings, token, tr, booked, now, error=message, form=form, status_code=status_code
        )

    try:
        when = check_instant(datetime.fromisoformat(starts_at))
        if when.tzinfo is None:
            raise ValueError("no offset")
    except ValueError:
        return await again(tr.t("reservation.choose"))
    if channel not in ("video", "phone"):
        channel = "video"
    if channel == "phone" and not phone.strip():
        return await again(tr.t("reservation.phone_required"))
    try:
        contact = ContactIn(name=name, phone=phone, email=email)
    except ValidationError as exc:
        fields = {str(e["loc"][0]) for e in exc.errors()}
        return await again(tr.t("reservation.phone_required") if "phone" in fields else tr.t("error.generic"))
    try:
        throttle(request, settings, clock, tr.lang)
    except TooManyRequests as exc:
        return await again(exc.message, 429)
    booking = service.BookingIn(
        language=booked,
        starts_at=when,
        channel=Channel(channel),
        municipality=link.municipality,
        contact=service.Contact(contact.name, contact.phone, contact.email),
    )
    try:
        result = await service.book(
            db,
            policy_of(request),
            service.rules_from(settings),
            now,
            booking,
            IdempotencyKey(RESIDENT, key),
            None,
            cipher,
        )
    except service.SlotTaken:
        return await again(tr.t("reservation.taken"), 409)
    except (InvalidField, Conflict):
        return await again(tr.t("reservation.unavailable"))
    done = RedirectResponse(
        f"{_booking_path(token, result.reservation.code)}?lang={tr.lang}", status_code=303
    )
    return _with_manage_cookie(done, settings, token, result.reservation, now)


@router.get("/r/{token}/reservation/{code}")
async def reservation_page(
    token: str,
    code: str,
    request: Request,
    db: DbSession,
    settings: SettingsDep,
    clock: ClockDep,
    lang: Annotated[str | None, Query(max_length=8)] = None,
) -> Response:
    """The confirmation: date and time, reservation number, join link and QR code, and cancelling; only in
    the browser that booked (the manage token is its HttpOnly cookie)."""
    now = clock.now()
    t = request.cookies.get(MANAGE_COOKIE, "")
    managed = await _managed(request, db, settings, token, code, t, now, lang)
    if isinstance(managed, Response):
        return managed
    tr, reservation = managed
    view = resident_view(settings, reservation, now, tr.lang, with_manage_token=True)
    join_url = _join_url(request, view.join_url, reservation)
    return templates.TemplateResponse(
        request,
        "reserve_done.html",
        {
            "i18n": tr,
            "token": token,
            "view": view,
            "cancelled": reservation.status is ReservationStatus.cancelled,
            "ended": reservation.status is not ReservationStatus.cancelled
            and (reservation.status is not ReservationStatus.booked or now >= reservation.ends_at),
            "join_url": join_url,
            "join_open": join_url is not None and now >= joining.opens_at(settings, reservation),
            "qr": qr_svg(join_url) if join_url else None,
            "calendar_url": f"{_booking_path(token, code)}/calendar.ics?lang={tr.lang}",
        },
        headers=_NO_STORE,
    )


def _join_url(request: Request, path: str | None, reservation: Reservation) -> str | None:
    """The absolute join link; the resident page opens in the booked language."""
    if path is None:
        return None
    return f"{str(request.base_url).rstrip('/')}{path}?lang={reservation.language_code}"


@router.get("/r/{token}/reservation/{code}/calendar.ics")
async def reservation_calendar(
    token: str,
    code: str,
    request: Request,
    db: DbSession,
    settings: SettingsDep,
    clock: ClockDep,
    lang: Annotated[str | None, Query(max_length=8)] = None,
) -> Response:
    """The booking as an iCalendar file, for the browser that booked (the same manage-token cookie, whose
    path covers this address) and only while the booking is still to come."""
    now = clock.now()
    managed = await _managed(
        request, db, settings, token, code, request.cookies.get(MANAGE_COOKIE, ""), now, lang
    )
    if isinstance(managed, Response):
        return managed
    tr, reservation = managed
    if reservation.status is not ReservationStatus.booked or now >= reservation.ends_at:
        return _problem(request, tr, tr.t("reservation.ended"), 409)
    view = resident_view(settings, reservation, now, tr.lang, with_manage_token=False)
    event = calendar_event(
        settings, reservation, now, tr.lang, _join_url(request, view.join_url, reservation)
    )
    return Response(
        calendar.ics(event),
        media_type="text/calendar; charset=utf-8",
        headers={
            **_NO_STORE,
            "Content-Disposition": f'attachment; filename="reservation-{reservation.code}.ics"',
        },
    )


@router.post("/r/{token}/reservation/{code}/cancel")
async def reservation_cancel(
    token: str,
    code: str,
    request: Request,
    db: DbSession,
    settings: SettingsDep,
    clock: ClockDep,
    lang: Annotated[str | None, Query(max_length=8)] = None,
) -> Response:
    """Cancel with the booking's own token (its SameSite=Strict cookie: no other site can make a browser
    cancel), then show the booking (now cancelled)."""
    now = clock.now()
    t = request.cookies.get(MANAGE_COOKIE, "")
    managed = await _managed(request, db, settings, token, code, t, now, lang)
    if isinstance(managed, Response):
        return managed
    tr, reservation = managed
    try:
        await service.cancel(db, reservation, now, None)
    except Conflict:
        return _problem(request, tr, tr.t("reservation.ended"), 409)
    return RedirectResponse(f"{_booking_path(token, code)}?lang={tr.lang}", status_code=303)


# -- staff ---------------------------------------------------------------------------------------------------


@router.get("/staff/reservations")
async def staff_reservations_page(
    request: Request,
    db: DbSession,
    cipher: CipherDep,
    settings: SettingsDep,
    clock: ClockDep,
    principal: OptionalPrincipal,
    day: Annotated[Day | None, Query(description=f"local day, {ACCEPTED_DAYS} (default today)")] = None,
) -> Response:
    """The day's reservations and those starting soon (Japanese first, with English)."""
    if principal is None or principal.staff_user_id is None:
        return RedirectResponse("/login", status_code=303)
    if principal.role not in roles.STAFF:
        return Response(
            "相談員・コーディネーター・管理者・通訳者のみ (counselors, coordinators, admins, interpreters)",
            status_code=403,
        )
    now = clock.now()
    shown = day or now.astimezone(settings.zone).date()
    rows = await day_list(db, settings, principal, shown, None, now)
    client_ip = request.client.host if request.client else None
    reads = await staff_views(db, principal, cipher, rows, client_ip)
    soon = await upcoming(db, principal, now, timedelta(minutes=60))
    zone = settings.zone
    return templates.TemplateResponse(
        request,
        "staff_reservations.html",
        {
            "display_name": principal.display_name,
            "csrf_token": principal.csrf_token or "",
            "can_act": principal.role in roles.COUNSELORS,
            "day": shown,
            "previous": shown - timedelta(days=1),
            "next": shown + timedelta(days=1),
            "rows": [
                {
                    **r.model_dump(),
                    "local_start": r.starts_at.astimezone(zone).strftime("%H:%M"),
                    "local_end": r.ends_at.astimezone(zone).strftime("%H:%M"),
                    "status_ja": STATUS_JA[r.status.value],
                    "channel_ja": CHANNEL_JA.get(r.channel, r.channel),
                }
                for r in reads
            ],
            "soon": [
                {**s.model_dump(), "local_start": s.starts_at.astimezone(zone).strftime("%H:%M")}
                for s in soon
            ],
            "lang": "ja",
            "bookable": [  # reservation-only languages first, then remote ones (outside vendor hours)
                (code, translator(code).t("language.self_name"))
                for wanted in (ServiceMode.RESERVATION, ServiceMode.REMOTE)
                for code, mode in policy_of(request).languages.items()
                if mode is wanted
            ],
        },
        headers={"Cache-Control": "no-store"},
    )
