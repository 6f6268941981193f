"""The counter tablet's own context: its site, the channel its cases open on, the desk's phone and hours."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select

from app.deps import Counter, DbSession, SettingsDep
from app.device.schemas import TabletContextRead
from app.enums import Channel, SiteKind
from app.errors import Forbidden
from app.geography.models import Site

router = APIRouter(tags=["counter tablets"])


@router.get("/tablet/context", response_model=TabletContextRead)
async def tablet_context(db: DbSession, settings: SettingsDep, principal: Counter) -> TabletContextRead:
    """This counter's site, the channel its cases are opened on, and the desk's phone and hours."""
    site = await db.scalar(select(Site).where(Site.id == principal.site_id)) if principal.site_id else None
    if site is None:
        raise Forbidden("this account belongs to no site")
    opens, closes = settings.desk_hours.split("-")
    return TabletContextRead(
        site=site.code,
        site_name_ja=site.name_ja,
        site_name_en=site.name_en,
        kind=site.kind,
        channel=Channel.counter if site.kind is SiteKind.central_desk else Channel.satellite,
        desk_phone=settings.desk_phone or None,
        desk_hours=f"{opens}–{closes}",
        desk_days=list(settings.desk_days),
    )
