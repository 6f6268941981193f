"""The running-call use cases against a fake desk: the event each submits, and a routing refusal as a 409
that names the action (the same message whether the desk's or the chat's endpoint took the fallback)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

import pytest

from app.call import service
from app.clock import ControlledClock
from app.errors import Conflict
from app.live.desk import LiveDesk
from app.live.gateway import Gateway
from routing import CallEnded, FallbackAccepted, FallbackOption, RoutingConflict

AT = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)


class FakeDesk:
    def __init__(self, refuse: bool = False) -> None:
        self.clock = ControlledClock(AT)
        self.submitted: list[Any] = []
        self.refuse = refuse

    async def submit(self, event: Any) -> None:
        if self.refuse:
            raise RoutingConflict("not now")
        self.submitted.append(event)


class FakeGateway:
    def __init__(self) -> None:
        self.closed: list[tuple[str, datetime]] = []

    async def close_room(self, consultation_id: str, now: datetime) -> None:
        self.closed.append((consultation_id, now))


@pytest.mark.parametrize("option", list(FallbackOption))
async def test_accept_fallback__submits_the_residents_choice(option: FallbackOption) -> None:
    desk = FakeDesk()
    await service.accept_fallback(cast(LiveDesk, desk), "C-1", option)
    assert desk.submitted == [FallbackAccepted(at=AT, request_id="C-1", option=option)]


async def test_accept_fallback__refused_is_a_conflict() -> None:
    with pytest.raises(Conflict, match="no fallback can be taken for this consultation now: not now"):
        await service.accept_fallback(cast(LiveDesk, FakeDesk(refuse=True)), "C-1", FallbackOption.CALLBACK)


async def test_end_call__ends_in_routing_then_closes_the_room_at_the_same_instant() -> None:
    desk, gateway = FakeDesk(), FakeGateway()
    await service.end_call(cast(LiveDesk, desk), cast(Gateway, gateway), "C-1")
    assert desk.submitted == [CallEnded(at=AT, request_id="C-1", counselor_wrap_up=True)]
    assert gateway.closed == [("C-1", AT)]


async def test_end_call__not_in_a_call_is_a_conflict_and_the_room_stays() -> None:
    gateway = FakeGateway()
    with pytest.raises(Conflict, match="not in a call"):
        await service.end_call(cast(LiveDesk, FakeDesk(refuse=True)), cast(Gateway, gateway), "C-1")
    assert gateway.closed == []
