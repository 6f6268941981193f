"""Pool presence: heartbeats keep interpreters online, silence takes them offline, reconnects resume."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from realtime.presence import Connected, PresenceTracker, StateChanged, UnknownConnection, WentOffline

T0 = datetime(2025, 4, 1, 1, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_connect__new_interpreter__away_until_they_say_available() -> None:
    tracker = PresenceTracker()
    result = tracker.connect("i1", "c1", at(0))
    assert result == Connected("i1", "c1", "away", resumed=False, replaced_connection_id=None)
    assert tracker.available() == frozenset()
    assert tracker.set_state("c1", "available", at(1)) == StateChanged("i1", "available", at(1))
    assert tracker.set_state("c1", "available", at(2)) is None
    assert tracker.available() == {"i1"}


def test_sweep__heartbeats_keep_alive_silence_kills() -> None:
    tracker = PresenceTracker()
    tracker.connect("i1", "c1", at(0))
    tracker.connect("i2", "c2", at(0))
    tracker.set_state("c1", "available", at(0))
    for t in (4, 8, 12):
        assert tracker.touch("c2", at(t))
    assert tracker.sweep(at(10)) == []  # exactly 10 s silent: not yet
    assert tracker.sweep(at(10.5)) == [WentOffline("i1", "c1", "available", at(0), at(10.5))]
    assert "i1" not in tracker and "i2" in tracker
    assert not tracker.touch("c1", at(11))  # too late: the app must treat c1 as a fresh login
    assert tracker.sweep(at(22.1)) == [WentOffline("i2", "c2", "away", at(12), at(22.1))]
    assert len(tracker) == 0


def test_reconnect_within_grace__resumes_state_no_offline() -> None:
    tracker = PresenceTracker()
    tracker.connect("i1", "c1", at(0))
    tracker.set_state("c1", "available", at(0))
    tracker.touch("c1", at(9))
    tracker.disconnect("c1", at(9.5))  # page reload
    assert tracker.sweep(at(15)) == []  # grace counts from the disconnect
    result = tracker.connect("i1", "c2", at(16))
    assert result == Connected("i1", "c2", "available", resumed=True, replaced_connection_id=None)
    assert tracker.sweep(at(25)) == []
    assert tracker.available() == {"i1"}
    assert tracker.member_of("c1") is None and tracker.member_of("c2") == "i1"


def test_connect__second_tab__replaces_open_connection() -> None:
    tracker = PresenceTracker()
    tracker.connect("i1", "c1", at(0))
    result = tracker.connect("i1", "c2", at(1))
    assert result.resumed and result.replaced_connection_id == "c1"
    assert not tracker.touch("c1", at(2))
    tracker.disconnect("c1", at(3))  # the replaced socket closing changes nothing
    entry = tracker.get("i1")
    assert entry is not None and entry.socket_open and entry.connection_id == "c2"
    with pytest.raises(UnknownConnection):
        tracker.set_state("c1", "available", at(4))


def test_disconnect_without_reconnect__offline_after_timeout() -> None:
    tracker = PresenceTracker(timeout=timedelta(seconds=5))
    tracker.connect("i1", "c1", at(0))
    tracker.disconnect("c1", at(2))
    assert tracker.next_deadline() == at(7)
    assert tracker.sweep(at(7)) == []
    assert [o.member_id for o in tracker.sweep(at(7.01))] == ["i1"]
    assert tracker.next_deadline() is None


def test_remove__logout__offline_at_once() -> None:
    tracker = PresenceTracker()
    tracker.connect("i1", "c1", at(0))
    assert tracker.remove("i1", at(1)) == WentOffline("i1", "c1", "away", at(0), at(1))
    assert tracker.remove("i1", at(1)) is None
    assert tracker.sweep(at(100)) == []


def test_time_going_backwards__never_shortens_presence() -> None:
    tracker = PresenceTracker()
    tracker.connect("i1", "c1", at(10))
    tracker.touch("c1", at(5))
    assert tracker.sweep(at(19)) == []


@pytest.mark.parametrize(
    "call",
    [
        lambda t: t.connect("i", "c", datetime(2025, 1, 1)),
        lambda t: t.sweep(datetime(2025, 1, 1)),
        lambda t: PresenceTracker(timeout=timedelta(0)),
    ],
)
def test_misuse__value_error(call: object) -> None:
    with pytest.raises(ValueError):
        call(PresenceTracker())  # type: ignore[operator]


def test_connect__connection_id_of_someone_else__refused() -> None:
    tracker = PresenceTracker()
    tracker.connect("i1", "c1", at(0))
    with pytest.raises(ValueError):
        tracker.connect("i2", "c1", at(1))


INTERPRETERS = ["i1", "i2", "i3"]


class PresenceMachine(RuleBasedStateMachine):
    """Against a simple model: who is present, on which connection, last seen when, in which state."""

    @initialize()
    def setup(self) -> None:
        self.tracker = PresenceTracker(timeout=timedelta(seconds=10))
        self.now = T0
        self.model: dict[str, dict[str, object]] = {}
        self.next_conn = 0
        self.dead_connections: set[str] = set()

    @rule(seconds=st.floats(0, 8, allow_nan=False))
    def tick(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)
        gone = self.tracker.sweep(self.now)
        expected = sorted(
            i
            for i, m in self.model.items()
            if self.now - m["last_seen"] > timedelta(seconds=10)  # type: ignore[operator]
        )
        assert sorted(o.member_id for o in gone) == expected
        for o in gone:
            assert o.state == self.model[o.member_id]["state"]
            self.dead_connections.add(o.connection_id)
            del self.model[o.member_id]

    @rule(interpreter=st.sampled_from(INTERPRETERS))
    def connect(self, interpreter: str) -> None:
        self.next_conn += 1
        conn = f"c{self.next_conn}"
        result = self.tracker.connect(interpreter, conn, self.now)
        old = self.model.get(interpreter)
        assert result.resumed == (old is not None)
        if old is None:
            self.model[interpreter] = {"conn": conn, "last_seen": self.now, "state": "away", "open": True}
        else:
            assert result.state == old["state"]
            if old["open"]:
                assert result.replaced_connection_id == old["conn"]
            self.dead_connections.add(str(old["conn"]))
            old.update(conn=conn, open=True, last_seen=self.now)

    @precondition(lambda self: bool(self.model))
    @rule(data=st.data())
    def heartbeat(self, data: st.DataObject) -> None:
        interpreter = data.draw(st.sampled_from(sorted(self.model)))
        m = self.model[interpreter]
        assert self.tracker.touch(str(m["conn"]), self.now)
        m["last_seen"] = self.now

    @precondition(lambda self: bool(self.model))
    @rule(data=st.data(), state=st.sampled_from(["available", "away"]))
    def set_state(self, data: st.DataObject, state: str) -> None:
        interpreter = data.draw(st.sampled_from(sorted(self.model)))
        m = self.model[interpreter]
        change = self.tracker.set_state(str(m["conn"]), state, self.now)  # type: ignore[arg-type]
        assert (change is not None) == (m["state"] != state)
        m.update(state=state, last_seen=self.now)

    @precondition(lambda self: bool(self.model))
    @rule(data=st.data())
    def disconnect(self, data: st.DataObject) -> None:
        interpreter = data.draw(st.sampled_from(sorted(self.model)))
        m = self.model[interpreter]
        self.tracker.disconnect(str(m["conn"]), self.now)
        m.update(open=False, last_seen=self.now)

    @precondition(lambda self: bool(self.dead_connections))
    @rule(data=st.data())
    def stale_socket_speaks(self, data: st.DataObject) -> None:
        conn = data.draw(st.sampled_from(sorted(self.dead_connections)))
        assert not self.tracker.touch(conn, self.now)
        self.tracker.disconnect(conn, self.now)

    @invariant()
    def matches_model(self) -> None:
        if not hasattr(self, "tracker"):
            return
        entries = {e.member_id: e for e in self.tracker.entries()}
        assert set(entries) == set(self.model)
        for interpreter, m in self.model.items():
            e = entries[interpreter]
            assert (e.connection_id, e.state, e.socket_open) == (m["conn"], m["state"], m["open"])
        assert self.tracker.available() == {i for i, m in self.model.items() if m["state"] == "available"}


PresenceMachine.TestCase.settings = settings(deadline=None, max_examples=60, stateful_step_count=30)
TestPresenceMachine = PresenceMachine.TestCase
