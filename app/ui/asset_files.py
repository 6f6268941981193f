"""What the assets route may serve: every screen's static files, plotly.js and the API docs' bundles, each
read once while unchanged, with its gzip and content digest (`app.ui.assets` has the caching policy).

Pages import `hashed_url` from here (the route module itself is only for app.main) to name a file by its
content, so that address can be cached for a year.
"""

from __future__ import annotations

import gzip
import hashlib
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from app.ui.templating import SCREENS, UI

CACHE_CONTROL = "no-cache"
IMMUTABLE = "public, max-age=31536000, immutable"
HASH_CHARS = 12
GZIP_MIN_BYTES = 1024
MEDIA_TYPES = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}
SHARED = "shared"


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


def hashed_url(screen: str, name: str) -> str:
    """The address of a file that names its content: ``/assets/<screen>/<stem>.<hash><suffix>``."""
    asset = CATALOGUE[screen][name]
    stem, dot, suffix = name.rpartition(".")
    return f"/assets/{screen}/{stem}.{asset.digest()[:HASH_CHARS]}{dot}{suffix}"
