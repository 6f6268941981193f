"""Pool presence: which members (interpreters, counselors) are connected and alive, without reading the clock.

One tracker per pool: the app keeps one for interpreters and one for counselors, keyed by a member id it
chooses. The app calls :meth:`PresenceTracker.touch` on every frame, :meth:`PresenceTracker.disconnect` when
a socket closes, and :meth:`PresenceTracker.sweep` on its clock tick; sweep returns the members silent for
longer than the timeout, which the app feeds to routing as "offline". A reconnect before that (page reload,
network blip) resumes the same presence, keeping the available/away state, so routing never sees a flap.
Members in a call get the longer rejoin grace (a reload mid-call keeps them the call's member).

:class:`WatchTracker` does the same for residents' screens (a counter tablet, the resident's own device)
following their waiting case: a case whose every watcher went away and stayed away past the grace is
returned by its sweep, for the app to let go of ("resident left").
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from realtime.protocol import PresenceState

__all__ = [
    "Connected",
    "PresenceEntry",
    "PresenceTracker",
    "StateChanged",
    "UnknownConnection",
    "WatchTracker",
    "WentOffline",
]

DEFAULT_TIMEOUT = timedelta(seconds=10)


class UnknownConnection(LookupError):
    """The connection id is not (or no longer) a member's live connection, e.g. it was replaced."""


@dataclass(frozen=True, slots=True)
class PresenceEntry:
    """One member's presence: their current connection and when they were last heard from."""

    member_id: str
    connection_id: str
    state: PresenceState
    connected_at: datetime
    last_seen_at: datetime
    socket_open: bool


@dataclass(frozen=True, slots=True)
class Connected:
    """Result of :meth:`PresenceTracker.connect`.

    ``resumed``: the member was still present (within the grace window): tell routing nothing.
    ``replaced_connection_id`` is an older socket of the same member that the app should close.
    """

    member_id: str
    connection_id: str
    state: PresenceState
    resumed: bool
    replaced_connection_id: str | None


@dataclass(frozen=True, slots=True)
class StateChanged:
    """A member went available or away: feed it to routing."""

    member_id: str
    state: PresenceState
    at: datetime


@dataclass(frozen=True, slots=True)
class WentOffline:
    """A member was silent past the timeout (or logged out): feed "offline" to routing."""

    member_id: str
    connection_id: str
    state: PresenceState
    last_seen_at: datetime
    at: datetime


def _aware(now: datetime) -> datetime:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware (UTC)")
    return now


