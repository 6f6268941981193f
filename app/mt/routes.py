"""Pure route finding over installed pairs: direct, or through one pivot language (English by default)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

DEFAULT_PIVOT = "en"
# Desk language codes that Argos packages spell differently (Filipino is published as Tagalog).
DEFAULT_CODE_ALIASES: Mapping[str, str] = {"fil": "tl"}

Pair = tuple[str, str]
Route = tuple[str, ...]


def find_route(
    pairs: Collection[Pair], source: str, target: str, pivot: str | None = DEFAULT_PIVOT
) -> Route | None:
    """The languages a text goes through from source to target: direct, else via the pivot, else None."""
    if source == target:
        return (source,)
    if (source, target) in pairs:
        return (source, target)
    if pivot and pivot not in (source, target) and (source, pivot) in pairs and (pivot, target) in pairs:
        return (source, pivot, target)
    return None


@dataclass(frozen=True, slots=True)
class Reachability:
    """How a language reaches the hub language (Japanese) and back; a None route means not reachable."""

    lang: str
    hub: str
    to_hub: Route | None
    from_hub: Route | None

    @property
    def both_ways(self) -> bool:
        return self.to_hub is not None and self.from_hub is not None


def reachability(
    pairs: Collection[Pair],
    lang: str,
    hub: str = "ja",
    pivot: str | None = DEFAULT_PIVOT,
    aliases: Mapping[str, str] = DEFAULT_CODE_ALIASES,
) -> Reachability:
    """Whether lang can be machine-translated to and from the hub language, and by which route."""
    code = aliases.get(lang, lang)
    hub_code = aliases.get(hub, hub)
    to_hub = find_route(pairs, code, hub_code, pivot)
    from_hub = find_route(pairs, hub_code, code, pivot)
    return Reachability(
        lang=lang,
        hub=hub,
        to_hub=_rename(to_hub, {code: lang, hub_code: hub}),
        from_hub=_rename(from_hub, {code: lang, hub_code: hub}),
    )


def _rename(route: Route | None, names: Mapping[str, str]) -> Route | None:
    if route is None:
        return None
    return tuple(names.get(code, code) for code in route)
