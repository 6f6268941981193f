"""Endpoints of the front-line screens: the counter tablet's context and the resident's topic pictograms,
and the counselor's own recent cases."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status
from sqlalchemy import select

from app.auth.principal import DEVICE, Principal
from app.console import service, transfer
from app.console.calls import own_call
from app.console.schemas import (
    OwnCasePage,
    ResidentTopicsIn,
    ResidentTopicsRead,
    TabletContextRead,
)
from app.deps import DbSession, SettingsDep, require_roles
from app.enums import Channel, Role, SiteKind
from app.errors import Conflict, Forbidden
from app.geography.models import Site
from app.live.router import DeskDep
from routing import InterpreterRequested, RoutingConflict

router = APIRouter(tags=["front-line screens"])

Counter = Annotated[Principal, Depends(require_roles(DEVICE, Role.counter_staff))]
Front = Annotated[Principal, Depends(require_roles(Role.counselor, Role.admin, Role.counter_staff, DEVICE))]
Counselor = Annotated[Principal, Depends(require_roles(Role.counselor, Role.admin))]


def _ip(request: Request) -> str | None:
    return request.client.host if request.client else None


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


@router.put("/consultations/{consultation_id}/resident-topics", response_model=ResidentTopicsRead)
async def set_resident_topics(
    consultation_id: str, topics_in: ResidentTopicsIn, db: DbSession, principal: Front
) -> ResidentTopicsRead:
    """The topics the resident picked on the tablet while waiting (replaces an earlier pick)."""
    return await service.set_resident_topics(db, principal, consultation_id, topics_in)


@router.get("/console/own-cases", response_model=OwnCasePage)
async def list_own_cases(
    request: Request,
    db: DbSession,
    principal: Counselor,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> OwnCasePage:
    """Your own recent cases, newest first: calls you took and phone consultations you logged."""
    return OwnCasePage(items=await service.list_own_cases(db, principal, limit, _ip(request)))


@router.post("/consultations/{consultation_id}/interpreter-request", status_code=status.HTTP_204_NO_CONTENT)
async def request_interpreter(
    consultation_id: str, db: DbSession, desk: DeskDep, principal: Counselor
) -> None:
    """Ask for a remote interpreter to join your call (the case's language); the pool is rung at once, the
    call goes on meanwhile, and the interpreter who accepts is invited into the room."""
    call = await own_call(db, desk, principal, consultation_id, "ask for an interpreter")
    try:
        await desk.submit(InterpreterRequested(at=desk.clock.now(), request_id=call.request_id))
    except RoutingConflict as exc:
        raise Conflict(f"no interpreter can be requested now: {exc}") from None


@router.get("/consultations/{consultation_id}/transfer-targets", response_model=transfer.TransferTargets)
async def list_transfer_targets(
    consultation_id: str, db: DbSession, desk: DeskDep, principal: Counselor
) -> transfer.TransferTargets:
    """Counselors present and free who could take your call now (for the console's transfer picker)."""
    return await transfer.transfer_targets(db, desk, principal, consultation_id)


@router.post("/consultations/{consultation_id}/transfer", status_code=status.HTTP_204_NO_CONTENT)
async def transfer_call(
    consultation_id: str, body: transfer.TransferIn, db: DbSession, desk: DeskDep, principal: Counselor
) -> None:
    """Hand your call to a free colleague: they are invited into the running call (same interpreter), and
    your console is told to leave it; you are free for the next consultation at once."""
    await transfer.transfer(db, desk, principal, consultation_id, body)
