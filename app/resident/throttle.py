"""A sliding-window limit per key (e.g. per client address), so a public form cannot be flooded."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from starlette.requests import HTTPConnection

from app.config import Settings


@dataclass
class SlidingWindow:
    """At most `limit` hits per `window_s` seconds per key; the caller passes the time (pure, testable)."""

    limit: int
    window_s: float
    _hits: dict[str, deque[float]] = field(default_factory=dict)

    def hit(self, key: str, now: float) -> float | None:
        """Record a hit; returns None when allowed, else the seconds until the key may try again."""
        hits = self._hits.setdefault(key, deque())
        while hits and now - hits[0] >= self.window_s:
            hits.popleft()
        if len(hits) >= self.limit:
            return self.window_s - (now - hits[0])
        hits.append(now)
        self._forget_quiet(now)
        return None

    def wait(self, key: str, now: float) -> float | None:
        """Like `hit` without recording one: None when the key may try now, else the seconds to wait."""
        hits = self._hits.get(key)
        while hits and now - hits[0] >= self.window_s:
            hits.popleft()
        if hits is not None and len(hits) >= self.limit:
            return self.window_s - (now - hits[0])
        return None

    def _forget_quiet(self, now: float) -> None:
        if len(self._hits) > 10_000:  # forget quiet keys so memory stays bounded
            for stale in [k for k, v in self._hits.items() if not v or now - v[-1] >= self.window_s]:
                del self._hits[stale]


@dataclass(frozen=True)
class Throttles:
    """The public forms' per-address limits. Made in the lifespan and kept on `app.state`, so two apps in one
    process (tests) never share counters."""

    resident_intake: SlidingWindow
    reservation: SlidingWindow
    sign_in_failures: SlidingWindow  # failed staff sign-ins per address, checked before any hashing

    @classmethod
    def for_settings(cls, settings: Settings) -> Throttles:
        limit, window = settings.resident_intake_limit, settings.resident_intake_window_seconds
        return cls(
            resident_intake=SlidingWindow(limit, window),
            reservation=SlidingWindow(limit, window),
            sign_in_failures=SlidingWindow(
                settings.login_address_max_failures, settings.login_address_window_seconds
            ),
        )


def throttles(connection: HTTPConnection) -> Throttles:
    """This app's throttles (see `Throttles`)."""
    found: Throttles = connection.app.state.throttles
    return found
