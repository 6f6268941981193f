"""Plain functions behind `madoguchi mt install FILE.argosmodel` and `madoguchi mt list`; they return text."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from app.mt.index import Progress, fetch_and_install
from app.mt.package import Limits, install_package, list_installed
from app.mt.routes import DEFAULT_PIVOT, Route, reachability

HUB = "ja"


def install_command(file: Path, models_dir: Path, limits: Limits = Limits()) -> str:
    """Install a package file; return a one-line report. Raises InvalidModelPackage for a refused file."""
    result = install_package(file, models_dir, limits)
    meta = result.package.metadata
    line = (
        f"installed {meta.from_code} -> {meta.to_code} ({_names(meta.from_name, meta.to_name)}package "
        f"{meta.package_version or '?'}, Argos {meta.argos_version or '?'}) into {result.package.path}"
    )
    if result.replaced is not None:
        line += f"; replaced package {result.replaced.package_version or '?'}"
    return line


def fetch_command(
    pair: tuple[str, str], models_dir: Path, index_url: str, progress: Progress, limits: Limits = Limits()
) -> str:
    """Fetch the newest package of `pair` from the index and install it; return a one-line report."""
    fetched = fetch_and_install(pair, models_dir, index_url, limits=limits, progress=progress)
    meta = fetched.result.package.metadata
    check = (
        "SHA-256 checked"
        if fetched.verified
        else "the index gives no SHA-256: size and contents checked only"
    )
    line = (
        f"installed {meta.from_code} -> {meta.to_code} (package {meta.package_version or '?'}) from "
        f"{fetched.entry.url} into {fetched.result.package.path}; {check}"
    )
    if fetched.result.replaced is not None:
        line += f"; replaced package {fetched.result.replaced.package_version or '?'}"
    return line


def list_command(models_dir: Path, desk_languages: Sequence[str], pivot: str | None = DEFAULT_PIVOT) -> str:
    """Report installed pairs and, for each desk language, whether and how it reaches Japanese and back."""
    installed = list_installed(models_dir)
    lines = []
    if installed:
        lines.append(f"Installed model pairs ({models_dir}):")
        width = max(len(f"{p.pair[0]} -> {p.pair[1]}") for p in installed)
        for package in installed:
            meta = package.metadata
            pair = f"{meta.from_code} -> {meta.to_code}".ljust(width)
            names = _names(meta.from_name, meta.to_name)
            lines.append(
                f"  {pair}  {names}package {meta.package_version or '?'}, Argos {meta.argos_version or '?'}"
            )
    else:
        lines.append(
            f"No model pairs installed in {models_dir} "
            "(install one with: madoguchi mt install FILE.argosmodel)"
        )

    pairs = {package.pair for package in installed}
    lines.append(f"Desk languages, machine translation to and from Japanese (pivot: {pivot or 'none'}):")
    width = max((len(lang) for lang in desk_languages), default=2)
    for lang in desk_languages:
        label = lang.ljust(width)
        if lang == HUB:
            lines.append(f"  {label}  Japanese itself: no translation needed")
            continue
        reach = reachability(pairs, lang, HUB, pivot)
        to_hub = _describe(reach.to_hub)
        from_hub = _describe(reach.from_hub)
        status = "ok" if reach.both_ways else "MISSING"
        lines.append(f"  {label}  {status:7}  to ja: {to_hub}; from ja: {from_hub}")
    return "\n".join(lines)


def _describe(route: Route | None) -> str:
    if route is None:
        return "not available"
    kind = "direct" if len(route) == 2 else f"via {route[1]}"
    return f"{' -> '.join(route)} ({kind})"


def _names(from_name: str, to_name: str) -> str:
    return f"{from_name} -> {to_name}, " if from_name and to_name else ""
