"""After a restart: what was in progress waits for its console, the rest is let go at once.

Presence is what is connected (issue "a truthful desk") and a restart must not move any case (issue "the
routing journal"). So at a start, an idle interpreter is away at once (nothing is offered to them before
their console is back), while a ringing interpreter and the counselor its offer holds keep the offer for the
reconnect grace (the heartbeat timeout): back in time, the offer still rings; not back, they are let go and
the case waits again for someone who is there. In-process app starts on one database, frozen clock.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import ControlledClock
from app.config import Settings
from app.live.gateway import Gateway
from app.main import create_app
from tests.conftest import NO_CLOSURES, open_desk_settings, pinned_clock
from tests.reservation.reservation_support import add_interpreter

HEARTBEAT_S = 10


@pytest.fixture
def clock() -> ControlledClock:
    return pinned_clock(running=False)


@asynccontextmanager
async def serving(settings: Settings, clock: ControlledClock) -> AsyncIterator[tuple[Gateway, AsyncClient]]:
    app = create_app(settings, clock=clock)
    async with (
        app.router.lifespan_context(app),
        AsyncClient(transport=ASGITransport(app=app), base_url="http://testserver") as client,
    ):
        yield app.state.gateway, client


async def roster(client: AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    response = await client.get("/api/v1/queue", headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_restart__ringing_offer_kept_for_the_grace_idle_interpreter_away_at_once(
    database_url: str, db: AsyncSession, clock: ControlledClock, auth: dict[str, dict[str, str]]
) -> None:
    settings = open_desk_settings(
        database_url, heartbeat_timeout_seconds=HEARTBEAT_S, routing_policy_json=NO_CLOSURES
    )
    sita = await add_interpreter(db, "Sita", ("ne",), username="interpreter")
    idle = await add_interpreter(db, "Paulo", ("pt",), username="paulo")
    counselor = auth["counselor"]
    async with serving(settings, clock) as (gateway, client):
        await client.post("/api/v1/presence", json={"state": "available"}, headers=counselor)
        await client.post("/api/v1/presence", json={"state": "available"}, headers=auth["interpreter"])
        await gateway.interpreter_state(idle, "available", clock.now())
        created = await client.post(
            "/api/v1/consultations",
            json={"channel": "counter", "language": "ne"},
            headers={**auth["desk_device"], "Idempotency-Key": "reconnect-grace"},
        )
        assert created.status_code == 201, created.text
        case_id = created.json()["id"]
        before = await roster(client, counselor)
    assert [(o["request_id"], o["interpreter_id"]) for o in before["offers"]] == [(case_id, str(sita))]

    clock.advance(2)  # the restart
    async with serving(settings, clock) as (gateway, client):
        after = await roster(client, counselor)
        assert after["offers"] == before["offers"]  # still ringing, with the deadline it was announced with
        states = {i["interpreter_id"]: i["state"] for i in after["interpreters"]}
        assert states == {str(sita): "offered", str(idle): "away"}  # the idle one is not offered anything
        assert [c["state"] for c in after["counselors"]] == ["free"]  # held for the ringing offer

        clock.advance(HEARTBEAT_S + 1)  # nobody's console came back
        await gateway.sweep(clock.now())
        lapsed = await roster(client, counselor)
        assert lapsed["offers"] == []  # nobody rings for someone who has gone
        assert {i["interpreter_id"]: i["state"] for i in lapsed["interpreters"]}[str(sita)] in (
            "away",
            "offline",
        )
        assert [c["state"] for c in lapsed["counselors"]] == ["away"]
        assert [(e["request_id"], e["state"]) for e in lapsed["queue"]] == [(case_id, "waiting")]


async def test_restart__a_console_back_within_the_grace_keeps_its_offer(
    database_url: str, db: AsyncSession, clock: ControlledClock, auth: dict[str, dict[str, str]]
) -> None:
    settings = open_desk_settings(
        database_url, heartbeat_timeout_seconds=HEARTBEAT_S, routing_policy_json=NO_CLOSURES
    )
    sita = await add_interpreter(db, "Sita", ("ne",), username="interpreter")
    counselor = auth["counselor"]
    async with serving(settings, clock) as (_gateway, client):
        await client.post("/api/v1/presence", json={"state": "available"}, headers=counselor)
        await client.post("/api/v1/presence", json={"state": "available"}, headers=auth["interpreter"])
        created = await client.post(
            "/api/v1/consultations",
            json={"channel": "counter", "language": "ne"},
            headers={**auth["desk_device"], "Idempotency-Key": "reconnect-back"},
        )
        assert created.status_code == 201, created.text
        before = await roster(client, counselor)

    clock.advance(2)
    async with serving(settings, clock) as (gateway, client):
        member = gateway.interpreters
        member.connect(str(sita), "console-sita", clock.now())  # the console reconnects
        for counselor_member in [e.member_id for e in gateway.counselors.entries()]:
            gateway.counselors.connect(counselor_member, "console-counselor", clock.now())
        clock.advance(HEARTBEAT_S - 1)
        member.touch("console-sita", clock.now())
        gateway.counselors.touch("console-counselor", clock.now())
        clock.advance(2)  # past the start's grace, but the consoles are beating
        await gateway.sweep(clock.now())
        after = await roster(client, counselor)
        assert after["offers"] == before["offers"]
        assert {i["interpreter_id"]: i["state"] for i in after["interpreters"]} == {str(sita): "offered"}
