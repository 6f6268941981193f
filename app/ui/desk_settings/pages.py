"""The desk-settings screens under /admin: the calendar (admins edit, coordinators read), resident links
(admins revoke), translation models (admins install), the audit trail (admins). Writes go through the API."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import RedirectResponse

from app.audit.viewer import case_readers, search
from app.audit.views import Filters
from app.auth import roles
from app.auth.principal import Principal
from app.deps import ClockDep, DbSession, OptionalPrincipal, SettingsDep
from app.live.desk_calendar import service as calendar_service
from app.mt.package import list_installed
from app.resident import link_registry
from app.ui.templating import templates
from routing.calendar import WEEKDAY_NAMES

router = APIRouter(include_in_schema=False)

WEEKDAYS_JA = dict(zip(WEEKDAY_NAMES, ("月", "火", "水", "木", "金", "土", "日"), strict=True))
WEEKDAYS_EN = dict(zip(WEEKDAY_NAMES, ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"), strict=True))


def _refused(principal: Principal | None, admitted: tuple[str, ...]) -> Response | None:
    if principal is None or principal.staff_user_id is None:
        return RedirectResponse("/login", status_code=303)
    if principal.role not in admitted:
        names = "・".join(roles.ROLE_JA[r] for r in admitted)
        return Response(f"{names}のみ ({' / '.join(admitted)} only)", status_code=403)
    return None


def _context(principal: Principal, **values: Any) -> dict[str, Any]:
    return {
        "display_name": principal.display_name,
        "csrf_token": principal.csrf_token or "",
        "is_admin": principal.role in roles.ADMINS,
        **values,
    }


@router.get("/admin/calendar")
async def calendar_page(
    request: Request, db: DbSession, settings: SettingsDep, clock: ClockDep, principal: OptionalPrincipal
) -> Response:
    """The calendar in force and its versions; admins save a new version (applied live)."""
    refused = _refused(principal, roles.REPORT_READERS)
    if refused is not None:
        return refused
    assert principal is not None
    today = clock.now().astimezone(settings.zone).date()
    current = await calendar_service.in_force(db, settings, today)
    context = _context(
        principal,
        calendar=current.data,
        in_force=current,
        today=today.isoformat(),
        versions=await calendar_service.versions(db),
        weekdays=[(name, WEEKDAYS_JA[name], WEEKDAYS_EN[name]) for name in WEEKDAY_NAMES],
        policy_version=request.app.state.desk.journal_status.policy_version,
    )
    return templates.TemplateResponse(request, "desk_calendar.html", context)


@router.get("/admin/links")
async def links_page(
    request: Request,
    db: DbSession,
    clock: ClockDep,
    principal: OptionalPrincipal,
    all_links: Annotated[bool, Query(alias="all")] = False,
) -> Response:
    """Posters and invitations made by staff; admins revoke them."""
    refused = _refused(principal, roles.REPORT_READERS)
    if refused is not None:
        return refused
    assert principal is not None
    now = clock.now()
    rows = await link_registry.listing(
        db, now, municipality=principal.municipality_code, include_inactive=all_links
    )
    context = _context(principal, links=rows, now=now, all_links=all_links)
    return templates.TemplateResponse(request, "desk_links.html", context)


@router.get("/admin/audit")
async def audit_page(
    request: Request,
    db: DbSession,
    principal: OptionalPrincipal,
    filters: Filters,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    """The audit trail with its filters, the CSV of the same filter, and who read the case filtered on."""
    refused = _refused(principal, roles.ADMINS)
    if refused is not None:
        return refused
    assert principal is not None
    total, rows = await search(db, filters, limit=100, offset=offset)
    readers = await case_readers(db, filters.case) if filters.case else []
    query = request.url.query
    context = _context(
        principal,
        total=total,
        rows=rows,
        readers=readers,
        filters=filters,
        offset=offset,
        csv_url="/api/v1/admin/audit/export.csv" + (f"?{query}" if query else ""),
        shown=lambda moment: _local(moment, request),
    )
    return templates.TemplateResponse(request, "desk_audit.html", context)


@router.get("/admin/models")
async def models_page(request: Request, settings: SettingsDep, principal: OptionalPrincipal) -> Response:
    """Installed translation pairs; admins fetch a pair from the package index."""
    refused = _refused(principal, roles.REPORT_READERS)
    if refused is not None:
        return refused
    assert principal is not None
    installed = await asyncio.to_thread(list_installed, settings.mt_models_dir)
    context = _context(principal, installed=installed, index_url=settings.mt_index_url)
    return templates.TemplateResponse(request, "desk_models.html", context)


def _local(moment: datetime, request: Request) -> str:
    zone = request.app.state.settings.zone
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")