class PresenceTracker:
    """In-memory presence of one pool (interpreters or counselors) in one process; times are passed in."""

    def __init__(
        self, *, timeout: timedelta = DEFAULT_TIMEOUT, rejoin_grace: timedelta | None = None
    ) -> None:
        if timeout <= timedelta(0):
            raise ValueError("timeout must be positive")
        self.timeout = timeout
        self.rejoin_grace = max(timeout, rejoin_grace or timeout)  # for members in a call
        self._by_member: dict[str, PresenceEntry] = {}
        self._by_connection: dict[str, str] = {}

    def connect(self, member_id: str, connection_id: str, now: datetime) -> Connected:
        """Register a new authenticated socket; a new connection replaces the member's old one."""
        _aware(now)
        owner = self._by_connection.get(connection_id)
        if owner is not None and owner != member_id:
            raise ValueError(f"connection {connection_id!r} already belongs to another member")
        old = self._by_member.get(member_id)
        if old is not None:
            self._by_connection.pop(old.connection_id, None)
            entry = replace(
                old,
                connection_id=connection_id,
                last_seen_at=max(old.last_seen_at, now),
                socket_open=True,
            )
            replaced = old.connection_id if old.connection_id != connection_id and old.socket_open else None
            resumed = True
        else:
            entry = PresenceEntry(
                member_id=member_id,
                connection_id=connection_id,
                state="away",
                connected_at=now,
                last_seen_at=now,
                socket_open=True,
            )
            replaced = None
            resumed = False
        self._by_member[member_id] = entry
        self._by_connection[connection_id] = member_id
        return Connected(
            member_id=member_id,
            connection_id=connection_id,
            state=entry.state,
            resumed=resumed,
            replaced_connection_id=replaced,
        )

    def announce(self, member_id: str, state: PresenceState, now: datetime) -> None:
        """A state set without a socket (the REST API): counts as a sign of life, and like one it lapses
        after the timeout unless a socket connects and keeps it (routing never keeps a ghost available)."""
        _aware(now)
        old = self._by_member.get(member_id)
        if old is not None:
            self._by_member[member_id] = replace(old, state=state, last_seen_at=max(old.last_seen_at, now))
            return
        connection_id = f"api:{member_id}"
        self._by_member[member_id] = PresenceEntry(
            member_id=member_id,
            connection_id=connection_id,
            state=state,
            connected_at=now,
            last_seen_at=now,
            socket_open=False,
        )
        self._by_connection[connection_id] = member_id

    def _entry_for(self, connection_id: str) -> PresenceEntry:
        member_id = self._by_connection.get(connection_id)
        if member_id is None:
            raise UnknownConnection(connection_id)
        return self._by_member[member_id]

    def touch(self, connection_id: str, now: datetime) -> bool:
        """Record a sign of life (heartbeat or any frame); False if the connection is unknown or replaced."""
        _aware(now)
        try:
            entry = self._entry_for(connection_id)
        except UnknownConnection:
            return False
        self._by_member[entry.member_id] = replace(entry, last_seen_at=max(entry.last_seen_at, now))
        return True

    def set_state(self, connection_id: str, state: PresenceState, now: datetime) -> StateChanged | None:
        """Apply a ``presence`` frame; returns the change for routing, or None if the state is unchanged."""
        _aware(now)
        entry = self._entry_for(connection_id)
        self._by_member[entry.member_id] = replace(
            entry, state=state, last_seen_at=max(entry.last_seen_at, now)
        )
        if entry.state == state:
            return None
        return StateChanged(member_id=entry.member_id, state=state, at=now)

    def disconnect(self, connection_id: str, now: datetime) -> None:
        """A socket closed: keep the presence for the grace window (from now) so a reload resumes it."""
        _aware(now)
        try:
            entry = self._entry_for(connection_id)
        except UnknownConnection:
            return  # an already replaced socket closing: nothing to do
        self._by_member[entry.member_id] = replace(
            entry, socket_open=False, last_seen_at=max(entry.last_seen_at, now)
        )

    def remove(self, member_id: str, now: datetime) -> WentOffline | None:
        """Explicit logout or deactivation: offline at once, without waiting for the timeout."""
        _aware(now)
        entry = self._by_member.pop(member_id, None)
        if entry is None:
            return None
        self._by_connection.pop(entry.connection_id, None)
        return WentOffline(
            member_id=member_id,
            connection_id=entry.connection_id,
            state=entry.state,
            last_seen_at=entry.last_seen_at,
            at=now,
        )

    def sweep(self, now: datetime, in_call: frozenset[str] = frozenset()) -> list[WentOffline]:
        """Drop and return every member silent for more than the timeout (call on each clock tick).

        Members in `in_call` get the rejoin grace instead: a reload mid-call must not lose them the call.
        """
        _aware(now)
        dead = [
            e
            for e in self._by_member.values()
            if now - e.last_seen_at > (self.rejoin_grace if e.member_id in in_call else self.timeout)
        ]
        out = []
        for entry in sorted(dead, key=lambda e: (e.last_seen_at, e.member_id)):
            del self._by_member[entry.member_id]
            self._by_connection.pop(entry.connection_id, None)
            out.append(
                WentOffline(
                    member_id=entry.member_id,
                    connection_id=entry.connection_id,
                    state=entry.state,
                    last_seen_at=entry.last_seen_at,
                    at=now,
                )
            )
        return out

    def next_deadline(self) -> datetime | None:
        """The earliest time at which :meth:`sweep` could drop someone (to schedule the next tick)."""
        if not self._by_member:
            return None
        return min(e.last_seen_at for e in self._by_member.values()) + self.timeout

    def member_of(self, connection_id: str) -> str | None:
        """Who owns a live connection id (None once replaced or swept)."""
        return self._by_connection.get(connection_id)

    def get(self, member_id: str) -> PresenceEntry | None:
        """The presence of one member, if present."""
        return self._by_member.get(member_id)

    def entries(self) -> tuple[PresenceEntry, ...]:
        """A snapshot of everyone present (for roster snapshots and admin screens)."""
        return tuple(sorted(self._by_member.values(), key=lambda e: e.member_id))

    def available(self) -> frozenset[str]:
        """Members present and available (the app's roster snapshot for routing)."""
        return frozenset(i for i, e in self._by_member.items() if e.state == "available")

    def __len__(self) -> int:
        return len(self._by_member)

    def __contains__(self, member_id: object) -> bool:
        return member_id in self._by_member


