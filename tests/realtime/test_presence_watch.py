"""Residents' watchers and the rejoin grace, pure: times are passed in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from realtime.presence import PresenceTracker, WatchTracker

T0 = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)


def s(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_watch__closed_sockets_are_let_go_after_the_grace_and_only_once() -> None:
    watch = WatchTracker(gone_after=timedelta(seconds=60), silent_after=timedelta(seconds=10))
    watch.watch("case-1", "tablet", s(0))
    watch.watch("case-2", "phone", s(0))
    watch.disconnect("tablet", s(5))
    assert watch.deadline("case-1") == s(65)
    assert watch.sweep(s(65)) == []  # exactly the grace: still kept
    assert watch.sweep(s(66)) == ["case-1"]
    assert watch.sweep(s(200)) == ["case-2"]  # open but silent: heartbeat timeout plus the grace
    assert "case-1" not in watch and watch.sweep(s(500)) == []


def test_watch__one_beating_watcher_keeps_the_case_and_a_rewatch_resets_it() -> None:
    watch = WatchTracker(gone_after=timedelta(seconds=60), silent_after=timedelta(seconds=10))
    watch.watch("case-1", "old", s(0))
    watch.disconnect("old", s(0))
    watch.watch("case-1", "new", s(50))  # a reload within the grace
    for second in range(60, 3600, 5):
        watch.touch("new", s(second))
        assert watch.sweep(s(second)) == []
    watch.forget("case-1")
    assert watch.deadline("case-1") is None


def test_presence__members_in_a_call_get_the_rejoin_grace() -> None:
    tracker = PresenceTracker(timeout=timedelta(seconds=10), rejoin_grace=timedelta(seconds=30))
    tracker.connect("7", "c7", s(0))
    tracker.connect("8", "c8", s(0))
    tracker.disconnect("c7", s(0))
    tracker.disconnect("c8", s(0))
    assert [g.member_id for g in tracker.sweep(s(11), in_call=frozenset({"7"}))] == ["8"]
    assert tracker.sweep(s(30), in_call=frozenset({"7"})) == []
    assert [g.member_id for g in tracker.sweep(s(31), in_call=frozenset({"7"}))] == ["7"]


def test_presence__announced_without_a_socket_lapses_unless_a_socket_keeps_it() -> None:
    tracker = PresenceTracker(timeout=timedelta(seconds=10))
    tracker.announce("1", "available", s(0))
    tracker.announce("2", "available", s(0))
    connected = tracker.connect("2", "socket-2", s(5))
    assert connected.resumed and connected.state == "available"
    tracker.touch("socket-2", s(14))
    assert [g.member_id for g in tracker.sweep(s(14))] == ["1"]
    assert tracker.available() == frozenset({"2"})
