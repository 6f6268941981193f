"""The coordinators' dashboard and the printable monthly report, rendered on the server (Japanese first).

Charts are drawn in the browser by plotly.js, served by `app.ui.assets` from the installed `plotly` package:
nothing is fetched from a CDN and no third-party JavaScript is committed to this repository.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.audit.service import record
from app.auth import roles
from app.auth.principal import Principal
from app.auth.roles import ROLE_JA
from app.deps import ClockDep, DbSession, OptionalPrincipal, SettingsDep
from app.enums import Role
from app.errors import Forbidden, InvalidField
from app.report import billing, monthly, service
from app.report.duration import hours_minutes
from app.report.period import Month, fiscal_year, fiscal_year_months
from app.report.rollup import needs_refresh, refresh_in_background
from app.report.service import RawFilters
from app.report.tables import VIEWS
from app.ui.asset_files import hashed_url
from app.ui.templating import templates

router = APIRouter(prefix="/reports", include_in_schema=False)


def range_presets(current: Month) -> list[dict[str, str]]:
    """One-click periods for the filter form: this fiscal year (年度, April–March) so far, and last."""
    this_year = fiscal_year(current)
    last_first, last_last = fiscal_year_months(this_year - 1)
    return [
        {
            "label_ja": f"今年度({this_year}年度)",
            "label_en": f"This fiscal year (FY{this_year})",
            "from": str(fiscal_year_months(this_year)[0]),
            "to": str(current),
        },
        {
            "label_ja": f"前年度({this_year - 1}年度)",
            "label_en": f"Last fiscal year (FY{this_year - 1})",
            "from": str(last_first),
            "to": str(last_last),
        },
    ]


def _gate(request: Request, principal: Principal | None) -> Response | None:
    """Anonymous visitors go to the sign-in page; staff without a reporting role get a 403 page."""
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    if principal.role not in roles.REPORT_READERS:
        return templates.TemplateResponse(
            request,
            "report_error.html",
            {
                "principal": principal,
                "role_ja": ROLE_JA.get(principal.role, principal.role),
                "status": 403,
                "message": "この画面はコーディネーターと管理者のみ利用できます。",
                "detail": f"this needs the role admin or coordinator; you are signed in as {principal.role}",
            },
            status_code=403,
        )
    return None


def _error_page(request: Request, principal: Principal, exc: InvalidField | Forbidden) -> Response:
    status = exc.status_code
    message = "条件が正しくありません。" if status == 422 else "この条件の統計は表示できません。"
    return templates.TemplateResponse(
        request,
        "report_error.html",
        {
            "principal": principal,
            "role_ja": ROLE_JA.get(principal.role, principal.role),
            "status": status,
            "message": message,
            "detail": exc.message,
        },
        status_code=status,
    )


@router.get("", response_class=HTMLResponse)
async def dashboard_page(
    request: Request,
    tasks: BackgroundTasks,
    db: DbSession,
    settings: SettingsDep,
    clock: ClockDep,
    principal: OptionalPrincipal,
    from_month: Annotated[str | None, Query(alias="from")] = None,
    to_month: Annotated[str | None, Query(alias="to")] = None,
    municipality: str | None = None,
    language: str | None = None,
    channel: str | None = None,
    topic: str | None = None,
) -> Response:
    gate = _gate(request, principal)
    if gate is not None or principal is None:
        return gate or RedirectResponse("/login", status_code=303)
    raw = RawFilters(from_month, to_month, municipality, language, channel, topic)
    now = clock.now()
    try:
        ctx = await service.prepare(db, principal, raw, settings.zone, now)
    except (InvalidField, Forbidden) as exc:
        return _error_page(request, principal, exc)
    dashboard = await service.dashboard(db, ctx)
    if needs_refresh(ctx.plan, now):
        tasks.add_task(refresh_in_background, request.app.state.sessionmaker, settings.zone, clock)
    query = {
        k: v
        for k, v in dashboard.filters.model_dump(by_alias=True).items()
        if v and k != "scope_municipality"
    }
    # with no period chosen, exports take their own default: the last finished months, not this half month
    chosen_period = bool(from_month or to_month)
    export_query = {k: v for k, v in query.items() if chosen_period or k not in ("from", "to")}
    scope = ctx.criteria.scope_municipality
    context: dict[str, Any] = {
        "principal": principal,
        "role_ja": ROLE_JA.get(principal.role, principal.role),
        "dashboard": dashboard,
        "data": dashboard.model_dump(mode="json", by_alias=True),
        "reference": ctx.reference,
        "filters": dashboard.filters,
        "scope": ctx.reference.label("municipality", scope) if scope else None,
        "query": "&".join(f"{k}={v}" for k, v in export_query.items()),
        "views": VIEWS,
        "threshold": settings.report_suppression_threshold,
        "last_month": str(Month.of(now, settings.zone).previous()),
        "presets": range_presets(Month.of(now, settings.zone)),
        "interpreter_time": hours_minutes(dashboard.interpreter_minutes.total.minutes),
        "vendor_times": {
            r.vendor: hours_minutes(r.minutes) for r in dashboard.interpreter_minutes.vendor_totals
        },
        # plotly by its content hash: cached for a year, not fetched again on every visit
        "plotly_js": hashed_url("report", "plotly.min.js"),
        "plotly_css": hashed_url("report", "plotly.css"),
        "is_admin": principal.role == Role.admin,
    }
    return templates.TemplateResponse(request, "dashboard.html", context)


@router.get("/billing", response_class=HTMLResponse)
async def billing_page(
    request: Request,
    db: DbSession,
    settings: SettingsDep,
    clock: ClockDep,
    principal: OptionalPrincipal,
    from_month: Annotated[str | None, Query(alias="from")] = None,
    to_month: Annotated[str | None, Query(alias="to")] = None,
) -> Response:
    """Interpreter minutes per vendor and month, exact, to check invoices: admins only, each read audited."""
    gate = _gate(request, principal)
    if gate is not None or principal is None:
        return gate or RedirectResponse("/login", status_code=303)
    if principal.role != Role.admin:
        forbidden = Forbidden(f"the billing table is for admins; you are signed in as {principal.role}")
        return _error_page(request, principal, forbidden)
    raw = RawFilters(from_month, to_month, None, None, None, None)
    try:
        ctx = await service.prepare(db, principal, raw, settings.zone, clock.now())
    except (InvalidField, Forbidden) as exc:
        return _error_page(request, principal, exc)
    view = await billing.billing(db, ctx)
    await record(
        db,
        principal,
        "report.billing",
        "report",
        "billing.html",
        {"filters": ctx.filters.model_dump(by_alias=True), "suppressed": False},
        request.client.host if request.client else None,
    )
    times = {(r.vendor, r.month): hours_minutes(r.milliseconds / 60000) for r in view.rows}
    times |= {(r.vendor, "total"): hours_minutes(r.milliseconds / 60000) for r in view.vendor_totals}
    return templates.TemplateResponse(
        request,
        "billing.html",
        {
            "principal": principal,
            "role_ja": ROLE_JA.get(principal.role, principal.role),
            "view": view,
            "times": times,
            "total_time": hours_minutes(view.total.milliseconds / 60000),
            "presets": range_presets(Month.of(clock.now(), settings.zone)),
            "query": f"from={ctx.filters.from_month}&to={ctx.filters.to_month}",
        },
    )


@router.get("/monthly", response_class=HTMLResponse)
async def monthly_page(
    request: Request,
    db: DbSession,
    settings: SettingsDep,
    clock: ClockDep,
    principal: OptionalPrincipal,
    month: str | None = None,
    municipality: str | None = None,
) -> Response:
    gate = _gate(request, principal)
    if gate is not None or principal is None:
        return gate or RedirectResponse("/login", status_code=303)
    try:
        report = await monthly.build_monthly_report(
            db,
            principal,
            month,
            municipality,
            settings.zone,
            settings.report_suppression_threshold,
            now=clock.now(),
        )
    except (InvalidField, Forbidden) as exc:
        return _error_page(request, principal, exc)
    await record(
        db,
        principal,
        "report.export",
        "report",
        "monthly.html",
        {"month": str(report.month), "municipality": report.municipality, "suppressed": True},
        request.client.host if request.client else None,
    )
    return templates.TemplateResponse(
        request,
        "monthly.html",
        {"report": report, "suppressed_label": "秘匿", "municipality": report.municipality or ""},
    )
