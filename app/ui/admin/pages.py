"""The admin area `/admin` (Japanese first with English): interpreter pool, vendors, staff, counter devices.

The page is a shell; `admin.js` reads and changes everything through `/api/v1/admin/...`, so the screen and
the API can never disagree. Coordinators see the pool, vendors and devices read-only; others get a 403 page.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from app.auth import roles
from app.auth.roles import ROLE_JA
from app.deps import DbSession, OptionalPrincipal
from app.enums import Role
from app.geography.models import Municipality, Site
from app.language.models import Language
from app.ui.templating import templates

router = APIRouter(include_in_schema=False)


@router.get("/admin")
async def admin_page(request: Request, db: DbSession, principal: OptionalPrincipal) -> Response:
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    if principal.role not in roles.REPORT_READERS:
        return templates.TemplateResponse(
            request,
            "admin_refused.html",
            {"role_ja": ROLE_JA.get(principal.role, principal.role), "role": principal.role},
            status_code=403,
        )
    by_code = select(Municipality).order_by(Municipality.code)
    return templates.TemplateResponse(
        request,
        "admin.html",
        {
            "display_name": principal.display_name,
            "csrf_token": principal.csrf_token or "",
            "is_admin": principal.role == Role.admin,
            "languages": list((await db.scalars(select(Language).order_by(Language.code))).all()),
            "sites": list((await db.scalars(select(Site).order_by(Site.code))).all()),
            "municipalities": list((await db.scalars(by_code)).all()),
            "roles": [(r.value, ROLE_JA[r]) for r in Role],
        },
    )
