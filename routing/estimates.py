"""Wait estimates: recent handling times per language and a queue-depth based guess."""

from __future__ import annotations

import math

from routing.policy import EstimateRules


class HandlingTimes:
    """Exponentially weighted mean of call durations per language; the policy's default before any data."""

    __slots__ = ("_default_s", "_means", "_smoothing")

    def __init__(self, rules: EstimateRules) -> None:
        self._default_s = float(rules.default_handling_s)
        self._smoothing = rules.smoothing
        self._means: dict[str, float] = {}

    def record(self, language: str, duration_s: float) -> None:
        """Fold one finished call into the language's mean."""
        previous = self._means.get(language)
        if previous is None:
            self._means[language] = duration_s
        else:
            self._means[language] = previous + self._smoothing * (duration_s - previous)

    @property
    def means(self) -> dict[str, float]:
        """The learned means by language (a copy), for a checkpoint."""
        return dict(self._means)

    def load(self, means: dict[str, float]) -> None:
        """Take over means learned before a restart (a checkpoint's)."""
        self._means = dict(means)

    def mean_s(self, language: str) -> float:
        """The current mean handling time for a language, in seconds."""
        return self._means.get(language, self._default_s)


def estimate_wait_s(position: int, mean_handling_s: float, servers: int, server_free_now: bool) -> int | None:
    """Expected wait for the `position`-th in line: the people ahead share `servers` parallel desks.

    When nobody is free, the head also waits for a call in progress to end (one more handling time).
    None when no server is present at all: the wait is unbounded, the UI should say so.
    """
    if servers <= 0:
        return None
    ahead = max(position - 1, 0) + (0 if server_free_now else 1)
    return math.ceil(mean_handling_s * ahead / servers)
