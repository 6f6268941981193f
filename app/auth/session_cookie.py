"""The browser's session cookie: its name and how it is set (sign-in API, pages and websockets)."""

from __future__ import annotations

from starlette.responses import Response

SESSION_COOKIE = "madoguchi_session"


def set_session_cookie(response: Response, token: str, max_age: int, secure: bool) -> None:
    """HttpOnly and SameSite=Strict: scripts cannot read it and other sites cannot send it."""
    response.set_cookie(
        SESSION_COOKIE, token, max_age=max_age, httponly=True, samesite="strict", secure=secure, path="/"
    )
