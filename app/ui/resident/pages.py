"""The resident video page under /r/{token}: no account, reached by a link or a QR code.

One server-rendered page in the resident's language holds every step (language, consent, device check, desk
closed or the request, waiting, call, ended); `static/resident.js` moves between them. An expired link says
so in the resident's language (410) and an unknown one is a 404, both with the other ways to reach the desk.
The staff page that makes poster and invitation links (with a QR code to print) is here too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from app.auth import roles
from app.auth.principal import Principal
from app.chat.service import mt_status
from app.config import Settings
from app.deps import ClockDep, DbSession, OptionalPrincipal, SettingsDep
from app.enums import MunicipalityKind
from app.geography.models import Municipality, Site
from app.i18n import SUPPORTED, catalog_json, negotiate, translator
from app.i18n.languages import resident_order
from app.i18n.runtime import Translator
from app.live.desk import LiveDesk
from app.mt.service import TranslatorDep
from app.resident import link_registry
from app.resident.links import LinkExpired, LinkInvalid, LinkKind, ResidentLink, read_link
from app.resident.operator import operator_line
from app.resident.truth import language_truth
from app.ui.templating import templates
from routing import ServiceMode
from routing.calendar import OpeningHours

router = APIRouter(include_in_schema=False)

CLOSED_DAYS_AHEAD = 31
STEPS = ("language", "consent")


def closed_days(hours: OpeningHours, today: date, days: int = CLOSED_DAYS_AHEAD) -> list[date]:
    """Usual working days (by weekday) from today on when the desk is closed anyway: holidays, year end."""
    found = []
    for offset in range(days):
        day = today + timedelta(days=offset)
        if day.weekday() in hours.weekdays and not hours.is_open_day(day):
            found.append(day)
    return found


@dataclass(frozen=True)
class DeskView:
    """What the resident is told about the desk now, ready to show."""

    open_now: bool
    reservation_only: bool
    closed: bool
    title: str
    hours: str
    next_opening: str | None
    closed_days: str | None
    phone: str | None
    chat: bool
    reserve_url: str | None
    can_wait: bool  # open desk and hours, nobody to serve now: the resident may still queue for someone


async def desk_view(
    request: Request,
    settings: Settings,
    tr: Translator,
    link: ResidentLink,
    token: str,
    mt: TranslatorDep,
    now: datetime,
) -> DeskView:
    """The desk as the resident sees it at `now`, for their language: served now, later today (at that
    language's own opening), by reservation, or not now, with the choices that exist."""
    desk: LiveDesk = request.app.state.desk
    policy = desk.engine.policy
    hours = policy.desk_hours
    mine = next((a for a in desk.availability(now) if a.language == tr.lang), None)
    truth = await language_truth(
        mine,
        policy,
        tr,
        settings.zone,
        mt,
        settings.desk_phone or None,
        now,
        joining_reservation=link.kind is LinkKind.reservation,
    )
    days = closed_days(hours, now.astimezone(settings.zone).date())
    days_text = (
        tr.t("resident.closed_days", date=" · ".join(tr.format_date(d) for d in days)) if days else None
    )
    return DeskView(
        open_now=truth.desk_open,
        reservation_only=policy.mode_of(tr.lang) is ServiceMode.RESERVATION
        and link.kind is not LinkKind.reservation,
        closed=not truth.served_now,
        title=truth.title or "",
        hours=tr.opening_hours(hours),
        next_opening=truth.next_opening,
        closed_days=days_text,
        phone=settings.desk_phone or None,
        chat="mt_chat" in truth.choices,
        reserve_url=f"/r/{token}/reserve?lang={tr.lang}" if "reservation" in truth.choices else None,
        can_wait=truth.can_wait,
    )


def _language(requested: str | None, link_language: str | None, request: Request) -> str:
    if requested in SUPPORTED:
        return str(requested)
    if link_language in SUPPORTED:
        return str(link_language)
    return negotiate(request.headers.get("accept-language"))


def _link_error(
    request: Request, settings: Settings, lang: str, expired: bool, *, revoked: bool = False
) -> Response:
    """410 for a link that was good (expired, or revoked by staff), 404 for one that never was."""
    tr = translator(lang)
    key = "error.link_revoked" if revoked else "error.link_expired" if expired else "resident.link_invalid"
    message = tr.t(key)
    return templates.TemplateResponse(
        request,
        "resident_link_error.html",
        {"i18n": tr, "message": message, "phone": settings.desk_phone or None, "expired": expired},
        status_code=410 if expired else 404,
        headers={"Cache-Control": "no-store"},
    )


@router.get("/r/{token}")
async def resident_page(
    token: str,
    request: Request,
    db: DbSession,
    settings: SettingsDep,
    clock: ClockDep,
    mt: TranslatorDep,
    lang: Annotated[str | None, Query(max_length=8)] = None,
    step: Annotated[str | None, Query(max_length=16)] = None,
) -> Response:
    """The resident's video consultation page; the link decides the municipality, site and first language."""
    now = clock.now()
    try:
        link = read_link(settings, token, now)
    except LinkExpired as exc:
        return _link_error(request, settings, _language(lang, exc.link.language, request), expired=True)
    except LinkInvalid:
        return _link_error(request, settings, _language(lang, None, request), expired=False)
    if await link_registry.is_revoked(db, link.link_id):
        language = _language(lang, link.language, request)
        return _link_error(request, settings, language, expired=True, revoked=True)
    code = _language(lang, link.language, request)
    tr = translator(code)
    first = step if step in STEPS else ("consent" if lang in SUPPORTED else "language")
    view = await desk_view(request, settings, tr, link, token, mt, now)
    if first == "consent" and view.closed:
        first = "closed"  # the truth before the consent notice: nobody can serve this language now
    members = select(Municipality.name_ja, Municipality.name_en).where(
        Municipality.kind != MunicipalityKind.outside
    )
    rows = await db.execute(members.order_by(Municipality.sort_order, Municipality.code))
    places = [(r[0], r[1]) for r in rows]
    operator = operator_line(tr, settings.desk_operator_ja, settings.desk_operator_en, places)
    config: dict[str, Any] = {
        "token": token,
        "lang": code,
        "step": first,
        "closed": view.closed,
        "can_wait": view.can_wait,
        "municipality": link.municipality,
        "reservation_token": token if link.kind is LinkKind.reservation else None,
        "chat": view.chat,
        "mt": bool((await mt_status(mt, code))["available"]),
        "reserve_url": view.reserve_url,
        "catalog": catalog_json(code),
    }
    languages = [
        (c, translator(c).t("language.self_name"), translator(c).bcp47) for c in resident_order(SUPPORTED)
    ]
    return templates.TemplateResponse(
        request,
        "resident.html",
        {
            "i18n": tr,
            "token": token,
            "view": view,
            "operator": operator,
            "languages": languages,
            "config": json.dumps(config, ensure_ascii=False).replace("</", "<\\/"),
        },
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )


def _may_make_links(principal: Principal | None) -> Response | None:
    if principal is None or principal.staff_user_id is None:
        return RedirectResponse("/login", status_code=303)
    if principal.role not in roles.OFFICE:
        return Response(
            "相談員・コーディネーター・管理者のみ (counselors, coordinators and admins only)", status_code=403
        )
    return None


@router.get("/resident-links")
async def staff_link_page(
    request: Request, db: DbSession, settings: SettingsDep, clock: ClockDep, principal: OptionalPrincipal
) -> Response:
    """Staff make a poster or invitation link for residents and print its QR code (Japanese first)."""
    refused = _may_make_links(principal)
    if refused is not None:
        return refused
    assert principal is not None
    municipalities = select(Municipality).order_by(Municipality.code)
    sites = select(Site).where(Site.active.is_(True)).order_by(Site.municipality_code, Site.code)
    if principal.municipality_code is not None:
        municipalities = municipalities.where(Municipality.code == principal.municipality_code)
        sites = sites.where(Site.municipality_code == principal.municipality_code)
    return templates.TemplateResponse(
        request,
        "resident_links.html",
        {
            "display_name": principal.display_name,
            "csrf_token": principal.csrf_token or "",
            "municipalities": list((await db.scalars(municipalities)).all()),
            "sites": list((await db.scalars(sites)).all()),
            "languages": [(c, translator(c).t("language.self_name")) for c in resident_order(SUPPORTED)],
            "scoped": principal.municipality_code is not None,
            "today": clock.now().astimezone(settings.zone).date().isoformat(),
        },
    )
