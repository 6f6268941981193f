"""Report API: JSON views for the dashboard (exact), and exports that leave it (CSV, Excel; suppressed).

Scope: a municipality's coordinator gets only their residents' figures; asking for another municipality is a
403 (never an empty answer that could pass for 'no cases'). Wide-area coordinators and admins see everything.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, BackgroundTasks, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import record
from app.auth.principal import Principal
from app.clock import Clock
from app.config import Settings
from app.deps import Admin, ClockDep, DbSession, ReportReader, SettingsDep
from app.enums import Role
from app.errors import Forbidden, InvalidField
from app.report import billing, export, monthly, service
from app.report.rollup import needs_refresh, refresh_in_background
from app.report.schemas import (
    BillingView,
    CasesMatrix,
    Dashboard,
    InterpreterView,
    ResidentsView,
    ServiceView,
    WaitsView,
)
from app.report.service import RawFilters, ReportContext
from app.report.tables import VIEWS, dashboard_tables

router = APIRouter(prefix="/reports", tags=["reports"])


def report_filters(
    from_month: Annotated[
        str | None, Query(alias="from", description="first month YYYY-MM (default: 11 months before 'to')")
    ] = None,
    to_month: Annotated[
        str | None, Query(alias="to", description="last month YYYY-MM (default: this month)")
    ] = None,
    municipality: Annotated[str | None, Query(description="JIS code from /api/v1/municipalities")] = None,
    language: Annotated[str | None, Query(description="language code from /api/v1/languages")] = None,
    channel: Annotated[str | None, Query(description="counter, satellite, phone or video")] = None,
    topic: Annotated[str | None, Query(description="topic code from /api/v1/topics")] = None,
) -> RawFilters:
    return RawFilters(from_month, to_month, municipality, language, channel, topic)


Filters = Annotated[RawFilters, Depends(report_filters)]
Suppress = Annotated[
    bool,
    Query(description="hide small cells (default). Only admins and wide-area coordinators may turn it off."),
]


async def _context(
    db: AsyncSession,
    principal: Principal,
    raw: RawFilters,
    settings: Settings,
    now: datetime,
    for_export: bool = False,
) -> ReportContext:
    """An export's default period leaves out the unfinished current month (see resolve_filters)."""
    return await service.prepare(db, principal, raw, settings.zone, now, finished_months_only=for_export)


def _refresh_later(
    request: Request,
    tasks: BackgroundTasks,
    ctx: ReportContext,
    settings: Settings,
    clock: Clock,
    now: datetime,
) -> None:
    """Past months computed live are rolled up after the response, so the next report reads them faster."""
    if needs_refresh(ctx.plan, now):
        tasks.add_task(refresh_in_background, request.app.state.sessionmaker, settings.zone, clock)


async def view_context(
    request: Request,
    tasks: BackgroundTasks,
    db: DbSession,
    settings: SettingsDep,
    clock: ClockDep,
    principal: ReportReader,
    raw: Filters,
) -> ReportContext:
    """Filters checked and scoped to the reader; months computed live are rolled up after the response."""
    now = clock.now()
    ctx = await _context(db, principal, raw, settings, now)
    _refresh_later(request, tasks, ctx, settings, clock, now)
    return ctx


ViewContext = Annotated[ReportContext, Depends(view_context)]


def _check_unsuppressed(principal: Principal, suppress: bool) -> None:
    if not suppress and principal.role == Role.coordinator and principal.municipality_code is not None:
        raise Forbidden("unsuppressed exports are for admins and the wide-area coordinator only")


@router.get("/dashboard", response_model=Dashboard)
async def read_dashboard(
    db: DbSession,
    ctx: ViewContext,
) -> Dashboard:
    """Every view at once (exact figures, within your scope)."""
    return await service.dashboard(db, ctx)


