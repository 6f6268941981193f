"""A new leader keeps in-progress members for their reconnect; members connected to another process are
vouched for by it and never lapse on the leader for want of heartbeats on the leader's own sockets.

Two in-process Gateways (the leader's and a follower's) over a recording desk; times are passed in.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any, cast

from app.live.desk import AwaitingReconnect, LiveDesk
from app.live.gateway import Gateway, RoomEventRecorder
from app.live.runtime import _vouched
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
