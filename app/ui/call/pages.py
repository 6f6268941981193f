"""Call screens: the interpreter console, the counselor's call view, the counter tablet and the device check.

Pages are thin server-rendered shells; the work happens in ``static/call.js`` (mesh WebRTC) on top of the
shared browser modules, and a small script per page. Static files go out through ``app.ui.assets``; the
resident-facing catalogue for the tablet comes from ``app.i18n``.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from app.auth.principal import Principal
from app.deps import OptionalPrincipal
from app.enums import Role
from app.i18n import SUPPORTED, catalog_json, translator
from app.i18n.languages import LANGUAGES, resident_order
from app.ui.templating import templates

router = APIRouter(include_in_schema=False)


def _staff_page(request: Request, principal: Principal | None, role: Role, template: str) -> Response:
    if principal is None or principal.staff_user_id is None:
        return RedirectResponse("/login", status_code=303)
    if principal.role != role:
        return Response(
            f"このページは{role.value}用です (this page is for the {role.value} role)", status_code=403
        )
    return templates.TemplateResponse(
        request,
        template,
        {"display_name": principal.display_name, "csrf_token": principal.csrf_token or ""},
    )


@router.get("/interpreter")
async def interpreter_console(request: Request, principal: OptionalPrincipal) -> Response:
    return _staff_page(request, principal, Role.interpreter, "interpreter.html")


@router.get("/counselor")
async def counselor_console(request: Request, principal: OptionalPrincipal) -> Response:
    return _staff_page(request, principal, Role.counselor, "counselor.html")


@router.get("/tablet")
async def counter_tablet(request: Request) -> Response:
    """The counter tablet's shell, with "Choose your language" written in every resident language at once
    (each phrase marked with its own lang), in the order residents see the languages everywhere."""
    choose = [
        (code, translator(code).bcp47, translator(code).t("language.title"))
        for code in resident_order(SUPPORTED)
    ]
    return templates.TemplateResponse(request, "tablet.html", {"choose": choose})


@router.get("/device-check")
async def device_check_page(request: Request) -> Response:
    return templates.TemplateResponse(request, "device_check.html", {})


@router.get("/call/i18n/{lang}.json")
async def call_catalog(request: Request, lang: str) -> Response:
    """Resident-facing texts of one language for the tablet (unknown codes get the negotiated fallback), with
    the desk's open days and hours already written in that language (`_open_days`, `_desk_hours`)."""
    code = lang if lang in LANGUAGES else "en"
    tr = translator(code)
    hours = request.app.state.desk.engine.policy.desk_hours
    catalog = catalog_json(code)
    catalog["_open_days"] = tr.format_days(hours.weekdays)
    catalog["_desk_hours"] = tr.format_hours(hours.opens, hours.closes)
    catalog["_opening_hours"] = tr.opening_hours(hours)  # per weekday, holidays, year end: the calendar's
    return JSONResponse(catalog)