@dataclass(slots=True)
class _Watched:
    connections: set[str]  # open sockets watching the case
    last_seen_at: datetime  # the latest sign of life of any of them (or when the last one closed)


class WatchTracker:
    """Residents' screens following their cases, in one process; times are passed in, never read.

    A case is let go when no watcher is left for longer than `gone_after`: every socket closed, or every
    open one silent (no frame, not even a heartbeat) for `silent_after` and then `gone_after` more. One
    watcher that keeps its socket open and beats is enough to keep the case.
    """

    def __init__(self, *, gone_after: timedelta, silent_after: timedelta = DEFAULT_TIMEOUT) -> None:
        if gone_after <= timedelta(0) or silent_after <= timedelta(0):
            raise ValueError("gone_after and silent_after must be positive")
        self.gone_after = gone_after
        self.silent_after = silent_after
        self._cases: dict[str, _Watched] = {}
        self._by_connection: dict[str, set[str]] = {}

    def watch(self, case_id: str, connection_id: str, now: datetime) -> None:
        """A resident's screen follows `case_id` on this socket."""
        _aware(now)
        watched = self._cases.get(case_id)
        if watched is None:
            watched = self._cases[case_id] = _Watched(set(), now)
        watched.connections.add(connection_id)
        watched.last_seen_at = max(watched.last_seen_at, now)
        self._by_connection.setdefault(connection_id, set()).add(case_id)

    def touch(self, connection_id: str, now: datetime) -> None:
        """Any frame from the socket (a heartbeat is enough) keeps its cases."""
        for case_id in self._by_connection.get(connection_id, ()):
            watched = self._cases[case_id]
            watched.last_seen_at = max(watched.last_seen_at, now)

    def disconnect(self, connection_id: str, now: datetime) -> None:
        """The socket closed: its cases start counting down unless another watcher is there."""
        _aware(now)
        for case_id in self._by_connection.pop(connection_id, set()):
            watched = self._cases[case_id]
            watched.connections.discard(connection_id)
            watched.last_seen_at = max(watched.last_seen_at, now)

    def forget(self, case_id: str) -> None:
        """Stop following a case (it ended, or it was let go)."""
        watched = self._cases.pop(case_id, None)
        if watched is None:
            return
        for connection_id in watched.connections:
            cases = self._by_connection.get(connection_id)
            if cases is not None:
                cases.discard(case_id)
                if not cases:
                    del self._by_connection[connection_id]

    def deadline(self, case_id: str) -> datetime | None:
        """When the case will be let go if nothing is heard (None when it is not watched)."""
        watched = self._cases.get(case_id)
        if watched is None:
            return None
        silent = self.silent_after if watched.connections else timedelta(0)
        return watched.last_seen_at + silent + self.gone_after

    def sweep(self, now: datetime) -> list[str]:
        """The cases whose residents are gone (forgotten here), oldest first."""
        _aware(now)
        gone = []
        for case_id in list(self._cases):
            deadline = self.deadline(case_id)
            if deadline is not None and now > deadline:
                gone.append((deadline, case_id))
        for _, case_id in sorted(gone):
            self.forget(case_id)
        return [case_id for _, case_id in sorted(gone)]

    def __contains__(self, case_id: object) -> bool:
        return case_id in self._cases
