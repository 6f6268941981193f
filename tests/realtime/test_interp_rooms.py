"""Rooms: token admission, four-person mesh limit, leave/rejoin events, call legs, signal routing checks."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from realtime.protocol import ErrorCode
from realtime.roles import Role
from realtime.rooms import (
    CallLeg,
    InMemoryRoomStore,
    ParticipantJoined,
    ParticipantLeft,
    ParticipantRejoined,
    RoomClosed,
    RoomError,
    RoomEvent,
    RoomOpened,
    RoomRegistry,
    legs_from_events,
)
from realtime.tokens import issue_room_token

SECRET = b"s" * 32
T0 = datetime(2025, 4, 1, 1, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def token(participant: str, role: Role, room: str = "room-1", ttl: int = 120, now: datetime = T0) -> str:
    return issue_room_token(SECRET, room, participant, role, ttl, now)


@pytest.fixture
def registry() -> RoomRegistry:
    return RoomRegistry(InMemoryRoomStore(), SECRET)


async def test_open_room__idempotent_one_per_consultation(registry: RoomRegistry) -> None:
    room, events = await registry.open_room("room-1", "case-9", T0)
    assert events == [RoomOpened("room-1", "case-9", T0)]
    again, events = await registry.open_room("room-2", "case-9", at(5))
    assert again == room and events == []
    assert await registry.get("room-2") is None


async def test_join__newcomer_gets_peers_and_event(registry: RoomRegistry) -> None:
    await registry.open_room("room-1", "case-9", T0)
    first = await registry.join("room-1", token("tablet-1", "counter_tablet"), "ws-1", at(1))
    assert first.peers == () and not first.rejoined
    second = await registry.join("room-1", token("user:5", "counselor"), "ws-2", at(2))
    assert [p.participant_id for p in second.peers] == ["tablet-1"]
    assert second.events == (ParticipantJoined("room-1", "case-9", "user:5", "counselor", "ws-2", at(2)),)


async def test_join__fifth_participant__room_full(registry: RoomRegistry) -> None:
    await registry.open_room("room-1", "case-9", T0)
    roles: list[Role] = ["counter_tablet", "counselor", "interpreter", "satellite_staff"]
    for i, role in enumerate(roles):
        await registry.join("room-1", token(f"p{i}", role), f"ws-{i}", at(1))
    with pytest.raises(RoomError) as info:
        await registry.join("room-1", token("p9", "resident"), "ws-9", at(2))
    assert info.value.code == ErrorCode.ROOM_FULL
    # a rejoin does not need a free place
    result = await registry.join("room-1", token("p2", "interpreter"), "ws-2b", at(3))
    assert result.rejoined and result.previous_connection_id == "ws-2"


@pytest.mark.parametrize(
    ("make_token", "now", "code"),
    [
        (lambda: token("p", "resident", ttl=60), at(60), ErrorCode.TOKEN_EXPIRED),
        (lambda: token("p", "resident", room="room-2"), at(1), ErrorCode.BAD_TOKEN),
        (lambda: issue_room_token(b"x" * 32, "room-1", "p", "resident", 60, T0), at(1), ErrorCode.BAD_TOKEN),
        (lambda: "garbage", at(1), ErrorCode.BAD_TOKEN),
    ],
    ids=["expired", "other room", "other secret", "malformed"],
)
async def test_join__bad_token__refused(
    registry: RoomRegistry, make_token: object, now: datetime, code: str
) -> None:
    await registry.open_room("room-1", "case-9", T0)
    with pytest.raises(RoomError) as info:
        await registry.join("room-1", make_token(), "ws-1", now)  # type: ignore[operator]
    assert info.value.code == code
    room = await registry.get("room-1")
    assert room is not None and room.participants == ()


async def test_join__unknown_or_closed_room(registry: RoomRegistry) -> None:
    with pytest.raises(RoomError) as info:
        await registry.join("room-1", token("p", "resident"), "ws-1", at(1))
    assert info.value.code == ErrorCode.ROOM_NOT_FOUND
    await registry.open_room("room-1", "case-9", T0)
    await registry.close_room("room-1", at(2))
    with pytest.raises(RoomError) as info:
        await registry.join("room-1", token("p", "resident"), "ws-1", at(3))
    assert info.value.code == ErrorCode.ROOM_CLOSED
    with pytest.raises(RoomError):
        await registry.open_room("room-1", "case-9", at(4))
    new, _ = await registry.open_room("room-1b", "case-9", at(4))  # a second call for the same case
    assert new.room_id == "room-1b"


async def test_join__token_of_someone_else__forbidden(registry: RoomRegistry) -> None:
    await registry.open_room("room-1", "case-9", T0)
    with pytest.raises(RoomError) as info:
        await registry.join(
            "room-1", token("user:5", "counselor"), "ws-1", at(1), expected_participant_id="user:6"
        )
    assert info.value.code == ErrorCode.FORBIDDEN


async def test_join__same_participant_other_role__forbidden(registry: RoomRegistry) -> None:
    await registry.open_room("room-1", "case-9", T0)
    await registry.join("room-1", token("p", "counselor"), "ws-1", at(1))
    with pytest.raises(RoomError) as info:
        await registry.join("room-1", token("p", "interpreter"), "ws-2", at(2))
    assert info.value.code == ErrorCode.FORBIDDEN


async def test_interpreter_leaves_mid_call__room_stays_open(registry: RoomRegistry) -> None:
    await registry.open_room("room-1", "case-9", T0)
    await registry.join("room-1", token("tablet-1", "counter_tablet"), "ws-1", at(1))
    await registry.join("room-1", token("user:5", "counselor"), "ws-2", at(2))
    await registry.join("room-1", token("interp:7", "interpreter"), "ws-3", at(30))
    events = await registry.leave_connection("ws-3", at(90))
    assert len(events) == 1
    left = events[0]
    assert isinstance(left, ParticipantLeft)
    assert left.interpreter_left_mid_call and left.reason == "disconnected"
    assert left.duration == timedelta(seconds=60)
    assert [p.participant_id for p in left.remaining] == ["tablet-1", "user:5"]
    room = await registry.get("room-1")
    assert room is not None and room.is_open and len(room.participants) == 2


async def test_interpreter_leaves_alone__not_mid_call(registry: RoomRegistry) -> None:
    await registry.open_room("room-1", "case-9", T0)
    await registry.join("room-1", token("interp:7", "interpreter"), "ws-3", at(1))
    (left,) = await registry.leave("room-1", "interp:7", at(5))
    assert isinstance(left, ParticipantLeft) and not left.interpreter_left_mid_call


async def test_rejoin__stale_socket_close_does_not_remove(registry: RoomRegistry) -> None:
    await registry.open_room("room-1", "case-9", T0)
    await registry.join("room-1", token("interp:7", "interpreter"), "ws-old", at(1))
    result = await registry.join("room-1", token("interp:7", "interpreter"), "ws-new", at(5))
    assert result.events == (
        ParticipantRejoined("room-1", "case-9", "interp:7", "interpreter", "ws-new", "ws-old", at(5)),
    )
    assert await registry.leave_connection("ws-old", at(6)) == []
    assert await registry.leave("room-1", "interp:7", at(7), connection_id="ws-old") == []
    room = await registry.get("room-1")
    assert room is not None and room.participant("interp:7") is not None


async def test_close_room__every_leg_ends_then_closed(registry: RoomRegistry) -> None:
    log: list[RoomEvent] = []
    log += (await registry.open_room("room-1", "case-9", T0))[1]
    log += (await registry.join("room-1", token("tablet-1", "counter_tablet"), "ws-1", at(1))).events
    log += (await registry.join("room-1", token("interp:7", "interpreter"), "ws-3", at(10))).events
    log += (await registry.join("room-1", token("interp:7", "interpreter"), "ws-3b", at(20))).events  # reload
    log += await registry.close_room("room-1", at(70), "ended")
    assert isinstance(log[-1], RoomClosed)
    assert all(not e.interpreter_left_mid_call for e in log if isinstance(e, ParticipantLeft))
    assert legs_from_events(log) == [
        CallLeg("room-1", "case-9", "tablet-1", "counter_tablet", at(1), at(70)),
        CallLeg("room-1", "case-9", "interp:7", "interpreter", at(10), at(70)),
    ]
    assert await registry.close_room("room-1", at(80)) == []
    assert await registry.prune_closed(at(71)) == 1
    assert await registry.get("room-1") is None


async def test_route_signal__only_within_the_room(registry: RoomRegistry) -> None:
    await registry.open_room("room-1", "case-9", T0)
    await registry.open_room("room-2", "case-10", T0)
    await registry.join("room-1", token("a", "counselor"), "ws-a", at(1))
    await registry.join("room-1", token("b", "resident"), "ws-b", at(1))
    await registry.join("room-2", token("c", "resident", room="room-2"), "ws-c", at(1))
    src, target = await registry.route_signal("room-1", "ws-a", "b")
    assert (src.participant_id, target.connection_id) == ("a", "ws-b")
    for room_id, conn, to in [
        ("room-1", "ws-a", "c"),  # target in another room
        ("room-2", "ws-a", "c"),  # sender not in that room
        ("room-1", "ws-a", "a"),  # to oneself
        ("room-9", "ws-a", "b"),  # no such room
        ("room-1", "ws-zz", "b"),  # unknown connection
    ]:
        with pytest.raises(RoomError) as info:
            await registry.route_signal(room_id, conn, to)
        assert info.value.code == ErrorCode.NOT_IN_ROOM


async def test_set_mode__recorded_for_late_joiners(registry: RoomRegistry) -> None:
    await registry.open_room("room-1", "case-9", T0)
    await registry.join("room-1", token("a", "resident"), "ws-a", at(1))
    _, me = await registry.set_mode("room-1", "ws-a", "audio")
    assert me.mode == "audio"
    late = await registry.join("room-1", token("b", "counselor"), "ws-b", at(2))
    assert late.peers[0].mode == "audio"


def test_registry__mesh_limit_enforced() -> None:
    with pytest.raises(ValueError):
        RoomRegistry(InMemoryRoomStore(), SECRET, max_participants=5)


PEOPLE: list[tuple[str, Role]] = [
    ("tablet-1", "counter_tablet"),
    ("user:5", "counselor"),
    ("interp:7", "interpreter"),
    ("staff:2", "satellite_staff"),
    ("resident-1", "resident"),
]


class RoomMachine(RuleBasedStateMachine):
    """Random joins, reloads, leaves, disconnects: at most four; legs rebuilt from events match the room."""

    @initialize()
    def setup(self) -> None:
        self.store = InMemoryRoomStore()
        self.registry = RoomRegistry(self.store, SECRET)
        self.t = 0.0
        self.events: list[RoomEvent] = []
        self.conn = 0

    def now(self) -> datetime:
        self.t += 1
        return at(self.t)

    async def _join(self, who: int) -> None:
        pid, role = PEOPLE[who]
        self.conn += 1
        if await self.store.get("room-1") is None:
            self.events += (await self.registry.open_room("room-1", "case-1", at(self.t)))[1]
        try:
            result = await self.registry.join(
                "room-1", token(pid, role, now=at(self.t)), f"ws-{self.conn}", self.now()
            )
        except RoomError as exc:
            assert exc.code == ErrorCode.ROOM_FULL
            room = await self.store.get("room-1")
            assert room is not None and len(room.participants) == 4
            return
        self.events += result.events

    @rule(who=st.integers(0, len(PEOPLE) - 1))
    def join(self, who: int) -> None:
        self._run(self._join(who))

    async def _leave(self, who: int, disconnect: bool) -> None:
        room = await self.store.get("room-1")
        p = None if room is None else room.participant(PEOPLE[who][0])
        if p is None:
            return
        if disconnect:
            self.events += await self.registry.leave_connection(p.connection_id, self.now())
        else:
            self.events += await self.registry.leave("room-1", p.participant_id, self.now())

    @rule(who=st.integers(0, len(PEOPLE) - 1), disconnect=st.booleans())
    def leave(self, who: int, disconnect: bool) -> None:
        self._run(self._leave(who, disconnect))

    def _run(self, coro: Coroutine[Any, Any, None]) -> None:
        asyncio.run(coro)

    @invariant()
    def legs_match_room(self) -> None:
        if not hasattr(self, "store"):
            return
        room = self.store._rooms.get("room-1")
        present = set() if room is None else {p.participant_id for p in room.participants}
        assert len(present) <= 4
        open_legs = [leg for leg in legs_from_events(self.events) if leg.left_at is None]
        assert sorted(leg.participant_id for leg in open_legs) == sorted(present)
        for leg in legs_from_events(self.events):
            assert leg.left_at is None or leg.left_at >= leg.joined_at


RoomMachine.TestCase.settings = settings(deadline=None, max_examples=60, stateful_step_count=30)
TestRoomMachine = RoomMachine.TestCase
