"""The counter tablet's own context: its site, the channel its cases open on, the desk's phone and hours; and,
before a case is opened, the truth about the language the resident tapped."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy import select

from app.deps import ClockDep, Counter, DbSession, SettingsDep
from app.device.schemas import (
    LanguageTruthText,
    TabletContextRead,
    TabletLanguageRead,
    TabletLanguageStatusRead,
)
from app.enums import Channel, SiteKind
from app.errors import Forbidden, InvalidField
from app.geography.models import Site
from app.i18n import SUPPORTED, translator
from app.live.desk import LiveDesk
from app.mt.service import TranslatorDep
from app.resident.truth import LanguageTruth, language_truth
from routing import Availability

STATUS_KEYS = {
    Availability.AVAILABLE_NOW: "tablet.status_now",
    Availability.LATER_TODAY: "tablet.status_later",
    Availability.BOOK_AHEAD: "tablet.status_book",
    Availability.CLOSED: "tablet.status_not_now",
}

router = APIRouter(tags=["counter tablets"])


@router.get("/tablet/context", response_model=TabletContextRead)
async def tablet_context(
    request: Request, db: DbSession, settings: SettingsDep, principal: Counter
) -> TabletContextRead:
    """This counter's site, the channel its cases are opened on, and the desk's phone and hours."""
    site = await db.scalar(select(Site).where(Site.id == principal.site_id)) if principal.site_id else None
    if site is None:
        raise Forbidden("this account belongs to no site")
    desk: LiveDesk = request.app.state.desk
    hours = desk.engine.policy.desk_hours
    return TabletContextRead(
        site=site.code,
        site_name_ja=site.name_ja,
        site_name_en=site.name_en,
        kind=site.kind,
        channel=Channel.counter if site.kind is SiteKind.central_desk else Channel.satellite,
        desk_phone=settings.desk_phone or None,
        desk_hours=translator("ja").format_hours(hours.opens, hours.closes),  # the locale's range, not "–"
        desk_days=list(settings.desk_days),
    )


@router.get("/tablet/languages", response_model=list[TabletLanguageStatusRead])
async def tablet_languages(
    request: Request, settings: SettingsDep, clock: ClockDep, principal: Counter
) -> list[TabletLanguageStatusRead]:
    """Each language button's line, in that language: available now, today from its own opening, by
    reservation, or not now (the same answer as /availability)."""
    desk: LiveDesk = request.app.state.desk
    found = []
    for a in desk.availability(clock.now()):
        if a.language not in SUPPORTED:
            continue
        tr = translator(a.language)
        opens = a.opens_at.astimezone(settings.zone) if a.opens_at is not None else None
        label = (
            tr.t(STATUS_KEYS[a.status], time=tr.format_time(opens)) if opens else tr.t(STATUS_KEYS[a.status])
        )
        found.append(TabletLanguageStatusRead(language=a.language, status=a.status.value, label=label))
    return found


@router.get("/tablet/languages/{lang}", response_model=TabletLanguageRead)
async def tablet_language(
    lang: str,
    request: Request,
    settings: SettingsDep,
    clock: ClockDep,
    mt: TranslatorDep,
    principal: Counter,
) -> TabletLanguageRead:
    """Can `lang` be served now (with the console's wait estimate), and if not: later today at that
    language's own opening, by reservation, or not now, with the other ways; texts in `lang` and Japanese."""
    if lang not in SUPPORTED:
        raise InvalidField(("path", "lang"), f"unknown language {lang!r}", list(SUPPORTED))
    desk: LiveDesk = request.app.state.desk
    now = clock.now()
    mine = next((a for a in desk.availability(now) if a.language == lang), None)
    phone = settings.desk_phone or None

    async def truth(code: str) -> LanguageTruth:
        return await language_truth(mine, desk.engine.policy, translator(code), settings.zone, mt, phone, now)

    own, ja = await truth(lang), await truth("ja")
    hours = desk.engine.policy.desk_hours

    def text(code: str, said: LanguageTruth) -> LanguageTruthText:
        tr = translator(code)
        return LanguageTruthText(
            lang=code,
            title=said.title,
            next_opening=said.next_opening,
            hours=tr.format_hours(hours.opens, hours.closes),
            phone=tr.t("alt.call", phone=phone) if phone else None,
        )

    return TabletLanguageRead(
        language=lang,
        status=own.status.value,
        served_now=own.served_now,
        can_wait=own.can_wait,
        estimated_wait_s=own.estimated_wait_s,
        opens_at=own.opens_at,
        choices=list(own.choices),
        own=text(lang, own),
        ja=text("ja", ja),
    )