@router.get("/cases", response_model=CasesMatrix)
async def read_cases(
    db: DbSession,
    ctx: ViewContext,
    by: Annotated[str, Query(description="municipality, language, channel or topic")] = "municipality",
) -> CasesMatrix:
    """Cases per month by one dimension; by topic, a case with several topics counts once in each."""
    if by not in service.DIMENSIONS:
        accepted = list(service.DIMENSIONS)
        raise InvalidField(("query", "by"), f"unknown by {by!r}; accepted: {', '.join(accepted)}", accepted)
    return await service.cases_by(db, ctx, by)


@router.get("/service", response_model=ServiceView)
async def read_service(
    db: DbSession,
    ctx: ViewContext,
) -> ServiceView:
    """Answer rate and abandonment per month."""
    return await service.service(db, ctx)


@router.get("/waits", response_model=WaitsView)
async def read_waits(
    db: DbSession,
    ctx: ViewContext,
) -> WaitsView:
    """Wait (median, 90th percentile) and time to an interpreter, per month and overall."""
    return await service.waits(db, ctx)


@router.get("/interpreter-minutes", response_model=InterpreterView)
async def read_interpreter_minutes(
    db: DbSession,
    ctx: ViewContext,
) -> InterpreterView:
    """Interpreter legs and minutes by vendor and language, for invoice reconciliation."""
    return await service.interpreter_minutes(db, ctx)


@router.get("/residents", response_model=ResidentsView)
async def read_residents(
    db: DbSession,
    ctx: ViewContext,
) -> ResidentsView:
    """Share of cases from each municipality's residents."""
    return await service.residents(db, ctx)


def _filters_line(ctx: ReportContext) -> str:
    f = ctx.filters
    parts = [f"期間 Period: {f.from_month} – {f.to_month}"]
    for name, value in (
        ("市町 Municipality", f.municipality),
        ("言語 Language", f.language),
        ("相談方法 Channel", f.channel),
        ("相談内容 Topic", f.topic),
        ("範囲 Scope", f.scope_municipality),
    ):
        if value:
            parts.append(f"{name}: {value}")
    return " / ".join(parts)


def _download(content: bytes, media_type: str, filename: str) -> Response:
    return Response(
        content,
        media_type=media_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}",
            "Cache-Control": "no-store",
        },
    )


async def _audit_export(
    db: AsyncSession, request: Request, principal: Principal, what: str, ctx: ReportContext, suppress: bool
) -> None:
    await record(
        db,
        principal,
        "report.export",
        "report",
        what,
        {"filters": ctx.filters.model_dump(by_alias=True), "suppressed": suppress},
        request.client.host if request.client else None,
    )


@router.get("/export.xlsx", response_class=Response)
async def export_workbook(
    request: Request,
    db: DbSession,
    settings: SettingsDep,
    clock: ClockDep,
    principal: ReportReader,
    raw: Filters,
    suppress: Suppress = True,
) -> Response:
    """Every view as an Excel workbook (one sheet per view), small cells suppressed."""
    _check_unsuppressed(principal, suppress)
    now = clock.now()
    ctx = await _context(db, principal, raw, settings, now, for_export=True)
    dashboard = await service.dashboard(db, ctx)
    tables = dashboard_tables(dashboard, settings.report_suppression_threshold, suppress)
    content = export.dashboard_workbook(
        tables,
        _filters_line(ctx),
        settings.report_suppression_threshold,
        suppress,
        now.astimezone(settings.zone),
    )
    await _audit_export(db, request, principal, "export.xlsx", ctx, suppress)
    return _download(
        content, export.XLSX_MEDIA_TYPE, f"madoguchi-{ctx.filters.from_month}-{ctx.filters.to_month}.xlsx"
    )


