from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlalchemy import select

from app.deps import DbSession
from app.enums import ServiceMode
from app.i18n.languages import resident_order
from app.language.models import Language
from app.live.desk import LiveDesk
from routing import Availability as RoutingAvailability

router = APIRouter(tags=["reference data"])

Availability = Literal["now", "later_today", "book_ahead", "closed"]
_AVAILABILITY: dict[RoutingAvailability, Availability] = {
    RoutingAvailability.AVAILABLE_NOW: "now",
    RoutingAvailability.LATER_TODAY: "later_today",
    RoutingAvailability.BOOK_AHEAD: "book_ahead",
    RoutingAvailability.CLOSED: "closed",
}


class LanguageRead(BaseModel):
    code: str
    native_name: str
    name_ja: str
    name_en: str
    service_mode: ServiceMode
    served_now: bool
    availability: Availability


@router.get("/languages", response_model=list[LanguageRead])
async def list_languages(request: Request, db: DbSession) -> list[LanguageRead]:
    """Active languages, how each is served, and whether it can be served now (hours, holidays, who is on)."""
    desk: LiveDesk = request.app.state.desk
    live = {a.language: _AVAILABILITY[a.status] for a in desk.availability()}
    rows = await db.scalars(select(Language).where(Language.active.is_(True)).order_by(Language.sort_order))
    by_code = {lang.code: lang for lang in rows}
    return [
        LanguageRead(
            code=lang.code,
            native_name=lang.native_name,
            name_ja=lang.name_ja,
            name_en=lang.name_en,
            service_mode=lang.service_mode,
            served_now=live.get(lang.code) == "now",
            availability=live.get(lang.code, "closed"),
        )
        for lang in (by_code[code] for code in resident_order(by_code))
    ]
