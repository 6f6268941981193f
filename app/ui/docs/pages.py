"""The API documentation (Swagger UI at /docs, ReDoc at /redoc), served from this service's own files.

FastAPI's built-in pages load their scripts from a CDN (a floating version, no integrity hash) and start
Swagger UI with an inline script; these pages use the files shipped in the locked fastapi-offline wheel
(served by `app/ui/assets.py`) and a script file of our own, so the Content-Security-Policy stays strict for
scripts. Both viewers set styles from script, so these two pages allow inline styles, nothing more.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from app.security.headers import content_security_policy
from app.ui.templating import templates

router = APIRouter(include_in_schema=False)

_DOCS_HEADERS = {"Content-Security-Policy": content_security_policy(style_src="'self' 'unsafe-inline'")}


@router.get("/docs", response_class=HTMLResponse)
async def swagger_ui(request: Request) -> Response:
    """Swagger UI on /openapi.json."""
    return templates.TemplateResponse(request, "swagger_ui.html", {}, headers=_DOCS_HEADERS)


@router.get("/redoc", response_class=HTMLResponse)
async def redoc(request: Request) -> Response:
    """ReDoc on /openapi.json."""
    return templates.TemplateResponse(request, "redoc.html", {}, headers=_DOCS_HEADERS)