@router.get("/monthly.xlsx", response_class=Response)
async def export_monthly_workbook(
    request: Request,
    db: DbSession,
    settings: SettingsDep,
    clock: ClockDep,
    principal: ReportReader,
    month: Annotated[str | None, Query(description="YYYY-MM (default: last month)")] = None,
    municipality: Annotated[str | None, Query(description="JIS code; omit for the whole area")] = None,
    suppress: Suppress = True,
) -> Response:
    """The monthly council report (令和N年M月 外国人相談窓口 利用状況報告) as Excel."""
    _check_unsuppressed(principal, suppress)
    report = await monthly.build_monthly_report(
        db,
        principal,
        month,
        municipality,
        settings.zone,
        settings.report_suppression_threshold,
        suppress,
        now=clock.now(),
    )
    content = export.monthly_workbook(report.title, report.subtitle_lines, report.tables, report.footnotes)
    await record(
        db,
        principal,
        "report.export",
        "report",
        "monthly.xlsx",
        {"month": str(report.month), "municipality": report.municipality, "suppressed": suppress},
        request.client.host if request.client else None,
    )
    suffix = f"-{report.municipality}" if report.municipality else ""
    return _download(content, export.XLSX_MEDIA_TYPE, f"madoguchi-monthly-{report.month}{suffix}.xlsx")


async def billing_context(
    request: Request,
    db: DbSession,
    settings: SettingsDep,
    clock: ClockDep,
    principal: Admin,
    raw: Filters,
) -> ReportContext:
    """The billing table's period and filters: admins only (the role check comes before anything is read)."""
    return await _context(db, principal, raw, settings, clock.now())


BillingContext = Annotated[ReportContext, Depends(billing_context)]


async def _audit_billing(
    db: AsyncSession, request: Request, principal: Principal, what: str, ctx: ReportContext
) -> None:
    await record(
        db,
        principal,
        "report.billing",
        "report",
        what,
        {"filters": ctx.filters.model_dump(by_alias=True), "suppressed": False},
        request.client.host if request.client else None,
    )


@router.get("/billing", response_model=BillingView)
async def read_billing(request: Request, db: DbSession, principal: Admin, ctx: BillingContext) -> BillingView:
    """Interpreter legs and exact minutes per vendor and month, never suppressed, to check vendors' invoices.
    Admins only; every read is audited."""
    view = await billing.billing(db, ctx)
    await _audit_billing(db, request, principal, "billing", ctx)
    return view


@router.get("/billing.csv", response_class=Response)
async def export_billing_csv(
    request: Request, db: DbSession, principal: Admin, ctx: BillingContext
) -> Response:
    """The billing table as CSV (UTF-8 with BOM), exact figures (admins only; audited)."""
    view = await billing.billing(db, ctx)
    await _audit_billing(db, request, principal, "billing.csv", ctx)
    return _download(
        export.table_csv(billing.billing_table(view)),
        export.CSV_MEDIA_TYPE,
        f"madoguchi-billing-{ctx.filters.from_month}-{ctx.filters.to_month}.csv",
    )


@router.get("/{view}.csv", response_class=Response)
async def export_csv(
    view: str,
    request: Request,
    db: DbSession,
    settings: SettingsDep,
    clock: ClockDep,
    principal: ReportReader,
    raw: Filters,
    suppress: Suppress = True,
) -> Response:
    """One view as CSV (UTF-8 with BOM), suppressed consistently with the other views and the workbook."""
    if view not in VIEWS:
        raise InvalidField(
            ("path", "view"), f"unknown view {view!r}; accepted: {', '.join(VIEWS)}", list(VIEWS)
        )
    _check_unsuppressed(principal, suppress)
    ctx = await _context(db, principal, raw, settings, clock.now(), for_export=True)
    dashboard = await service.dashboard(db, ctx)
    tables = {t.name: t for t in dashboard_tables(dashboard, settings.report_suppression_threshold, suppress)}
    await _audit_export(db, request, principal, f"{view}.csv", ctx, suppress)
    return _download(
        export.table_csv(tables[view]),
        export.CSV_MEDIA_TYPE,
        f"madoguchi-{view}-{ctx.filters.from_month}-{ctx.filters.to_month}.csv",
    )
