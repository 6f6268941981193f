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

import gzip
import hashlib
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import anyio
from fastapi import APIRouter, Request, Response

from app.errors import NotFound
from app.i18n.languages import LANGUAGES
from app.ui.templating import SCREENS, UI

CACHE_CONTROL = "no-cache"
IMMUTABLE = "public, max-age=31536000, immutable"
HASH_CHARS = 12
_HASHED = re.compile(rf"^(?P<stem>.+)\.(?P<hash>[0-9a-f]{{{HASH_CHARS}}})(?P<suffix>\.[a-z]+)$")
GZIP_MIN_BYTES = 1024
MEDIA_TYPES = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}
SHARED = "shared"
ALIASES = {
    "/static": "home",
    "/call/static": "call",
    "/chat-assets": "chat",
    "/reservation-assets": "reservation",
    "/resident-assets": "resident",
    "/reports/assets": "report",
}


def swagger_ui_dir() -> Path:
    """Swagger UI and ReDoc as shipped inside the fastapi-offline wheel (locked; nothing committed)."""
    return Path(str(resources.files("fastapi_offline") / "static"))


def plotly_js_path() -> Path:
    """plotly.min.js as shipped inside the installed plotly wheel (nothing from a CDN, nothing committed)."""
    return Path(str(resources.files("plotly") / "package_data" / "plotly.min.js"))


_PLOTLY_RULES = re.compile(r'\{"X,X div":.*?\}', re.S)
_PLOTLY_RULE = re.compile(r'"((?:[^"\\]|\\.)*)":(?:\'((?:[^\'\\]|\\.)*)\'|"((?:[^"\\]|\\.)*)")')


def plotly_css(script: str) -> str:
    """The stylesheet plotly.js would inject as an inline <style> (refused by the Content-Security-Policy),
    made from the rules inside the locked plotly.min.js as plotly.js expands them (X, Y, a leading comma)."""
    found = _PLOTLY_RULES.search(script)
    if found is None:
        raise RuntimeError("plotly.min.js has no style rules where expected; check the plotly version")
    rules: list[str] = []
    for key, single, double in _PLOTLY_RULE.findall(found.group(0)):
        selector = (" ," + key[1:] if key.startswith(",") else key).replace("X", ".js-plotly-plot .plotly")
        selector = selector.replace("Y", ".plotly-notifier")
        rules.insert(0, f"{selector}{{{single or double}}}")  # plotly.js inserts each rule first
    return "/* made from the rules inside plotly.min.js (see app/ui/assets.py) */\n" + "\n".join(rules) + "\n"


@dataclass
class Asset:
    """One file as served: its bytes, their gzip and an ETag per encoding, read once while unchanged."""

    path: Path
    media_type: str
    _stamp: tuple[int, int] | None = field(default=None, repr=False)
    _body: bytes = field(default=b"", repr=False)
    _gzipped: bytes | None = field(default=None, repr=False)
    _digest: str | None = field(default=None, repr=False)
    made: bytes | None = None  # an asset made at start, with no file behind it

    def body(self) -> bytes:
        if self.made is not None:
            return self.made
        stat = self.path.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
        if stamp != self._stamp:
            self._body, self._gzipped, self._digest = self.path.read_bytes(), None, None
            self._stamp = stamp
        return self._body

    def digest(self) -> str:
        """The SHA-256 of the content, computed once per content (not per request: plotly.js is 4.8 MB)."""
        body = self.body()
        if self._digest is None:
            self._digest = hashlib.sha256(body).hexdigest()
        return self._digest

    def compressible(self) -> bool:
        return len(self.body()) >= GZIP_MIN_BYTES and not self.media_type.startswith("image/")

    def gzipped(self) -> bytes:
        body = self.body()
        if self._gzipped is None:
            self._gzipped = gzip.compress(body, compresslevel=6, mtime=0)
        return self._gzipped

    def etag(self, encoding: str | None) -> str:
        digest = self.digest()[:32]
        return f'"{digest}-{encoding}"' if encoding else f'"{digest}"'


def _files(folder: Path) -> dict[str, Asset]:
    if not folder.is_dir():
        return {}
    return {
        path.name: Asset(path, MEDIA_TYPES[path.suffix])
        for path in sorted(folder.iterdir())
        if path.is_file() and path.suffix in MEDIA_TYPES
    }


def catalogue() -> dict[str, dict[str, Asset]]:
    """Screen -> file name -> asset; the fixed list of everything the assets route may serve."""
    found = {screen: _files(UI / screen / "static") for screen in (*SCREENS, SHARED)}
    found["report"]["plotly.min.js"] = Asset(plotly_js_path(), "text/javascript")
    styles = plotly_css(plotly_js_path().read_text(encoding="utf-8")).encode()
    found["report"]["plotly.css"] = Asset(Path("plotly.css"), "text/css", made=styles)
    for name in ("swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js"):
        found["docs"][name] = Asset(swagger_ui_dir() / name, MEDIA_TYPES[Path(name).suffix])
    # The tablet and resident pages loaded the catalogue renderer from here before it was shared.
    found["call"]["i18n.js"] = found[SHARED]["i18n.js"]
    return found


CATALOGUE = catalogue()


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


def hashed_url(screen: str, name: str) -> str:
    """The address of a file that names its content: ``/assets/<screen>/<stem>.<hash><suffix>``."""
    asset = CATALOGUE[screen][name]
    stem, dot, suffix = name.rpartition(".")
    return f"/assets/{screen}/{stem}.{asset.digest()[:HASH_CHARS]}{dot}{suffix}"


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
