"""A new leader keeps in-progress members for their reconnect; members connected to another process are
vouched for by it and never lapse on the leader for want of heartbeats on the leader's own sockets.

Two in-process Gateways (the leader's and a follower's) over a recording desk; times are passed in.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any, cast

from app.live.desk import AwaitingReconnect, LiveDesk
from app.live.gateway import Gateway, RoomEventRecorder
from app.live.handover import VOUCH_TOPIC, PresenceHandover
from app.live.handover import vouched as _vouched
from realtime.presence import PresenceTracker
from realtime.signaling import RoomSignaling
from routing import CounselorAway, InterpreterOffline
from tests.conftest import TEST_NOW

TIMEOUT = timedelta(seconds=10)


class RecordingDesk:
    """What the gateway needs of a desk: what is awaiting a reconnect, no calls, and the events it submits."""

    def __init__(self, kept: AwaitingReconnect = AwaitingReconnect()) -> None:
        self.awaiting_reconnect = kept
        self.submitted: list[object] = []

    def snapshot(self) -> Any:
        return SimpleNamespace(calls=())

    async def submit(self, event: object) -> None:
        self.submitted.append(event)


def gateway(desk: RecordingDesk) -> Gateway:
    return Gateway(
        cast(LiveDesk, desk),
        cast(Any, None),
        cast(RoomSignaling, None),
        PresenceTracker(timeout=TIMEOUT),
        PresenceTracker(timeout=TIMEOUT),
        cast(RoomEventRecorder, None),
    )


def gone(desk: RecordingDesk) -> set[str]:
    return {
        e.interpreter_id if isinstance(e, InterpreterOffline) else f"counselor {e.counselor_id}"
        for e in desk.submitted
        if isinstance(e, InterpreterOffline | CounselorAway)
    }


async def beat_until(follower: Gateway, until: datetime) -> None:
    now = TEST_NOW
    while now <= until:
        follower.alive("sock-7", now)
        follower.interpreters.touch("sock-7", now)
        follower.counselors.touch("sock-3", now)
        await follower.sweep(now)
        now += timedelta(seconds=2)


async def test_member_connected_to_another_process_does_not_lapse_on_the_leader() -> None:
    # interpreter 7 rings and counselor 3 is held, both connected to the follower; interpreter 8 rang on a
    # process that died
    kept = AwaitingReconnect(interpreters=frozenset({"7", "8"}), counselors=frozenset({"3"}))
    leader_desk = RecordingDesk(kept)
    leader, follower_desk = gateway(leader_desk), RecordingDesk()
    follower = gateway(follower_desk)
    follower.interpreters.connect("7", "sock-7", TEST_NOW)
    follower.interpreters.announce("7", "available", TEST_NOW)
    follower.counselors.connect("3", "sock-3", TEST_NOW)

    leader.expect_reconnect(TEST_NOW)
    said = follower.present_here()
    leader.vouched(said["interpreters"], said["counselors"], TEST_NOW + timedelta(seconds=1))

    later = TEST_NOW + 3 * TIMEOUT
    await beat_until(follower, later)
    await leader.sweep(later)
    assert gone(leader_desk) == {"8"}  # nobody vouched for the dead process's interpreter: let go
    assert gone(follower_desk) == set()
    assert "7" in follower.interpreters and "3" in follower.counselors


async def test_an_early_vouch_counts_and_the_member_still_lapses_where_tracked() -> None:
    leader_desk = RecordingDesk(AwaitingReconnect(interpreters=frozenset({"7"})))
    leader, follower_desk = gateway(leader_desk), RecordingDesk()
    follower = gateway(follower_desk)
    follower.interpreters.connect("7", "sock-7", TEST_NOW)

    _vouched(leader, '{"interpreters": ["7"], "counselors": []}', TEST_NOW)  # as relayed by the fan-out
    leader.expect_reconnect(TEST_NOW)
    assert "7" not in leader.interpreters

    later = TEST_NOW + 2 * TIMEOUT  # 7's console goes silent: the follower, which vouched, lets them go
    await leader.sweep(later)
    await follower.sweep(later)
    assert gone(leader_desk) == set()
    assert gone(follower_desk) == {"7"}


async def test_a_stale_vouch_or_a_member_with_a_socket_on_the_leader_is_kept_as_before() -> None:
    leader_desk = RecordingDesk(AwaitingReconnect(interpreters=frozenset({"7", "9"})))
    leader = gateway(leader_desk)
    leader.vouched(["7"], [], TEST_NOW - 2 * TIMEOUT)  # from an earlier round: says nothing about now
    leader.expect_reconnect(TEST_NOW)
    leader.interpreters.connect("9", "leader-sock-9", TEST_NOW)
    leader.vouched(["9"], [], TEST_NOW)  # a stale console elsewhere; the live socket is here
    assert "7" in leader.interpreters and "9" in leader.interpreters
    await leader.sweep(TEST_NOW + 2 * TIMEOUT)
    assert gone(leader_desk) == {"7", "9"}


def test_an_unreadable_vouch_is_dropped() -> None:
    leader = gateway(RecordingDesk(AwaitingReconnect(interpreters=frozenset({"7"}))))
    leader.expect_reconnect(TEST_NOW)
    for text in ("not json", "[]", '{"interpreters": "7", "counselors": []}', '{"interpreters": [7]}'):
        _vouched(leader, text, TEST_NOW)
    assert "7" in leader.interpreters


class Bus:
    """Redis pub/sub between the leader's and the follower's handover, which loses the first `drop` vouches
    (as a Redis blip at takeover does: pub/sub keeps nothing for a subscriber that is away)."""

    def __init__(self, drop: int) -> None:
        self.drop = drop
        self.sent: list[tuple[str, str]] = []
        self.to: dict[str, PresenceHandover] = {}

    def sender(self, me: str, other: str) -> Callable[[str, str], None]:
        def send(topic: str, text: str) -> None:
            self.sent.append((me, topic))
            if topic == VOUCH_TOPIC and self.drop:
                self.drop -= 1
                return
            self.to[other].relayed(topic, text, self.now)

        return send

    now = TEST_NOW


def handovers(drop: int) -> tuple[Gateway, RecordingDesk, PresenceHandover, Gateway, list[str], Bus]:
    """The leader kept interpreter 7 (ringing) and counselor 3 (held) for a reconnect; both are connected to
    the follower, which re-announces (counted) and vouches when asked."""
    kept = AwaitingReconnect(interpreters=frozenset({"7"}), counselors=frozenset({"3"}))
    leader_desk = RecordingDesk(kept)
    leader, follower = gateway(leader_desk), gateway(RecordingDesk())
    follower.interpreters.connect("7", "sock-7", TEST_NOW)
    follower.counselors.connect("3", "sock-3", TEST_NOW)
    bus, reannounced = Bus(drop), []
    asking = PresenceHandover(leader, bus.sender("leader", "follower"), lambda: None)
    bus.to["follower"] = PresenceHandover(
        follower, bus.sender("follower", "leader"), lambda: reannounced.append("said")
    )
    bus.to["leader"] = asking
    return leader, leader_desk, asking, follower, reannounced, bus


async def test_a_lost_vouch_is_asked_for_again_at_the_next_lease_step_and_nobody_lapses() -> None:
    leader, leader_desk, asking, _follower, reannounced, bus = handovers(drop=1)
    asking.led(TEST_NOW, epoch=4)
    leader.expect_reconnect(TEST_NOW)  # as `led` does: kept only for a reconnect, no socket on the leader
    assert leader.awaiting_vouch()  # the follower's vouch was lost on the way

    bus.now = TEST_NOW + timedelta(seconds=1)
    asking.step(bus.now, leading=True)  # the lease step asks again; this time the vouch arrives
    assert not leader.awaiting_vouch()
    assert "7" not in leader.interpreters and "3" not in leader.counselors
    assert reannounced == ["said"]  # re-announced once per epoch, vouched each time asked

    asking.step(TEST_NOW + timedelta(seconds=2), leading=True)  # heard: no more asking
    assert asking.asked == 2
    await leader.sweep(TEST_NOW + 3 * TIMEOUT)
    assert gone(leader_desk) == set()


async def test_without_the_repeat_the_lost_vouch_lapses_members_connected_elsewhere() -> None:
    leader, leader_desk, asking, _follower, _reannounced, _bus = handovers(drop=1)
    asking.led(TEST_NOW, epoch=4)
    leader.expect_reconnect(TEST_NOW)
    await leader.sweep(TEST_NOW + 3 * TIMEOUT)  # no lease step asked again
    assert gone(leader_desk) == {"7", "counselor 3"}


async def test_asking_stops_at_the_timeout_and_when_no_longer_leading() -> None:
    leader, _desk, asking, _follower, _reannounced, _bus = handovers(drop=100)  # Redis never recovers
    asking.led(TEST_NOW, epoch=4)
    leader.expect_reconnect(TEST_NOW)
    for second in range(1, 3 * int(TIMEOUT.total_seconds())):
        asking.step(TEST_NOW + timedelta(seconds=second), leading=True)
    assert asking.asked == int(TIMEOUT.total_seconds())  # at the start, then each step within the timeout
    asking.led(TEST_NOW, epoch=5)
    asking.step(TEST_NOW + timedelta(seconds=1), leading=False)  # deposed: the next leader asks
    asking.step(TEST_NOW + timedelta(seconds=2), leading=True)
    assert asking.asked == int(TIMEOUT.total_seconds()) + 1


async def test_a_member_swept_while_the_reannouncement_looks_them_up_is_not_brought_back() -> None:
    # The re-announcement after a start reads each member from the database (an await): a sweep can let them
    # go in that gap. Saying "available" afterwards would undo the sweep (seen under load: an interpreter
    # whose console never came back showed as available again).
    desk = RecordingDesk()
    leader = gateway(desk)
    leader.interpreters.announce("7", "available", TEST_NOW)
    later = TEST_NOW + 2 * TIMEOUT

    async def looked_up_during_a_sweep(member_id: int, now: datetime) -> object:
        await leader.sweep(later)  # the sweeper's turn comes while the look-up waits
        return ("available", member_id, now)

    cast(Any, leader)._interpreter_available = looked_up_during_a_sweep
    assert await leader.reannounce(TEST_NOW) == 0
    assert gone(desk) == {"7"}
    assert not any(isinstance(e, tuple) for e in desk.submitted)  # never said present after the sweep
