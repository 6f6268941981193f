"""The one assets route: every screen's static files, one caching policy, gzip for clients that accept it.

Each screen serves the files in its own ``app/ui/<screen>/static`` folder (listed when first asked, so nothing
outside those folders can be named); the browser modules every screen shares sit in ``app/ui/shared/static``.
The canonical address is ``/assets/<screen>/<name>``; the older per-screen prefixes (``/call/static``,
``/reports/assets``, ...) stay as aliases of the same handler because pages and tests use them.

One policy for plain addresses: ``no-cache`` with a strong ETag. The modules are native ES modules without a
build step, so their URLs carry no version; revalidating on every use (a 304 when unchanged) is what keeps a
browser from mixing old and new modules after a deploy. A page may instead name a file by its content hash
(``hashed_url``: ``/assets/report/plotly.min.<hash>.js``); that address can never change content, so it is
cached for a year as ``immutable`` and the browser does not even revalidate it (plotly.js is 4.8 MB). An
address with a stale hash (a page from before a deploy) gets today's file under the no-cache policy.
Large text files go out gzipped to clients that send
``Accept-Encoding: gzip``; the compressed copy is made once, on first use, and kept in memory.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from pathlib import Path

import anyio
from fastapi import APIRouter, Request, Response

from app.errors import NotFound
from app.i18n.languages import LANGUAGES
from app.ui.asset_files import (
    CACHE_CONTROL,
    CATALOGUE,
    HASH_CHARS,
    IMMUTABLE,
    Asset,
    hashed_url,
    plotly_css,
    plotly_js_path,
)

__all__ = ["CACHE_CONTROL", "CATALOGUE", "IMMUTABLE", "hashed_url", "plotly_css", "plotly_js_path", "router"]
_HASHED = re.compile(rf"^(?P<stem>.+)\.(?P<hash>[0-9a-f]{{{HASH_CHARS}}})(?P<suffix>\.[a-z]+)$")
ALIASES = {
    "/static": "home",
    "/call/static": "call",
    "/chat-assets": "chat",
    "/reservation-assets": "reservation",
    "/resident-assets": "resident",
    "/reports/assets": "report",
}


def accepts_gzip(header: str | None) -> bool:
    """Whether Accept-Encoding allows gzip: its own weight, else the weight of ``*``, is above zero."""
    weights: dict[str, float] = {}
    for part in (header or "").split(","):
        coding, _, params = part.strip().partition(";")
        q = params.strip().lower()
        try:
            weights[coding.strip().lower()] = float(q[2:]) if q.startswith("q=") else 1.0
        except ValueError:
            weights[coding.strip().lower()] = 0.0
    return weights.get("gzip", weights.get("*", 0.0)) > 0


def _matches(if_none_match: str | None, etag: str) -> bool:
    tags = [tag.strip().removeprefix("W/") for tag in (if_none_match or "").split(",")]
    return etag in tags or "*" in tags


def _find(screen: str, name: str) -> tuple[Asset | None, str]:
    """The asset a name stands for, and its caching policy (immutable only for the current content hash)."""
    files = CATALOGUE.get(screen, {})
    if name in files:
        return files[name], CACHE_CONTROL
    hashed = _HASHED.match(name)
    if hashed is None or (asset := files.get(hashed["stem"] + hashed["suffix"])) is None:
        return None, CACHE_CONTROL
    return asset, IMMUTABLE if asset.digest().startswith(hashed["hash"]) else CACHE_CONTROL


async def asset_response(request: Request, screen: str, name: str, given: Asset | None = None) -> Response:
    """The asset, gzipped when the client accepts it, or a 304 when its ETag still matches."""
    asset, cache_control = (given, CACHE_CONTROL) if given is not None else _find(screen, name)
    if asset is None:
        raise NotFound(f"no asset {name!r} for the {screen!r} screen")
    encoding = (
        "gzip" if asset.compressible() and accepts_gzip(request.headers.get("accept-encoding")) else None
    )
    headers = {"Cache-Control": cache_control, "ETag": asset.etag(encoding), "Vary": "Accept-Encoding"}
    if _matches(request.headers.get("if-none-match"), headers["ETag"]):
        return Response(status_code=304, headers=headers)
    if encoding is None:
        return Response(asset.body(), media_type=asset.media_type, headers=headers)
    body = await anyio.to_thread.run_sync(asset.gzipped)
    return Response(body, media_type=asset.media_type, headers={**headers, "Content-Encoding": "gzip"})


router = APIRouter(include_in_schema=False)


def fonts_css() -> str:
    """Each language's font stack, chosen by the page's <html lang> (a stylesheet, not a style attribute:
    the Content-Security-Policy allows no inline style)."""
    rules = [
        f"html:lang({language.bcp47}) body {{ font-family: {language.font_stack}; }}"
        for language in LANGUAGES.values()
    ]
    return "/* made from app/i18n/languages.py */\n" + "\n".join(rules) + "\n"


FONTS_CSS = Asset(Path("fonts.css"), "text/css", made=fonts_css().encode())


@router.api_route("/assets/fonts.css", methods=["GET", "HEAD"])
async def serve_fonts_css(request: Request) -> Response:
    """The resident pages' font stacks per language."""
    return await asset_response(request, "", "", FONTS_CSS)


@router.api_route("/favicon.ico", methods=["GET", "HEAD"])
async def serve_favicon(request: Request) -> Response:
    """Browsers ask for /favicon.ico on every page whatever the page links; answer with the app's icon (SVG)
    rather than a 404 in every console."""
    return await asset_response(request, "home", "favicon.svg")


@router.api_route("/assets/{screen}/{name}", methods=["GET", "HEAD"])
async def serve_asset(request: Request, screen: str, name: str) -> Response:
    """Any screen's asset at its canonical address."""
    return await asset_response(request, screen, name)


def _alias(screen: str) -> Callable[[Request, str], Awaitable[Response]]:
    async def serve_aliased_asset(request: Request, name: str) -> Response:
        return await asset_response(request, screen, name)

    return serve_aliased_asset


for _prefix, _screen in ALIASES.items():
    router.add_api_route(f"{_prefix}/{{name}}", _alias(_screen), methods=["GET", "HEAD"])
