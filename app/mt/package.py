"""Validate, install and list Argos Translate model packages (.argosmodel) without trusting their contents.

A package is a zip archive with exactly one top folder holding ``metadata.json`` (``from_code``, ``to_code``,
``package_version``, ``argos_version``...), a CTranslate2 ``model/`` folder and ``sentencepiece.model``. It is
installed into ``<models_dir>/<from_code>_<to_code>/`` (the top folder's content, renamed), atomically:
extracted into a hidden temporary folder beside the destination, then renamed into place.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import secrets
import shutil
import stat
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from app.mt.exceptions import InvalidModelPackage

# Codes become folder names: letters only, optionally with hyphenated subtags; never "_" (the pair separator).
LANG_CODE_RE = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")  # use with fullmatch

DEFAULT_MAX_TOTAL_BYTES = 2 * 1024**3
DEFAULT_MAX_ENTRIES = 10_000
DEFAULT_MAX_DEPTH = 16  # folders below the top folder; Argos packages use two or three
DEFAULT_MAX_RATIO = 200  # uncompressed/compressed per member; weights and vocabularies compress far less
DEFAULT_RESERVE_BYTES = 256 * 1024**2  # left free on the models disk after an install
RATIO_FLOOR_BYTES = 1024 * 1024  # members smaller than this may compress as well as they like
DEFAULT_MAX_PATH_CHARS = 1024
MAX_METADATA_BYTES = 1024 * 1024

METADATA_FILE = "metadata.json"
SENTENCEPIECE_FILE = "sentencepiece.model"
MODEL_DIR = "model"
MODEL_BIN = "model/model.bin"

_LOCK_FILE = ".install.lock"
_CHUNK = 1024 * 1024
_DRIVE_RE = re.compile(r"^[A-Za-z]:")


@dataclass(frozen=True, slots=True)
class Limits:
    """Zip-bomb guards applied before and during extraction."""

    max_total_bytes: int = DEFAULT_MAX_TOTAL_BYTES
    max_entries: int = DEFAULT_MAX_ENTRIES
    max_depth: int = DEFAULT_MAX_DEPTH
    max_ratio: int = DEFAULT_MAX_RATIO
    reserve_bytes: int = DEFAULT_RESERVE_BYTES
    max_path_chars: int = DEFAULT_MAX_PATH_CHARS


@dataclass(frozen=True, slots=True)
class PackageMetadata:
    """The fields of metadata.json that the desk uses."""

    from_code: str
    to_code: str
    package_version: str = ""
    argos_version: str = ""
    from_name: str = ""
    to_name: str = ""

    @property
    def pair(self) -> tuple[str, str]:
        return (self.from_code, self.to_code)


@dataclass(frozen=True, slots=True)
class InstalledPackage:
    """A package unpacked under the models directory."""

    metadata: PackageMetadata
    path: Path

    @property
    def pair(self) -> tuple[str, str]:
        return self.metadata.pair

    @property
    def model_dir(self) -> Path:
        return self.path / MODEL_DIR

    @property
    def sentencepiece_path(self) -> Path:
        return self.path / SENTENCEPIECE_FILE


@dataclass(frozen=True, slots=True)
class InstallResult:
    """What install_package did: the new install and the metadata of the one it replaced, if any."""

    package: InstalledPackage
    replaced: PackageMetadata | None


@dataclass(frozen=True, slots=True)
class _Plan:
    top: str
    dirs: tuple[PurePosixPath, ...]
    files: tuple[tuple[zipfile.ZipInfo, PurePosixPath], ...]
    metadata: PackageMetadata


def pair_dirname(from_code: str, to_code: str) -> str:
    """Folder name of an installed pair under the models directory."""
    return f"{from_code}_{to_code}"


def accepted_description(limits: Limits = Limits()) -> str:
    """What a valid package looks like, for error messages and help texts."""
    return (
        "a zip archive (.argosmodel) with exactly one top folder holding metadata.json (a JSON object with "
        "from_code and to_code, language codes like 'en' or 'zh-Hant'), a CTranslate2 model/ folder with "
        "model/model.bin, and sentencepiece.model; entries must be plain files or folders with relative "
        "'/'-separated paths (no '..', no absolute paths, no backslashes, no links), at most "
        f"{limits.max_entries} entries, {limits.max_depth} folder levels, a compression ratio of at most "
        f"{limits.max_ratio}:1 per member and {_human_bytes(limits.max_total_bytes)} uncompressed in total"
    )


def validate_package(file: Path, limits: Limits = Limits()) -> PackageMetadata:
    """Check a package without installing it and return its metadata; raise InvalidModelPackage if refused."""
    with _open_zip(file, limits) as zf:
        return _plan(zf, file, limits).metadata


def install_package(file: Path, models_dir: Path, limits: Limits = Limits()) -> InstallResult:
    """Validate a package and unpack it atomically into <models_dir>/<from>_<to>/, replacing that pair."""
    models_dir.mkdir(parents=True, exist_ok=True)
    with _open_zip(file, limits) as zf:
        plan = _plan(zf, file, limits)
        name = pair_dirname(*plan.metadata.pair)
        dest = models_dir / name
        with _install_lock(models_dir):
            _check_free_space(models_dir, plan, file, limits)
            staging = Path(tempfile.mkdtemp(prefix=f".{name}.new-", dir=models_dir))
            try:
                _extract(zf, plan, staging, file, limits)
                staging.chmod(0o755)
                previous = find_installed(models_dir, *plan.metadata.pair)
                _swap_into_place(staging, dest)
            except OSError as exc:  # disk full, a name the file system refuses...: nothing is half-installed
                remove_tree(staging)
                raise InvalidModelPackage(
                    str(file), f"it cannot be unpacked ({exc.strerror or exc})", accepted_description(limits)
                ) from None
            except BaseException:
                remove_tree(staging)
                raise
    return InstallResult(
        package=InstalledPackage(plan.metadata, dest),
        replaced=previous.metadata if previous is not None else None,
    )


def list_installed(models_dir: Path) -> list[InstalledPackage]:
    """Installed, loadable-looking packages sorted by pair; unreadable or half-made folders are skipped."""
    if not models_dir.is_dir():
        return []
    found = []
    for child in models_dir.iterdir():
        if child.name.startswith(".") or "_" not in child.name:
            continue
        from_code, _, to_code = child.name.partition("_")
        package = find_installed(models_dir, from_code, to_code)
        if package is not None:
            found.append(package)
    return sorted(found, key=lambda p: p.pair)


def find_installed(models_dir: Path, from_code: str, to_code: str) -> InstalledPackage | None:
    """The installed package for one pair, or None if it is absent or not a valid install."""
    if not (LANG_CODE_RE.fullmatch(from_code) and LANG_CODE_RE.fullmatch(to_code)):
        return None
    path = models_dir / pair_dirname(from_code, to_code)
    try:
        meta_path = path / METADATA_FILE
        if meta_path.stat().st_size > MAX_METADATA_BYTES:
            return None
        metadata = _parse_metadata(meta_path.read_bytes())
    except (OSError, ValueError):
        return None
    if metadata.pair != (from_code, to_code):
        return None
    if not ((path / MODEL_BIN).is_file() and (path / SENTENCEPIECE_FILE).is_file()):
        return None
    return InstalledPackage(metadata, path)


# --- validation -------------------------------------------------------------------------------------------


@contextlib.contextmanager
def _open_zip(file: Path, limits: Limits) -> Iterator[zipfile.ZipFile]:
    def refuse(problem: str) -> InvalidModelPackage:
        return InvalidModelPackage(str(file), problem, accepted_description(limits))

    if not file.is_file():
        raise refuse("no such file" if not file.exists() else "not a regular file")
    try:
        zf = zipfile.ZipFile(file)
    except zipfile.BadZipFile as exc:
        raise refuse(f"not a zip archive ({exc})") from None
    except OSError as exc:
        raise refuse(f"cannot be read ({exc.strerror or exc})") from None
    with zf:
        yield zf


def _plan(zf: zipfile.ZipFile, file: Path, limits: Limits) -> _Plan:
    def refuse(problem: str) -> InvalidModelPackage:
        return InvalidModelPackage(str(file), problem, accepted_description(limits))

    infos = zf.infolist()
    if not infos:
        raise refuse("the archive is empty")
    if len(infos) > limits.max_entries:
        raise refuse(f"it has {len(infos)} entries")
    total = sum(info.file_size for info in infos)
    if total > limits.max_total_bytes:
        raise refuse(f"it expands to {_human_bytes(total)}")
    for info in infos:
        _check_entry_shape(info, limits, refuse)

    seen: set[str] = set()
    entries: list[tuple[zipfile.ZipInfo, PurePosixPath, bool]] = []
    for info in infos:
        name = info.filename
        _check_entry_name(name, refuse)
        mode = info.external_attr >> 16
        kind = stat.S_IFMT(mode)
        if stat.S_ISLNK(mode):
            raise refuse(f"entry {name!r} is a symbolic link")
        if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
            raise refuse(f"entry {name!r} is a special file (device, pipe or socket)")
        if info.flag_bits & 0x1:
            raise refuse(f"entry {name!r} is encrypted")
        is_dir = info.is_dir()
        rel = PurePosixPath(name.rstrip("/"))
        if str(rel) in seen:
            raise refuse(f"entry {name!r} appears twice")
        seen.add(str(rel))
        entries.append((info, rel, is_dir))

    outside = [str(rel) for _, rel, is_dir in entries if len(rel.parts) == 1 and not is_dir]
    if outside:
        raise refuse(f"file {outside[0]!r} is outside the top folder")
    tops = sorted({rel.parts[0] for _, rel, _ in entries})
    if len(tops) > 1:
        raise refuse(f"it has {len(tops)} top folders ({', '.join(repr(t) for t in tops[:5])})")
    top = tops[0]

    files: list[tuple[zipfile.ZipInfo, PurePosixPath]] = []
    dirs: set[PurePosixPath] = set()
    for info, rel, is_dir in entries:
        inner = PurePosixPath(*rel.parts[1:]) if len(rel.parts) > 1 else PurePosixPath()
        if is_dir:
            if inner.parts:
                dirs.add(inner)
        else:
            files.append((info, inner))
    file_paths = {inner for _, inner in files}
    parents = {parent for inner in file_paths | dirs for parent in inner.parents if parent.parts}
    clash = file_paths & (parents | dirs)
    if clash:
        raise refuse(f"{top}/{sorted(clash)[0]} is both a file and a folder")

    for required, what in (
        (METADATA_FILE, "metadata.json"),
        (MODEL_BIN, "the CTranslate2 model (model/model.bin)"),
        (SENTENCEPIECE_FILE, "sentencepiece.model"),
    ):
        if PurePosixPath(required) not in file_paths:
            raise refuse(f"{what} is missing from the top folder {top!r}")

    meta_info = next(info for info, inner in files if inner == PurePosixPath(METADATA_FILE))
    if meta_info.file_size > MAX_METADATA_BYTES:
        raise refuse(f"metadata.json is larger than {_human_bytes(MAX_METADATA_BYTES)}")
    try:
        raw = zf.read(meta_info)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, OSError) as exc:
        raise refuse(f"metadata.json cannot be read ({exc})") from None
    try:
        metadata = _parse_metadata(raw)
    except ValueError as exc:
        raise refuse(f"bad metadata.json: {exc}") from None

    all_dirs = dirs | parents
    return _Plan(
        top=top,
        dirs=tuple(sorted(all_dirs, key=lambda p: len(p.parts))),
        files=tuple(files),
        metadata=metadata,
    )


def _check_entry_shape(
    info: zipfile.ZipInfo, limits: Limits, refuse: Callable[[str], InvalidModelPackage]
) -> None:
    """Bounded path length and nesting (a 2,000-level chain breaks recursive tools), and compression ratio."""
    name = info.filename
    depth = len(name.rstrip("/").split("/")) - 1
    if depth > limits.max_depth:
        raise refuse(f"entry {name[:60]!r}... is nested {depth} folders deep")
    if len(name) > limits.max_path_chars:
        raise refuse(f"entry {name[:60]!r}... has a path longer than {limits.max_path_chars} characters")
    packed = max(info.compress_size, 1)
    if info.file_size > RATIO_FLOOR_BYTES and info.file_size > limits.max_ratio * packed:
        raise refuse(f"entry {name!r} expands {info.file_size // packed}:1 (a zip bomb?)")


def _check_entry_name(name: str, refuse: Callable[[str], InvalidModelPackage]) -> None:
    if "\\" in name:
        raise refuse(f"entry {name!r} contains a backslash")
    if name.startswith("/") or _DRIVE_RE.match(name):
        raise refuse(f"entry {name!r} is an absolute path")
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in name):
        raise refuse(f"entry {name!r} contains control characters")
    parts = name.rstrip("/").split("/")
    if any(part == ".." for part in parts):
        raise refuse(f"entry {name!r} escapes the package folder with '..'")
    if any(part in ("", ".") for part in parts):
        raise refuse(f"entry {name!r} has an empty or '.' path component")


def _parse_metadata(raw: bytes) -> PackageMetadata:
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"not valid UTF-8 JSON ({exc})") from None
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    package_type = data.get("type", "translate")
    if package_type != "translate":
        raise ValueError(f"type is {package_type!r}, only 'translate' packages are supported")
    codes = {}
    for field in ("from_code", "to_code"):
        value = data.get(field)
        if value is None:
            raise ValueError(f"{field} is missing")
        if not isinstance(value, str) or not LANG_CODE_RE.fullmatch(value):
            raise ValueError(f"{field} {value!r} is not a language code")
        codes[field] = value
    if codes["from_code"] == codes["to_code"]:
        raise ValueError("from_code and to_code are the same")

    def text(field: str) -> str:
        value = data.get(field, "")
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise ValueError(f"{field} {value!r} is not a string")
        return str(value)

    return PackageMetadata(
        from_code=codes["from_code"],
        to_code=codes["to_code"],
        package_version=text("package_version"),
        argos_version=text("argos_version"),
        from_name=text("from_name"),
        to_name=text("to_name"),
    )


# --- extraction -------------------------------------------------------------------------------------------


def _extract(zf: zipfile.ZipFile, plan: _Plan, dest: Path, file: Path, limits: Limits) -> None:
    def refuse(problem: str) -> InvalidModelPackage:
        return InvalidModelPackage(str(file), problem, accepted_description(limits))

    for rel in plan.dirs:
        (dest / Path(*rel.parts)).mkdir(mode=0o755, exist_ok=True)
    total = 0
    for info, rel in plan.files:
        target = dest / Path(*rel.parts)
        written = 0
        try:
            # "xb": the staging folder is fresh and ours, so nothing may already exist (nor be followed).
            with zf.open(info) as src, open(target, "xb") as out:
                while chunk := src.read(_CHUNK):
                    written += len(chunk)
                    total += len(chunk)
                    if written > info.file_size or total > limits.max_total_bytes:
                        raise refuse(f"entry {info.filename!r} expands beyond its declared size")
                    out.write(chunk)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
            raise refuse(
                f"entry {info.filename!r} is corrupt or uses an unsupported compression ({exc})"
            ) from None
        target.chmod(0o644)


def _check_free_space(models_dir: Path, plan: _Plan, file: Path, limits: Limits) -> None:
    needed = sum(info.file_size for info, _ in plan.files)
    free = shutil.disk_usage(models_dir).free
    if needed + limits.reserve_bytes > free:
        raise InvalidModelPackage(
            str(file),
            f"not enough free space in {models_dir}: it needs {_human_bytes(needed)} and "
            f"{_human_bytes(limits.reserve_bytes)} must stay free, but {_human_bytes(free)} is free",
            accepted_description(limits),
        )


def remove_tree(path: Path) -> None:
    """Delete a folder however deep it is: shutil.rmtree recurses once per level (RecursionError past ~1,000)
    and full paths stop working past PATH_MAX, so this walks down and up with directory descriptors.

    Never follows links; best effort like rmtree's ignore_errors (stops at the first thing it cannot remove).
    """
    if path.is_symlink() or not path.is_dir():
        with contextlib.suppress(OSError):
            path.unlink()
        return
    flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
    names: list[str] = []  # the way down from path, one folder name per level
    try:
        fd = os.open(path, flags)
    except OSError:
        return
    try:
        while True:
            below = None
            with os.scandir(fd) as listing:
                entries = list(listing)
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    below = entry.name
                else:
                    os.unlink(entry.name, dir_fd=fd)
            if below is not None:
                child = os.open(below, flags, dir_fd=fd)
                os.close(fd)
                fd = child
                names.append(below)
                continue
            if not names:
                break
            parent = os.open("..", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = parent
            os.rmdir(names.pop(), dir_fd=fd)
    except OSError:
        return
    finally:
        os.close(fd)
    with contextlib.suppress(OSError):
        os.rmdir(path)


def _swap_into_place(staging: Path, dest: Path) -> None:
    if not (dest.exists() or dest.is_symlink()):
        os.rename(staging, dest)
        return
    old = dest.with_name(f".{dest.name}.old-{secrets.token_hex(4)}")
    os.rename(dest, old)
    try:
        os.rename(staging, dest)
    except BaseException:
        os.rename(old, dest)
        raise
    remove_tree(old)


@contextlib.contextmanager
def _install_lock(models_dir: Path) -> Iterator[None]:
    # Serialises installs across processes (the CLI and a running server may share the folder).
    with open(models_dir / _LOCK_FILE, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _human_bytes(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    value = size / 1024
    for unit in ("KiB", "MiB"):
        if value < 1024:
            return f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GiB"
