"""Staff pages rendered on the server: sign-in form (CSRF double-submit) and the landing page."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.audit.service import record
from app.auth import service
from app.auth.principal import Via
from app.auth.revocation import close_session_sockets
from app.auth.roles import ROLE_JA
from app.auth.session_cookie import SESSION_COOKIE, set_session_cookie
from app.auth.views import sign_in
from app.config import Mode
from app.deps import ClockDep, DbSession, OptionalPrincipal, SettingsDep
from app.errors import ServiceUnavailable, TooManyRequests, Unauthenticated
from app.security.tokens import same
from app.ui.templating import templates

router = APIRouter(include_in_schema=False)

LOGIN_CSRF_COOKIE = "madoguchi_login_csrf"


def _login_page(
    request: Request, error: str | None = None, username: str = "", status: int = 200
) -> Response:
    token = secrets.token_urlsafe(24)
    response = templates.TemplateResponse(
        request, "login.html", {"csrf_token": token, "error": error, "username": username}, status_code=status
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", max_age=3600, path="/login"
    )
    return response


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request) -> Response:
    return _login_page(request)


@router.post("/login")
async def login_submit(
    request: Request,
    db: DbSession,
    settings: SettingsDep,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    csrf_token: Annotated[str, Form()],
    clock: ClockDep,
) -> Response:
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie or not same(cookie, csrf_token):
        return _login_page(
            request,
            "フォームの有効期限が切れました。もう一度お試しください。(The form expired; please try again.)",
            username,
            403,
        )
    try:
        user = await sign_in(request, db, settings, clock, username, password, "form")
    except Unauthenticated as exc:  # one message for every failure: it must not tell which accounts exist
        return _login_page(request, f"ユーザー名またはパスワードが違います。({exc.message})", username, 401)
    except TooManyRequests as exc:
        message = "サインインの失敗が多すぎます。しばらくしてからお試しください。"
        return _login_page(request, f"{message}({exc.message})", username, 429)
    except ServiceUnavailable as exc:
        message = "混み合っています。少ししてからお試しください。"
        return _login_page(request, f"{message}({exc.message})", username, 503)
    token, row = await service.open_session(db, user, settings.session_max_age_seconds, clock.now())
    signed_in = service.staff_principal(user, Via.cookie, row.csrf_token, row.id)
    await record(db, signed_in, "auth.login", "staff_user", user.id, {"via": "form"}, _ip(request))
    response = RedirectResponse("/", status_code=303)
    set_session_cookie(response, token, settings.session_max_age_seconds, settings.cookie_secure)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
async def logout_submit(
    request: Request,
    db: DbSession,
    clock: ClockDep,
    settings: SettingsDep,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    cookie = request.cookies.get(SESSION_COOKIE)
    demo = settings.mode is Mode.demo
    principal = (
        await service.principal_from_session_cookie(db, cookie, clock.now(), demo_allowed=demo)
        if cookie
        else None
    )
    if principal is None or not principal.csrf_token or not same(principal.csrf_token, csrf_token):
        return Response("サインアウトできませんでした (sign-out refused: bad form token)", status_code=403)
    closed = await service.close_session(db, cookie) if cookie else None
    await record(db, principal, "auth.logout", "staff_user", principal.staff_user_id, client_ip=_ip(request))
    await db.commit()  # before the sockets close: a reconnect must find the session gone
    close_session_sockets(request.app.state.hub, closed)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/", response_class=HTMLResponse)
async def home(request: Request, principal: OptionalPrincipal) -> Response:
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    return templates.TemplateResponse(
        request,
        "home.html",
        {
            "display_name": principal.display_name,
            "role": principal.role,
            "role_ja": ROLE_JA.get(principal.role, principal.role),
            "csrf_token": principal.csrf_token or "",
        },
    )


def _ip(request: Request) -> str | None:
    return request.client.host if request.client else None
