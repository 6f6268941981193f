"""One routing leader at a time: the PostgreSQL lease, its fencing epoch, and desks that lead or follow."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Any

import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.cluster.lease import Lease, LeaseHeldElsewhere, NotLeader
from app.cluster.models import RoutingLease
from app.db import create_engine, create_sessionmaker
from app.live.models import RoutingEvent
from app.main import create_app
from routing import CounselorPresent, OfferAccepted, RoutingConflict
from tests.cluster.conftest import REDIS_URL as REDIS
from tests.conftest import _async_run, _seed, _truncate_postgres, open_desk_settings, pinned_clock

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


TEST_RUN = uuid.uuid4().hex[:8]  # with the database's name: channels no other test run shares


@pytest.fixture(autouse=True)
def _redis_here(redis_url: str) -> None:
    """The clustered desks here fan out through Redis (skipped on a laptop without it, loud in CI)."""


@pytest.fixture
def pg_url(request: pytest.FixtureRequest) -> str:
    url: str = request.getfixturevalue("postgres_database")
    _async_run(_truncate_postgres(url))
    _async_run(_seed(url))
    return url


@pytest.fixture
def database_url(pg_url: str) -> str:
    """The shared fixtures (`db`, `auth`) on this module's PostgreSQL database only."""
    return pg_url


