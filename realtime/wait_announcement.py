"""When to tell a caller on hold their estimated wait again: a pure rule, so it is easy to test and to tune.

A caller hears the estimate once when it is first known; after that only when it has changed enough to
matter (by at least ``min_change_minutes``, or by ``min_change_ratio`` of the last announced figure) and not
more often than once per ``min_interval_s``, so the hold music is not buried under announcements of
"4 minutes", "3 minutes", "4 minutes". Estimates are compared in the whole minutes a prompt would say.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

__all__ = ["AnnouncePolicy", "Announced", "should_announce", "spoken_minutes"]


@dataclass(frozen=True, slots=True)
class AnnouncePolicy:
    """Thresholds of the rule; the defaults suit a desk whose waits are a few minutes to half an hour."""

    min_change_minutes: int = 3
    min_change_ratio: float = 0.5
    min_interval_s: float = 60.0

    def __post_init__(self) -> None:
        if self.min_change_minutes < 1:
            raise ValueError("min_change_minutes must be at least 1")
        if self.min_change_ratio <= 0:
            raise ValueError("min_change_ratio must be positive")
        if self.min_interval_s < 0:
            raise ValueError("min_interval_s must not be negative")


@dataclass(frozen=True, slots=True)
class Announced:
    """The estimate last said to the caller, and when."""

    wait_s: int
    at: datetime


def spoken_minutes(wait_s: int) -> int:
    """The whole minutes a prompt says: rounded up, at least 1 (a caller is never told "0 minutes")."""
    if wait_s < 0:
        raise ValueError("wait_s must not be negative")
    return max(1, math.ceil(wait_s / 60))


def should_announce(
    last: Announced | None, estimate_s: int | None, now: datetime, policy: AnnouncePolicy | None = None
) -> bool:
    """True if the caller should now hear ``estimate_s`` (None: routing has no estimate, say nothing)."""
    policy = policy or AnnouncePolicy()
    if estimate_s is None:
        return False
    if last is None:
        return True
    if (now - last.at).total_seconds() < policy.min_interval_s:
        return False
    before, after = spoken_minutes(last.wait_s), spoken_minutes(estimate_s)
    change = abs(after - before)
    if change == 0:
        return False
    return change >= policy.min_change_minutes or change >= policy.min_change_ratio * before
