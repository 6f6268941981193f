"""Sign-in for browsers (JSON API and a plain HTML form) and who-am-I."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from app.audit.service import record
from app.auth import service
from app.auth.principal import Principal, Via
from app.auth.revocation import close_session_sockets
from app.auth.session_cookie import SESSION_COOKIE, set_session_cookie
from app.auth.views import sign_in
from app.deps import ClockDep, CurrentPrincipal, DbSession, SettingsDep
from app.errors import SIGN_IN_ERRORS

router = APIRouter(prefix="/auth", tags=["auth"])


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class Me(BaseModel):
    role: str
    display_name: str
    staff_user_id: int | None
    device_id: int | None
    municipality_code: str | None
    site_id: int | None
    csrf_token: str | None = Field(description="send as X-CSRF-Token on writes made with the session cookie")


def me_of(principal: Principal) -> Me:
    return Me(
        role=principal.role,
        display_name=principal.display_name,
        staff_user_id=principal.staff_user_id,
        device_id=principal.device_id,
        municipality_code=principal.municipality_code,
        site_id=principal.site_id,
        csrf_token=principal.csrf_token,
    )


@router.post("/login", response_model=Me, responses=SIGN_IN_ERRORS)
async def login(
    body: LoginIn,
    request: Request,
    response: Response,
    db: DbSession,
    settings: SettingsDep,
    clock: ClockDep,
) -> Me:
    """Sign in with username and password; sets the session cookie and returns the CSRF token."""
    user = await sign_in(request, db, settings, clock, body.username, body.password, "api")
    token, row = await service.open_session(db, user, settings.session_max_age_seconds, clock.now())
    set_session_cookie(response, token, settings.session_max_age_seconds, settings.cookie_secure)
    principal = service.staff_principal(user, Via.cookie, row.csrf_token)
    await record(db, principal, "auth.login", "staff_user", user.id, client_ip=_ip(request))
    return me_of(principal)


@router.post("/logout", status_code=204)
async def logout(request: Request, response: Response, db: DbSession, principal: CurrentPrincipal) -> None:
    """End this browser session (the cookie stops working at once, server-side)."""
    cookie = request.cookies.get(SESSION_COOKIE)
    closed = await service.close_session(db, cookie) if cookie else None
    response.delete_cookie(SESSION_COOKIE, path="/")
    await record(db, principal, "auth.logout", "staff_user", principal.staff_user_id, client_ip=_ip(request))
    await db.commit()  # before the sockets close: a reconnect must find the session gone
    close_session_sockets(request.app.state.hub, closed)


@router.get("/me", response_model=Me)
async def who_am_i(principal: CurrentPrincipal) -> Me:
    """The signed-in staff member or device."""
    return me_of(principal)


def _ip(request: Request) -> str | None:
    return request.client.host if request.client else None
