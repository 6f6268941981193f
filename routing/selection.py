"""Who gets the call: the idle-interpreter index and the counselor choice.

Idle interpreters are kept per language in buckets of identical capability (vendor, gender, safety clearance),
each sorted longest idle first. A request's constraints select a few buckets; the first eligible entry of each
(skipping only the request's own exclusions and cooldowns) is a candidate and the longest idle candidate wins.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterable
from datetime import datetime

from routing.events import SafetyFlag
from routing.state import CounselorRecord, IdleKey, InterpreterRecord, RequestRecord

CapabilityKey = tuple[str, str | None, frozenset[SafetyFlag]]  # (vendor, gender, safety clearance)


def capability_of(interpreter: InterpreterRecord) -> CapabilityKey:
    """The bucket an idle interpreter sits in (within each of their languages)."""
    return (interpreter.vendor, interpreter.gender, interpreter.safety_cleared)


class IdlePool:
    """Idle interpreters indexed by language, vendor and capability, longest idle first."""

    __slots__ = ("_by_language",)

    def __init__(self) -> None:
        # language -> vendor -> (gender, safety clearance) -> idle keys, sorted; empty levels are deleted.
        self._by_language: dict[
            str, dict[str, dict[tuple[str | None, frozenset[SafetyFlag]], list[IdleKey]]]
        ] = {}

    def add(self, languages: frozenset[str], capability: CapabilityKey, key: IdleKey) -> None:
        """Put an idle interpreter into every language they cover."""
        vendor, gender, cleared = capability
        for language in languages:
            buckets = self._by_language.setdefault(language, {}).setdefault(vendor, {})
            keys = buckets.get((gender, cleared))
            if keys is None:
                buckets[(gender, cleared)] = [key]
            else:
                insort(keys, key)

    def remove(self, languages: frozenset[str], capability: CapabilityKey, key: IdleKey) -> None:
        """Take an interpreter out (offered, in a call, away, offline, or re-keyed)."""
        vendor, gender, cleared = capability
        for language in languages:
            by_vendor = self._by_language[language]
            buckets = by_vendor[vendor]
            keys = buckets[(gender, cleared)]
            index = bisect_left(keys, key)
            if index == len(keys) or keys[index] != key:
                raise KeyError(key)
            del keys[index]
            if not keys:
                del buckets[(gender, cleared)]
                if not buckets:
                    del by_vendor[vendor]
                    if not by_vendor:
                        del self._by_language[language]

    def matching(
        self,
        language: str,
        gender: str | None,
        flags: frozenset[SafetyFlag],
        open_vendors: Iterable[str],
    ) -> list[list[IdleKey]]:
        """Non-empty buckets of open vendors whose interpreters meet a request's bucket-level constraints."""
        by_vendor = self._by_language.get(language)
        if by_vendor is None:
            return []
        pools = []
        for vendor in open_vendors:
            buckets = by_vendor.get(vendor)
            if buckets is None:
                continue
            for (have_gender, cleared), keys in buckets.items():
                if (gender is None or have_gender == gender) and flags <= cleared:
                    pools.append(keys)
        return pools

    def has_idle(self, language: str, open_vendors: Iterable[str]) -> bool:
        """Is anybody idle for this language in an open vendor (ignoring request constraints)?"""
        by_vendor = self._by_language.get(language)
        return by_vendor is not None and any(vendor in by_vendor for vendor in open_vendors)


def first_eligible(pools: list[list[IdleKey]], request: RequestRecord, now: datetime) -> str | None:
    """Longest-idle interpreter across `pools` that the request does not exclude or hold in cooldown."""
    excluded = request.excluded
    cooldown = request.cooldown
    best: IdleKey | None = None
    for keys in pools:
        for key in keys:
            if best is not None and key >= best:
                break
            interpreter_id = key[1]
            if interpreter_id in excluded:
                continue
            until = cooldown.get(interpreter_id)
            if until is not None and until > now:
                continue
            best = key
            break
    return None if best is None else best[1]


def counselor_order(counselor: CounselorRecord) -> tuple[int, datetime, str]:
    """Prefer the counselor with the fewest extra languages (keeps linguists free), then longest idle."""
    return (len(counselor.languages), counselor.idle_since, counselor.counselor_id)


def choose_counselor(
    free: Iterable[CounselorRecord], language: str | None, staff_language: str
) -> CounselorRecord | None:
    """The free counselor to assign: one who speaks `language` (None: anyone, the interpreter bridges)."""
    best: CounselorRecord | None = None
    best_key: tuple[int, datetime, str] | None = None
    for counselor in free:
        if language is not None and language != staff_language and language not in counselor.languages:
            continue
        key = counselor_order(counselor)
        if best_key is None or key < best_key:
            best, best_key = counselor, key
    return best
