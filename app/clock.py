"""The one clock: every part of the app asks it for the time, so tests and demos can choose the instant.

Nothing else in `app/` reads the wall clock (a test enforces it). The service runs on `SystemClock`; tests use
a `ControlledClock` pinned to a chosen instant (frozen, or running at real speed from there), and
`MADOGUCHI_CLOCK_START` starts a dev or demo process at a chosen instant the same way.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class Clock(Protocol):
    """Where the time comes from: aware UTC instants, and seconds for measuring intervals."""

    def now(self) -> datetime:
        """The current instant, timezone-aware in UTC."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back (throttle windows, timeouts)."""
        ...


class SystemClock:
    """The real time of the machine."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()


SYSTEM_CLOCK = SystemClock()


class ControlledClock:
    """Pinned to a chosen instant; frozen there, or running at real speed from it. Tests move it on purpose.

    `monotonic()` follows `now()`, so a throttle window or a timeout elapses when the test advances the clock.
    Thread-safe: uvicorn, the desk's ticker and a test's thread may read it at once.
    """

    def __init__(self, start: datetime, *, running: bool = False) -> None:
        self._lock = threading.Lock()
        self._base = _aware(start)
        self._since: float | None = time.monotonic() if running else None

    def now(self) -> datetime:
        with self._lock:
            if self._since is None:
                return self._base
            return self._base + timedelta(seconds=time.monotonic() - self._since)

    def monotonic(self) -> float:
        return self.now().timestamp()

    @property
    def running(self) -> bool:
        return self._since is not None

    def set(self, instant: datetime) -> None:
        """Jump to `instant` (forwards or back), keeping frozen or running as it was."""
        with self._lock:
            self._base = _aware(instant)
            if self._since is not None:
                self._since = time.monotonic()

    def advance(self, delta: timedelta | float) -> datetime:
        """Move on by `delta` (a timedelta or seconds); returns the new instant."""
        step = delta if isinstance(delta, timedelta) else timedelta(seconds=delta)
        self.set(self.now() + step)
        return self.now()

    def freeze(self) -> None:
        with self._lock:
            if self._since is not None:
                self._base += timedelta(seconds=time.monotonic() - self._since)
                self._since = None

    def run(self) -> None:
        with self._lock:
            if self._since is None:
                self._since = time.monotonic()


def _aware(instant: datetime) -> datetime:
    if instant.tzinfo is None:
        raise ValueError("a clock needs a timezone-aware instant (naive times are ambiguous)")
    return instant.astimezone(UTC)


def clock_for(start: datetime | None) -> Clock:
    """The service's clock: the system's, or one starting at `start` and running on from there."""
    return SYSTEM_CLOCK if start is None else ControlledClock(start, running=True)


def now_default(context: Any) -> datetime:
    """Column default for created/updated times: the clock the engine was created with (see db.create_engine).

    SQLAlchemy passes the execution context; the engine carries its clock in its execution options, so rows
    written in a test get the test's instant, not the wall clock's.
    """
    clock = context.execution_options.get("clock") if context is not None else None
    return (clock if isinstance(clock, Clock) else SYSTEM_CLOCK).now()
