"""A counselor in a call asks for a remote interpreter: the routing event (pure engine), its journal form, and
the console's endpoint against the live desk (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from httpx import AsyncClient

from routing import (
    Assigned,
    CallEnded,
    CallView,
    Closed,
    Decision,
    Engine,
    InterpreterRequested,
    OfferAccepted,
    Offered,
    OfferEnded,
    OfferEndReason,
    Outcome,
    Requeued,
    RequeueReason,
    RoutingConflict,
    decision_from_dict,
    decision_to_dict,
    event_from_dict,
    event_to_dict,
)
from routing.policy import DeskPolicy
from tests.routing.routing_kit import Desk, jst, one, only

WEEKDAY_1100 = jst(2026, 6, 1, 11, 0)


def _english_call() -> Desk:
    """An English resident served by an English-speaking counselor alone; an English interpreter is idle."""
    desk = Desk(WEEKDAY_1100)
    desk.counselor("c1", "en")
    desk.interpreter("i-a", "en")
    assigned = one(desk.request("r1", "en"), Assigned)
    assert (assigned.counselor_id, assigned.interpreter_id) == ("c1", None)
    desk.advance(60)
    return desk


def test_console_interpreter_request__rung_at_once_and_joins_the_same_call() -> None:
    desk = _english_call()
    decisions = desk.send(InterpreterRequested(at=desk.now, request_id="r1"))
    requeued = one(decisions, Requeued)
    assert (requeued.interpreter_id, requeued.reason, requeued.position) == (
        None,
        RequeueReason.INTERPRETER_REQUESTED,
        1,
    )
    offered = one(decisions, Offered)
    assert (offered.request_id, offered.interpreter_id, offered.reoffer) == ("r1", "i-a", True)
    call = one(desk.engine.snapshot().calls, CallView)
    assert (call.counselor_id, call.awaiting_interpreter) == ("c1", True)
    joined = one(
        desk.accept("r1", "i-a") if hasattr(desk, "accept") else _accept(desk, "r1", "i-a"), Assigned
    )
    assert (joined.counselor_id, joined.interpreter_id, joined.rejoin) == ("c1", "i-a", True)
    closed = desk.send(CallEnded(at=desk.now, request_id="r1"))
    assert one(closed, Closed).outcome is Outcome.SERVED
    assert desk.engine.snapshot().calls == () and desk.engine.snapshot().queue == ()


def _accept(desk: Desk, request_id: str, interpreter_id: str) -> list[Decision]:
    return desk.send(OfferAccepted(at=desk.now, request_id=request_id, interpreter_id=interpreter_id))


def test_console_interpreter_request__refused_when_not_in_a_call_or_already_there() -> None:
    desk = _english_call()
    desk.request("r2", "en")  # waits: the only counselor is busy with r1
    before = desk.engine.snapshot()
    for request_id in ("r2", "nobody"):
        with pytest.raises(RoutingConflict):
            desk.engine.handle(InterpreterRequested(at=desk.now, request_id=request_id))
    assert desk.engine.snapshot() == before
    desk.send(InterpreterRequested(at=desk.now, request_id="r1"))
    ringing = desk.engine.snapshot()
    with pytest.raises(RoutingConflict):  # already finding one
        desk.engine.handle(InterpreterRequested(at=desk.now, request_id="r1"))
    assert desk.engine.snapshot() == ringing
    _accept(desk, "r1", "i-a")
    with pytest.raises(RoutingConflict):  # already has one
        desk.engine.handle(InterpreterRequested(at=desk.now, request_id="r1"))


def test_console_interpreter_request__call_ended_while_ringing_withdraws_the_offer() -> None:
    desk = _english_call()
    desk.send(InterpreterRequested(at=desk.now, request_id="r1"))
    ended = desk.send(CallEnded(at=desk.now, request_id="r1"))
    withdrawn = one(ended, OfferEnded)
    assert (withdrawn.interpreter_id, withdrawn.reason) == ("i-a", OfferEndReason.REQUEST_CLOSED)
    assert one(ended, Closed).outcome is Outcome.SERVED
    # the interpreter is free for the next resident who needs one
    desk.advance(5)
    offered = only(desk.request("r3", "ne") + desk.interpreter("i-b", "ne"), Offered)
    assert [o.interpreter_id for o in offered] == ["i-b"]


def test_console_interpreter_request__journal_round_trip_and_replay() -> None:
    desk = _english_call()
    event = InterpreterRequested(at=desk.now, request_id="r1")
    assert event_from_dict(event_to_dict(event)) == event
    requeued = one(desk.send(event), Requeued)
    assert decision_from_dict(decision_to_dict(requeued)) == requeued
    replayed = Engine.replay(DeskPolicy.default(), desk.events)
    assert replayed.snapshot() == desk.engine.snapshot()


# -- the console's endpoint, against the live desk ---------------------------------------------------------


async def _counselor_in_an_english_call(client: AsyncClient, auth: dict[str, dict[str, str]]) -> str:
    present = await client.post("/api/v1/presence", json={"state": "available"}, headers=auth["counselor"])
    assert present.status_code == 204, present.text
    response = await client.post(
        "/api/v1/consultations", json={"channel": "counter", "language": "en"}, headers=auth["desk_device"]
    )
    assert response.status_code == 201, response.text
    case_id: str = response.json()["id"]
    queue = (await client.get("/api/v1/queue", headers=auth["counselor"])).json()
    assert [c["request_id"] for c in queue["calls"]] == [case_id]
    return case_id


async def test_console_interpreter_request_api__counselor_in_the_call(
    client: AsyncClient, auth: dict[str, dict[str, str]]
) -> None:
    case_id = await _counselor_in_an_english_call(client, auth)
    url = f"/api/v1/consultations/{case_id}/interpreter-request"
    for role in ("desk_device", "desk_staff", "interpreter", "coordinator"):
        assert (await client.post(url, headers=auth[role])).status_code == 403, role
    response = await client.post(url, headers=auth["counselor"])
    assert response.status_code == 204, response.text
    queue = (await client.get("/api/v1/queue", headers=auth["counselor"])).json()
    (call,) = queue["calls"]
    assert call["request_id"] == case_id and call["awaiting_interpreter"] is True
    assert [(q["request_id"], q["reoffer"]) for q in queue["queue"]] == [(case_id, True)]
    again = await client.post(url, headers=auth["admin"])
    assert again.status_code == 409 and "interpreter" in again.json()["detail"]


async def test_console_interpreter_request_api__not_in_a_call_or_unknown(
    client: AsyncClient, auth: dict[str, dict[str, str]]
) -> None:
    response = await client.post(
        "/api/v1/consultations", json={"channel": "counter", "language": "vi"}, headers=auth["desk_device"]
    )
    waiting = response.json()["id"]  # nobody speaks Vietnamese here: it waits
    refused = await client.post(
        f"/api/v1/consultations/{waiting}/interpreter-request", headers=auth["counselor"]
    )
    assert refused.status_code == 409
    unknown = await client.post("/api/v1/consultations/nope/interpreter-request", headers=auth["counselor"])
    assert unknown.status_code == 404