@pytest.fixture
async def sessionmaker(pg_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(pg_url)
    try:
        yield create_sessionmaker(engine)
    finally:
        await engine.dispose()


async def _expire(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """The holder's lease runs out (database time moves past it)."""
    async with sessionmaker() as session:
        await session.execute(
            update(RoutingLease).values(expires_at=func.now() - func.make_interval(0, 0, 0, 0, 0, 0, 1))
        )
        await session.commit()


async def test_lease__one_holder_at_a_time_and_every_new_holder_raises_the_epoch(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    a = Lease(sessionmaker, node_id="a", ttl_s=30)
    b = Lease(sessionmaker, node_id="b", ttl_s=30)
    assert await a.try_take() and a.epoch == 1
    assert not await b.try_take() and b.epoch is None  # A's lease runs
    assert await a.renew() and a.epoch == 1  # renewing keeps the epoch
    assert not await b.try_take()
    await _expire(sessionmaker)
    assert await b.try_take() and b.epoch == 2
    assert not await a.renew() and not a.held  # A learns it was deposed
    assert not await a.try_take()
    view = await b.view()
    assert view is not None and (view.node_id, view.epoch, view.expired) == ("b", 2, False)
    await b.release()  # a clean stop hands over at once
    assert await a.try_take() and a.epoch == 3


async def test_fence__a_deposed_leader_cannot_pass_it(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    a = Lease(sessionmaker, node_id="a", ttl_s=30)
    b = Lease(sessionmaker, node_id="b", ttl_s=30)
    assert await a.try_take()
    async with sessionmaker() as session:
        await a.fence(session)  # the holder passes
        await session.commit()
    await _expire(sessionmaker)
    assert await b.try_take()
    async with sessionmaker() as session:
        with pytest.raises(NotLeader):
            await a.fence(session)
    assert not a.held
    async with sessionmaker() as session:
        await b.fence(session)


async def test_fence__a_takeover_waits_for_the_journal_write_in_flight(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """The check and the write are one transaction: the new holder's epoch comes after the old one's write."""
    a = Lease(sessionmaker, node_id="a", ttl_s=30)
    b = Lease(sessionmaker, node_id="b", ttl_s=30)
    assert await a.try_take()
    await _expire(sessionmaker)  # A's lease ran out, but nobody took it yet: A still writes
    async with sessionmaker() as session:
        await a.fence(session)
        takeover = asyncio.create_task(b.try_take())
        await asyncio.sleep(0.3)
        assert not takeover.done()  # blocked on the row A's transaction holds
        await session.commit()
    assert await takeover and b.epoch == 2
    async with sessionmaker() as session:
        with pytest.raises(NotLeader):
            await a.fence(session)


class Process:
    """One in-process app on the shared database, as one `madoguchi serve` process would be."""

    def __init__(self, app: Any, client: AsyncClient) -> None:
        self.app, self.client = app, client

    @property
    def desk(self) -> Any:
        return self.app.state.desk

    async def role(self) -> str:
        body = (await self.client.get("/readyz")).json()
        return str(body["routing"]["role"])


async def _start(stack: AsyncExitStack, url: str, node: str, **overrides: object) -> Process:
    """`url` names this test's database; its Redis channels are named after it too (one desk, one prefix)."""
    # renewals far apart: the test drives every lease step itself (check_lease), nothing runs behind it
    values: dict[str, object] = {
        "cluster": True,
        "redis_url": REDIS,
        "redis_prefix": f"test-{url.rsplit('/', 1)[1]}-{TEST_RUN}",
        "node_id": node,
        "cluster_lease_seconds": 20,
        "cluster_renew_seconds": 10,
        **overrides,
    }
    app = create_app(open_desk_settings(url, **values), clock=pinned_clock(running=False))
    await stack.enter_async_context(app.router.lifespan_context(app))
    client = await stack.enter_async_context(
        AsyncClient(transport=ASGITransport(app=app), base_url="http://testserver")
    )
    return Process(app, client)


async def _journal(sessionmaker: async_sessionmaker[AsyncSession]) -> list[tuple[str, str | None]]:
    async with sessionmaker() as session:
        rows = await session.execute(
            select(RoutingEvent.kind, RoutingEvent.request_id).order_by(RoutingEvent.seq)
        )
        return [(kind, request_id) for kind, request_id in rows]


async def test_cluster__one_leads_one_follows_and_a_deposed_leader_cannot_write(
    pg_url: str, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    async with AsyncExitStack() as stack:
        a = await _start(stack, pg_url, "node-a")
        b = await _start(stack, pg_url, "node-b")
        assert (await a.role(), await b.role()) == ("leader", "follower")
        assert a.desk.lease.epoch == 1 and b.desk.lease.epoch is None

        # the follower applies nothing itself: it hands the event to the leader, which journals it once
        before = await _journal(sessionmaker)
        read_model = b.desk.engine
        await b.desk.submit(CounselorPresent(at=a.desk.engine.now, counselor_id="998"))
        assert await _journal(sessionmaker) == [*before, ("CounselorPresent", None)]
        assert a.desk.engine.snapshot() == b.desk.engine.snapshot()  # the follower's reads caught up
        assert b.desk.engine is read_model  # by applying the new event, not by a rebuild from the checkpoint
        await a.desk.submit(CounselorPresent(at=a.desk.engine.now, counselor_id="997"))  # on the leader
        await b.desk.check_lease()  # the follower's next lease step
        assert b.desk.engine is read_model and a.desk.engine.snapshot() == b.desk.engine.snapshot()
        assert b.desk.journal_status.last_seq == a.desk.journal_status.last_seq
        # a refusal by the leader comes back as the same conflict
        with pytest.raises(RoutingConflict):
            await b.desk.submit(OfferAccepted(at=a.desk.engine.now, request_id="nobody", interpreter_id="1"))
        assert len(await _journal(sessionmaker)) == len(before) + 2

        # A's lease runs out (A paused); B takes over on its next step and leads from the journal
        await _expire(sessionmaker)
        await b.desk.check_lease()
        assert await b.role() == "leader" and b.desk.lease.epoch == 2

        # A comes back still believing it leads: its journal write fails at the fence, it steps down
        assert a.desk.lease.held
        journal_before = await _journal(sessionmaker)
        with pytest.raises(NotLeader):
            await a.desk.submit(CounselorPresent(at=a.desk.engine.now, counselor_id="999"))
        assert await _journal(sessionmaker) == journal_before  # nothing of the deposed leader's was written
        assert await a.role() == "follower" and not a.desk.lease.held
        await a.desk.check_lease()  # B's lease runs: A stays a follower
        assert await a.role() == "follower"


async def test_not_a_cluster__a_second_process_on_postgresql_fails_at_start_saying_what_to_set(
    pg_url: str,
) -> None:
    async with AsyncExitStack() as stack:
        # the first renews its lease (twice a second) as a live process does; the second waits out one lease
        # (a process that died would have let it expire by then) and then refuses to be a second desk
        alone = {"cluster": False, "redis_url": None, "cluster_lease_seconds": 4}
        alone["cluster_renew_seconds"] = 0.5
        await _start(stack, pg_url, "first", **alone)
        with pytest.raises(LeaseHeldElsewhere, match="MADOGUCHI_CLUSTER=true") as raised:
            await _start(stack, pg_url, "second", **alone)
        assert "first" in str(raised.value) and "MADOGUCHI_REDIS_URL" in str(raised.value)


async def test_processes__the_admin_sees_who_leads_and_who_follows(
    pg_url: str, auth: dict[str, dict[str, str]]
) -> None:
    async with AsyncExitStack() as stack:
        a = await _start(stack, pg_url, "node-a")
        await _start(stack, pg_url, "node-b")
        response = await a.client.get("/api/v1/cluster/processes", headers=auth["admin"])
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["cluster"] is True and body["leader"] == "node-a" and body["lease_epoch"] == 1
        seen = {(p["node_id"], p["role"], p["alive"], p["this_process"]) for p in body["processes"]}
        assert seen == {("node-a", "leader", True, True), ("node-b", "follower", True, False)}
        refused = await a.client.get("/api/v1/cluster/processes", headers=auth["counselor"])
        assert refused.status_code == 403
