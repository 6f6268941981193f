"""Security headers on every HTTP answer: what the browser may load and run, who may frame the page, how much
of the address a link gives away.

The policy is strict because the screens allow it: every script and stylesheet is a file of this service (no
inline script, no inline style, no CDN), sockets and API calls go to this origin, and no page may be framed. A
route may send its own Content-Security-Policy (the API documentation does); the middleware fills in only the
headers an answer does not already carry. Strict-Transport-Security is sent only when the service is served
over HTTPS (`cookie_secure`), because on plain HTTP it would only be ignored or, behind a misconfigured proxy,
lock browsers out.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["CONTENT_SECURITY_POLICY", "SecurityHeaders", "content_security_policy"]


def content_security_policy(style_src: str = "'self'") -> str:
    """The service's policy; `style_src` relaxes styles only (for third-party documentation pages)."""
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            f"style-src {style_src}",
            "img-src 'self' data: blob:",
            "media-src 'self' blob:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "worker-src 'self' blob:",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


CONTENT_SECURITY_POLICY = content_security_policy()


class SecurityHeaders:
    """Pure ASGI middleware (websockets pass through untouched; streamed bodies are not buffered)."""

    def __init__(self, app: ASGIApp, *, hsts_max_age: int | None) -> None:
        self.app = app
        self.defaults: list[tuple[str, str]] = [
            ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
            ("X-Frame-Options", "DENY"),
            ("X-Content-Type-Options", "nosniff"),
            ("Referrer-Policy", "no-referrer"),
            ("Cross-Origin-Opener-Policy", "same-origin"),
        ]
        if hsts_max_age:
            self.defaults.append(("Strict-Transport-Security", f"max-age={hsts_max_age}; includeSubDomains"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.defaults:
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
