"""A truthful desk, against the running app (lifespan, desk, gateway, sweeper) on SQLite and PostgreSQL.

Residents who leave are let go, staff can take a case off the queue, presence lapses without a connection,
a dropped interpreter keeps the call within the rejoin grace, counselors wrap up. The clock is frozen: the
tests move it and drive the sweeper and the ticker themselves, never sleep.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.models import AuditEvent
from app.clock import ControlledClock
from app.config import Settings
from app.consultation.models import Consultation
from app.enums import AbandonReason, ConsultationStatus
from app.live import topics
from app.live.gateway import Gateway
from app.live.models import RoutingDecision
from app.staff.models import StaffUser
from realtime.protocol import RoomJoin
from realtime.signaling import make_invite
from routing import Tick
from tests.conftest import NO_CLOSURES, open_desk_settings, pinned_clock
from tests.live.test_live_flow import NEPALI_AT_SOJA, _link_interpreter

GONE_S = 60
HEARTBEAT_S = 10
REJOIN_S = 30
WRAP_UP_S = 240


@pytest.fixture
def clock() -> ControlledClock:
    return pinned_clock(running=False)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return open_desk_settings(
        database_url,
        resident_gone_seconds=GONE_S,
        heartbeat_timeout_seconds=HEARTBEAT_S,
        rejoin_grace_seconds=REJOIN_S,
        wrap_up_seconds=WRAP_UP_S,
        routing_policy_json=json.dumps({**json.loads(NO_CLOSURES), "offers": {"timeout_s": 600}}),
    )


def _gateway(app_and_client: tuple[Any, AsyncClient]) -> Gateway:
    gateway: Gateway = app_and_client[0].state.gateway
    return gateway


async def _status(db: AsyncSession, case_id: str) -> tuple[ConsultationStatus, AbandonReason | None]:
    db.expire_all()
    case = await db.scalar(select(Consultation).where(Consultation.public_id == case_id))
    assert case is not None
    return case.status, case.abandon_reason


async def _counselor_id(db: AsyncSession) -> int:
    found = await db.scalar(select(StaffUser.id).where(StaffUser.username == "counselor"))
    assert found is not None
    return found


async def _present(gateway: Gateway, clock: ControlledClock, member: str, pool: str) -> None:
    """A console connected and available: a socket of its own that the test keeps beating."""
    tracker = gateway.interpreters if pool == "interpreter" else gateway.counselors
    tracker.connect(member, f"console-{pool}-{member}", clock.now())
    tracker.set_state(f"console-{pool}-{member}", "available", clock.now())


def _beat(gateway: Gateway, clock: ControlledClock, *members: tuple[str, str]) -> None:
    for pool, member in members:
        tracker = gateway.interpreters if pool == "interpreter" else gateway.counselors
        assert tracker.touch(f"console-{pool}-{member}", clock.now())


async def _nepali_offered(
    client: AsyncClient,
    auth: dict[str, dict[str, str]],
    db: AsyncSession,
    gateway: Gateway,
    clock: ControlledClock,
) -> tuple[str, int, int]:
    interpreter_id = await _link_interpreter(db)
    counselor_id = await _counselor_id(db)
    for who in ("counselor", "interpreter"):
        assert (
            await client.post("/api/v1/presence", json={"state": "available"}, headers=auth[who])
        ).status_code == 204
    await _present(gateway, clock, str(interpreter_id), "interpreter")
    await _present(gateway, clock, str(counselor_id), "counselor")
    created = await client.post(
        "/api/v1/consultations",
        json=NEPALI_AT_SOJA,
        headers={**auth["soja_device"], "Idempotency-Key": f"truth-{clock.now().timestamp()}"},
    )
    assert created.status_code == 201, created.text
    assert created.json()["status"] == "offered"
    return created.json()["id"], interpreter_id, counselor_id


# -- residents who leave are let go -------------------------------------------------------------------------


async def test_ghost__abandoned_after_the_grace_and_its_offer_withdrawn(
    app_and_client: tuple[Any, AsyncClient],
    auth: dict[str, dict[str, str]],
    db: AsyncSession,
    clock: ControlledClock,
) -> None:
    client, gateway = app_and_client[1], _gateway(app_and_client)
    case_id, interpreter_id, counselor_id = await _nepali_offered(client, auth, db, gateway, clock)
    members = (("interpreter", str(interpreter_id)), ("counselor", str(counselor_id)))
    gateway.watch("tablet-socket", case_id, clock.now())
    await gateway.disconnected("tablet-socket", clock.now())  # the page was closed

    for _ in range(GONE_S // 10):
        clock.advance(10)
        _beat(gateway, clock, *members)
        await gateway.sweep(clock.now())
    assert await _status(db, case_id) == (ConsultationStatus.offered, None)  # exactly the grace: kept

    clock.advance(1)
    _beat(gateway, clock, *members)
    await gateway.sweep(clock.now())
    assert await _status(db, case_id) == (ConsultationStatus.abandoned, AbandonReason.resident_left)
    ended = (
        await db.scalars(
            select(RoutingDecision.payload).where(
                RoutingDecision.request_id == case_id, RoutingDecision.kind == "OfferEnded"
            )
        )
    ).all()
    assert [p["reason"] for p in ended] == ["request_closed"]
    queue = (await client.get("/api/v1/queue", headers=auth["counselor"])).json()
    assert queue["offers"] == [] and queue["queue"] == []


async def test_ghost__a_resident_who_comes_back_in_time_is_kept(
    app_and_client: tuple[Any, AsyncClient],
    auth: dict[str, dict[str, str]],
    db: AsyncSession,
    clock: ControlledClock,
) -> None:
    client, gateway = app_and_client[1], _gateway(app_and_client)
    case_id, interpreter_id, counselor_id = await _nepali_offered(client, auth, db, gateway, clock)
    gateway.watch("phone-tab-1", case_id, clock.now())
    await gateway.disconnected("phone-tab-1", clock.now())
    clock.advance(GONE_S - 5)
    gateway.watch("phone-tab-2", case_id, clock.now())  # the reload's new socket watches again
    _beat(gateway, clock, ("interpreter", str(interpreter_id)), ("counselor", str(counselor_id)))
    clock.advance(10)
    await gateway.sweep(clock.now())
    assert (await _status(db, case_id))[0] is ConsultationStatus.offered


async def test_heartbeating_watcher__never_abandoned_and_a_silent_one_is(
    app_and_client: tuple[Any, AsyncClient],
    auth: dict[str, dict[str, str]],
    db: AsyncSession,
    clock: ControlledClock,
) -> None:
    client, gateway = app_and_client[1], _gateway(app_and_client)
    created = await client.post(  # Thai: nobody online, the case waits in the queue
        "/api/v1/consultations",
        json={"channel": "counter", "language": "th"},
        headers={**auth["desk_device"], "Idempotency-Key": "truth-th-0001"},
    )
    assert created.status_code == 201, created.text
    case_id = created.json()["id"]
    gateway.watch("tablet", case_id, clock.now())
    for _ in range(60):  # ten minutes of heartbeats every ten seconds
        clock.advance(10)
        gateway.alive("tablet", clock.now())
        await gateway.sweep(clock.now())
    assert (await _status(db, case_id))[0] in (ConsultationStatus.requested, ConsultationStatus.queued)
    assert (await _status(db, case_id))[1] is None
    # the socket stays open but goes silent (a frozen tab): after the heartbeat timeout and the grace
    clock.advance(HEARTBEAT_S + GONE_S)
    await gateway.sweep(clock.now())
    assert (await _status(db, case_id))[1] is None
    clock.advance(1)
    await gateway.sweep(clock.now())
    assert await _status(db, case_id) == (ConsultationStatus.abandoned, AbandonReason.resident_left)


# -- staff take a case off the queue -------------------------------------------------------------------------


async def test_staff_removal__audited_counted_apart_and_refused_to_tablets(
    app_and_client: tuple[Any, AsyncClient],
    auth: dict[str, dict[str, str]],
    db: AsyncSession,
    clock: ControlledClock,
) -> None:
    client, gateway = app_and_client[1], _gateway(app_and_client)
    ids = []
    for n in range(3):
        created = await client.post(
            "/api/v1/consultations",
            json={"channel": "counter", "language": "th"},
            headers={**auth["desk_device"], "Idempotency-Key": f"truth-remove-{n}"},
        )
        assert created.status_code == 201, created.text
        ids.append(created.json()["id"])
    url = f"/api/v1/consultations/{ids[0]}/remove"
    assert (await client.post(url, json={"reason": "x"}, headers=auth["desk_device"])).status_code == 403
    blank = await client.post(url, json={"reason": "   "}, headers=auth["counselor"])
    assert blank.status_code == 422 and "reason" in blank.text
    removed = await client.post(url, json={"reason": "resident went home"}, headers=auth["desk_staff"])
    assert removed.status_code == 204, removed.text
    assert (await client.post(url, json={"reason": "again"}, headers=auth["counselor"])).status_code == 409
    assert await _status(db, ids[0]) == (ConsultationStatus.abandoned, AbandonReason.staff_removed)
    audit = (
        await db.scalars(select(AuditEvent).where(AuditEvent.action == "consultation.removed_from_queue"))
    ).all()
    assert [(a.entity_id, a.detail) for a in audit] == [(ids[0], {"reason": "resident went home"})]

    gateway.watch("tablet", ids[1], clock.now())  # the second resident walks away
    await gateway.disconnected("tablet", clock.now())
    clock.advance(GONE_S + 1)
    await gateway.sweep(clock.now())

    report = await client.get(
        "/api/v1/reports/service", params={"from": "2026-11", "to": "2026-11"}, headers=auth["admin"]
    )
    assert report.status_code == 200, report.text
    (month,) = [m for m in report.json()["months"] if m["month"] == "2026-11"]
    assert (month["cases"], month["abandoned"]) == (3, 2)
    assert (month["abandoned_resident_left"], month["abandoned_staff_removed"]) == (1, 1)


# -- presence is what is connected --------------------------------------------------------------------------


async def test_rest_presence_without_a_socket__lapses_and_gets_no_offer(
    app_and_client: tuple[Any, AsyncClient],
    auth: dict[str, dict[str, str]],
    db: AsyncSession,
    clock: ControlledClock,
) -> None:
    client, gateway = app_and_client[1], _gateway(app_and_client)
    await _link_interpreter(db)
    for who in ("counselor", "interpreter"):
        await client.post("/api/v1/presence", json={"state": "available"}, headers=auth[who])
    clock.advance(HEARTBEAT_S + 1)
    await gateway.sweep(clock.now())
    created = await client.post(
        "/api/v1/consultations",
        json=NEPALI_AT_SOJA,
        headers={**auth["soja_device"], "Idempotency-Key": "truth-lapse-1"},
    )
    assert created.json()["status"] != "offered"
    queue = (await client.get("/api/v1/queue", headers=auth["counselor"])).json()
    assert queue["offers"] == []
    assert {i["state"] for i in queue["interpreters"]} == {"offline"}


async def _join(gateway: Gateway, connection_id: str, case_id: str, participant: str, role: str) -> None:
    room = await gateway.signaling.registry.get(case_id)
    assert room is not None
    secret = gateway.desk._settings.room_secret
    now = gateway.desk.clock.now()
    invite = make_invite(secret, room, participant, role, now, ttl_s=300)  # type: ignore[arg-type]
    await gateway.room_frame(
        connection_id, RoomJoin(room_id=room.room_id, token=invite.token), now, participant
    )


async def _in_call(
    client: AsyncClient,
    auth: dict[str, dict[str, str]],
    db: AsyncSession,
    gateway: Gateway,
    clock: ControlledClock,
) -> tuple[str, int, int]:
    case_id, interpreter_id, counselor_id = await _nepali_offered(client, auth, db, gateway, clock)
    queue = (await client.get("/api/v1/queue", headers=auth["counselor"])).json()
    (offer,) = queue["offers"]
    from datetime import datetime

    deadline = int(datetime.fromisoformat(offer["deadline"]).timestamp())
    accepted = await client.post(
        f"/api/v1/offers/{case_id}.{interpreter_id}.{deadline}/accept", headers=auth["interpreter"]
    )
    assert accepted.status_code == 204, accepted.text
    await _join(gateway, f"console-counselor-{counselor_id}", case_id, f"staff-{counselor_id}", "counselor")
    await _join(
        gateway, f"console-interpreter-{interpreter_id}", case_id, f"interp-{interpreter_id}", "interpreter"
    )
    room = await gateway.signaling.registry.get(case_id)
    assert room is not None and len(room.participants) == 2
    return case_id, interpreter_id, counselor_id


async def test_reload_mid_call__the_interpreter_stays_the_calls_member(
    app_and_client: tuple[Any, AsyncClient],
    auth: dict[str, dict[str, str]],
    db: AsyncSession,
    clock: ControlledClock,
) -> None:
    client, gateway = app_and_client[1], _gateway(app_and_client)
    case_id, interpreter_id, counselor_id = await _in_call(client, auth, db, gateway, clock)
    await gateway.disconnected(f"console-interpreter-{interpreter_id}", clock.now())  # page reload
    clock.advance(REJOIN_S - 2)
    _beat(gateway, clock, ("counselor", str(counselor_id)))
    await gateway.sweep(clock.now())
    (call,) = (await client.get("/api/v1/queue", headers=auth["counselor"])).json()["calls"]
    assert call["interpreter_id"] == str(interpreter_id)  # still theirs, nobody else rung
    reconnected = gateway.interpreters.connect(str(interpreter_id), "console-again", clock.now())
    assert reconnected.resumed and reconnected.state == "available"
    frames = await gateway.desk.resume(interpreter_id=str(interpreter_id))
    assert any('"room.invite"' in frame and case_id in frame for frame in frames)  # the same room
    await _join(gateway, "console-again", case_id, f"interp-{interpreter_id}", "interpreter")
    for _ in range(6):
        clock.advance(10)
        _beat(gateway, clock, ("counselor", str(counselor_id)))
        assert gateway.interpreters.touch("console-again", clock.now())
        await gateway.sweep(clock.now())
    queue = (await client.get("/api/v1/queue", headers=auth["counselor"])).json()
    assert [c["interpreter_id"] for c in queue["calls"]] == [str(interpreter_id)]
    assert queue["queue"] == [] and queue["offers"] == []
    (me,) = [i for i in queue["interpreters"] if i["interpreter_id"] == str(interpreter_id)]
    assert me["state"] == "busy"


async def test_reload_mid_call__after_the_grace_the_case_is_re_offered(
    app_and_client: tuple[Any, AsyncClient],
    auth: dict[str, dict[str, str]],
    db: AsyncSession,
    clock: ControlledClock,
) -> None:
    client, gateway = app_and_client[1], _gateway(app_and_client)
    case_id, interpreter_id, counselor_id = await _in_call(client, auth, db, gateway, clock)
    await gateway.disconnected(f"console-interpreter-{interpreter_id}", clock.now())
    for _ in range(REJOIN_S // 10 + 1):
        clock.advance(10)
        _beat(gateway, clock, ("counselor", str(counselor_id)))
        await gateway.sweep(clock.now())
    queue = (await client.get("/api/v1/queue", headers=auth["counselor"])).json()
    (call,) = queue["calls"]
    assert call["interpreter_id"] is None and call["awaiting_interpreter"]
    assert [e["request_id"] for e in queue["queue"] if e["reoffer"]] == [case_id]


# -- wrap-up -------------------------------------------------------------------------------------------------


async def _english_call(
    client: AsyncClient,
    auth: dict[str, dict[str, str]],
    db: AsyncSession,
    gateway: Gateway,
    clock: ControlledClock,
) -> tuple[str, str, int]:
    counselor_id = await _counselor_id(db)
    await client.post("/api/v1/presence", json={"state": "available"}, headers=auth["counselor"])
    await _present(gateway, clock, str(counselor_id), "counselor")
    ids = []
    for n in range(2):
        created = await client.post(
            "/api/v1/consultations",
            json={"channel": "counter", "language": "en"},
            headers={**auth["desk_device"], "Idempotency-Key": f"truth-wrap-{n}"},
        )
        assert created.status_code == 201, created.text
        ids.append(created.json()["id"])
    ended = await client.post(f"/api/v1/consultations/{ids[0]}/end", headers=auth["counselor"])
    assert ended.status_code == 204, ended.text
    return ids[0], ids[1], counselor_id


async def test_wrap_up__no_case_until_the_record_is_saved(
    app_and_client: tuple[Any, AsyncClient],
    auth: dict[str, dict[str, str]],
    db: AsyncSession,
    clock: ControlledClock,
) -> None:
    client, gateway = app_and_client[1], _gateway(app_and_client)
    first, second, counselor_id = await _english_call(client, auth, db, gateway, clock)
    queue = (await client.get("/api/v1/queue", headers=auth["counselor"])).json()
    (me,) = [c for c in queue["counselors"] if c["counselor_id"] == str(counselor_id)]
    assert me["state"] == "wrap_up" and me["wrap_up_until"]
    clock.advance(WRAP_UP_S - 10)
    _beat(gateway, clock, ("counselor", str(counselor_id)))
    await gateway.desk.submit(Tick(at=clock.now()))
    assert (await _status(db, second))[0] is ConsultationStatus.queued
    saved = await client.patch(
        f"/api/v1/consultations/{first}/record", json={"outcome": "resolved"}, headers=auth["counselor"]
    )
    assert saved.status_code == 200, saved.text
    assert (await _status(db, second))[0] is ConsultationStatus.connected


async def test_wrap_up__ends_at_the_limit(
    app_and_client: tuple[Any, AsyncClient],
    auth: dict[str, dict[str, str]],
    db: AsyncSession,
    clock: ControlledClock,
) -> None:
    client, gateway = app_and_client[1], _gateway(app_and_client)
    _first, second, counselor_id = await _english_call(client, auth, db, gateway, clock)
    for _ in range(WRAP_UP_S // 10 - 1):
        clock.advance(10)
        _beat(gateway, clock, ("counselor", str(counselor_id)))
        await gateway.desk.submit(Tick(at=clock.now()))
    assert (await _status(db, second))[0] is ConsultationStatus.queued
    clock.advance(10)
    await gateway.desk.submit(Tick(at=clock.now()))
    assert (await _status(db, second))[0] is ConsultationStatus.connected


def test_topics_are_what_the_tests_assume() -> None:
    assert topics.counselor_participant(7) == "staff-7"
    assert topics.interpreter_participant(7) == "interp-7"
