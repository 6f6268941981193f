"""Fetching a model package from an Argos Translate package index (the `argospm` index.json format): pick the
newest package of a pair, download it over HTTPS with a size cap and progress, check its SHA-256 and size when
the index gives them, then hand the file to the same validation and installation as a file from disk.

Only `madoguchi mt install` (and the admin) call this; the running desk never downloads anything.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from app.mt.exceptions import MTError
from app.mt.package import LANG_CODE_RE, InstallResult, Limits, install_package, validate_package

DEFAULT_INDEX_URL = "https://raw.githubusercontent.com/argosopentech/argospm-index/main/index.json"
MAX_INDEX_BYTES = 8 * 1024 * 1024
PAIR_RE = re.compile(r"(?P<src>[a-z]{2,3})[-_](?P<dst>[a-z]{2,3})")
_CHUNK = 256 * 1024
_TIMEOUT = httpx.Timeout(30.0, connect=10.0)

Progress = Callable[[int, int | None], None]
"""Called with (bytes so far, expected total or None) while downloading."""


class FetchFailed(MTError):
    """The index cannot be read, has no such pair, or the download failed its checks (nothing installed)."""


@dataclass(frozen=True)
class IndexEntry:
    from_code: str
    to_code: str
    package_version: str
    url: str
    sha256: str | None
    size: int | None


def parse_pair(text: str) -> tuple[str, str] | None:
    """ "en-ja" or "en_ja" to ("en", "ja"); None when it is not a pair (then it is a file path)."""
    match = PAIR_RE.fullmatch(text.strip().lower())
    return (match["src"], match["dst"]) if match else None


def _check_url(url: str) -> None:
    """HTTPS only; plain HTTP only to this machine (a test's or mirror's loopback server)."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname:
        host = parts.hostname
        if host == "localhost" or _is_loopback(host):
            return
    raise FetchFailed(f"refusing {url!r}: packages are fetched over HTTPS (plain HTTP only from loopback)")


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version)) or (0,)


def read_index(client: httpx.Client, index_url: str) -> list[IndexEntry]:
    """The translation packages listed by the index (entries without a usable link are skipped)."""
    _check_url(index_url)
    try:
        response = client.get(index_url)
        response.raise_for_status()
    except httpx.HTTPError as exc:
        raise FetchFailed(f"cannot read the package index {index_url}: {exc}") from None
    if len(response.content) > MAX_INDEX_BYTES:
        raise FetchFailed(f"the package index {index_url} is larger than {MAX_INDEX_BYTES} bytes")
    try:
        raw = json.loads(response.content)
    except ValueError:
        raise FetchFailed(f"the package index {index_url} is not JSON") from None
    if not isinstance(raw, list):
        raise FetchFailed(f"the package index {index_url} is not a list of packages")
    entries = []
    for item in raw:
        if not isinstance(item, dict) or item.get("type", "translate") != "translate":
            continue
        links = item.get("links")
        src, dst = item.get("from_code"), item.get("to_code")
        if not (isinstance(links, list) and links and isinstance(links[0], str)):
            continue
        if not (isinstance(src, str) and isinstance(dst, str)):
            continue
        if not (LANG_CODE_RE.fullmatch(src) and LANG_CODE_RE.fullmatch(dst)):
            continue
        checksum = item.get("sha256") or item.get("checksum")
        size = item.get("size")
        entries.append(
            IndexEntry(
                from_code=src,
                to_code=dst,
                package_version=str(item.get("package_version", "")),
                url=links[0],
                sha256=checksum.lower() if isinstance(checksum, str) else None,
                size=size if isinstance(size, int) and not isinstance(size, bool) and size > 0 else None,
            )
        )
    return entries


def choose(entries: list[IndexEntry], pair: tuple[str, str]) -> IndexEntry:
    """The newest package of the pair."""
    matching = [e for e in entries if (e.from_code, e.to_code) == pair]
    if not matching:
        raise FetchFailed(f"the package index has no {pair[0]} -> {pair[1]} package")
    return max(matching, key=lambda e: _version_key(e.package_version))


def download(client: httpx.Client, entry: IndexEntry, dest: Path, limits: Limits, progress: Progress) -> Path:
    """Stream the package to `dest`, never more than the index's size (or the install limit); then check the
    size and SHA-256 the index gives."""
    _check_url(entry.url)
    cap = min(entry.size, limits.max_total_bytes) if entry.size is not None else limits.max_total_bytes
    digest = hashlib.sha256()
    received = 0
    try:
        with client.stream("GET", entry.url) as response, dest.open("wb") as out:
            response.raise_for_status()
            declared = response.headers.get("content-length")
            expected = entry.size or (int(declared) if declared and declared.isdigit() else None)
            if expected is not None and expected > cap:
                raise FetchFailed(f"the package is {expected} bytes, more than the {cap} allowed")
            progress(0, expected)
            for chunk in response.iter_bytes(_CHUNK):
                received += len(chunk)
                if received > cap:
                    raise FetchFailed(f"the download passed {cap} bytes: stopped")
                digest.update(chunk)
                out.write(chunk)
                progress(received, expected)
    except httpx.HTTPError as exc:
        raise FetchFailed(f"cannot download {entry.url}: {exc}") from None
    if entry.size is not None and received != entry.size:
        raise FetchFailed(f"the download has {received} bytes; the index says {entry.size}")
    if entry.sha256 is not None and digest.hexdigest() != entry.sha256:
        raise FetchFailed(f"the download's SHA-256 {digest.hexdigest()} is not the index's {entry.sha256}")
    return dest


@dataclass(frozen=True)
class Fetched:
    entry: IndexEntry
    result: InstallResult
    verified: bool  # the index gave a checksum and it matched


def fetch_and_install(
    pair: tuple[str, str],
    models_dir: Path,
    index_url: str = DEFAULT_INDEX_URL,
    *,
    limits: Limits = Limits(),
    progress: Progress = lambda _done, _total: None,
    transport: httpx.BaseTransport | None = None,
) -> Fetched:
    """Index, newest package of the pair, download with checks, then the usual validation and installation."""
    hooks = {"request": [lambda request: _check_url(str(request.url))]}  # redirects too: never to plain HTTP
    with httpx.Client(
        timeout=_TIMEOUT, follow_redirects=True, transport=transport, event_hooks=hooks
    ) as client:
        entry = choose(read_index(client, index_url), pair)
        with tempfile.TemporaryDirectory(prefix="madoguchi-mt-") as scratch:
            file = download(client, entry, Path(scratch) / "package.argosmodel", limits, progress)
            found = validate_package(file, limits).pair
            if found != pair:
                raise FetchFailed(f"the index's {pair[0]}-{pair[1]} package holds {found[0]}-{found[1]}")
            result = install_package(file, models_dir, limits)
    return Fetched(entry, result, entry.sha256 is not None)
