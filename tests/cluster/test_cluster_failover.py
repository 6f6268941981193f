"""Three `madoguchi serve` processes on one PostgreSQL database: one leads routing, the others follow; kill -9
the leader and another takes the lease and goes on from the journal with nobody lost or doubled.

Each test has its own database. The processes' clocks start where a real clock shared by all would be
(MADOGUCHI_CLOCK_START moved on by the time since the test began), as processes on synchronised hosts.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from sqlalchemy import text

from app.db import create_engine
from tests.browser_support import free_port
from tests.cluster.conftest import REDIS_URL
from tests.conftest import ALL_DAYS, NO_CLOSURES, POSTGRES_ADMIN_URL, TEST_NOW, need_postgres

pytestmark = [
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.redis,
]  # real processes: seconds, not milliseconds

LANGUAGES = ["en", "zh", "vi", "ne", "pt"]  # nobody of the pool is online: every case stays queued


def _admin(sql: str) -> None:
    async def run() -> None:
        engine = create_engine(POSTGRES_ADMIN_URL)
        try:
            async with engine.connect() as connection:
                await connection.execution_options(isolation_level="AUTOCOMMIT")
                await connection.execute(text(sql))
        finally:
            await engine.dispose()

    asyncio.run(run())


@pytest.fixture
def cluster_database() -> Iterator[str]:
    """A database of this test's own (created empty; the CLI migrates and seeds it)."""
    need_postgres()
    name = f"madoguchi_cluster_{uuid.uuid4().hex[:10]}"
    _admin(f'CREATE DATABASE "{name}"')
    try:
        yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Cluster:
    """The processes of one test, started on loopback ports; every one is ended when the test ends."""

    def __init__(self, url: str, workdir: Path) -> None:
        self.url, self.workdir = url, workdir
        self.began = time.monotonic()
        self.redis_prefix = f"test-{uuid.uuid4().hex[:10]}"  # channels of this test's own
        self.processes: dict[str, tuple[subprocess.Popen[str], int]] = {}

    def env(self, node: str | None = None) -> dict[str, str]:
        clock_start = TEST_NOW + timedelta(seconds=time.monotonic() - self.began)
        env = {
            **os.environ,
            "MADOGUCHI_MODE": "dev",
            "MADOGUCHI_DATABASE_URL": self.url,
            "MADOGUCHI_CLUSTER": "true",
            "MADOGUCHI_REDIS_URL": REDIS_URL,
            "MADOGUCHI_REDIS_PREFIX": self.redis_prefix,
            "MADOGUCHI_TIMEZONE": "Asia/Tokyo",
            "MADOGUCHI_CLOCK_START": clock_start.isoformat(),
            "MADOGUCHI_DESK_HOURS": "06:00-20:00",
            "MADOGUCHI_DESK_DAYS": ",".join(ALL_DAYS),
            "MADOGUCHI_VENDOR_HOURS": "06:00-20:00",
            "MADOGUCHI_VENDOR_DAYS": ",".join(ALL_DAYS),
            "MADOGUCHI_ROUTING_POLICY_JSON": NO_CLOSURES,
            "PYTHONUNBUFFERED": "1",
        }
        if node is not None:
            env["MADOGUCHI_NODE_ID"] = node
        return env

    def cli(self, *args: str, **extra: str) -> str:
        result = subprocess.run(  # noqa: S603 - our own CLI
            [sys.executable, "-m", "app.cli", *args],
            env={**self.env(), **extra},
            cwd=self.workdir,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        return result.stdout

    def start(self, node: str, port: int | None = None) -> str:
        port = port or free_port()
        with (self.workdir / f"{node}.log").open("a") as log:  # the child keeps its own descriptor
            process = subprocess.Popen(  # noqa: S603 - our own CLI
                [sys.executable, "-m", "app.cli", "serve", "--no-migrate", "--port", str(port)],
                env=self.env(node),
                cwd=self.workdir,
                stdout=log,
                stderr=subprocess.STDOUT,
                text=True,
            )
        self.processes[node] = (process, port)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base(node)}/readyz", timeout=2).status_code == 200:
                    return self.base(node)
            except httpx.TransportError:
                pass
            assert process.poll() is None, (self.workdir / f"{node}.log").read_text()
            time.sleep(0.2)
        raise AssertionError(f"{node} did not become ready")

    def base(self, node: str) -> str:
        return f"http://127.0.0.1:{self.processes[node][1]}"

    def kill(self, node: str) -> None:
        process, _port = self.processes[node]
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=20)

    def role(self, node: str) -> str:
        body = httpx.get(f"{self.base(node)}/readyz", timeout=5).json()
        return str(body["routing"]["role"])

    def readiness(self, node: str) -> dict[str, Any]:
        return dict(httpx.get(f"{self.base(node)}/readyz", timeout=5).json()["routing"])

    def stop_all(self) -> None:
        for process, _port in self.processes.values():
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()


@pytest.fixture
def cluster(cluster_database: str, redis_url: str, tmp_path: Path) -> Iterator[Cluster]:
    running = Cluster(cluster_database, tmp_path)
    running.cli("migrate")
    running.cli("seed")
    try:
        yield running
    finally:
        running.stop_all()


Entry = tuple[str, str, int, str]


def _queue(base: str, headers: dict[str, str]) -> list[Entry]:
    body = httpx.get(f"{base}/api/v1/queue", headers=headers, timeout=5).json()
    return [(e["request_id"], e["language"], e["position"], e["waiting_since"]) for e in body["queue"]]


def _until(check: Any, what: str, within_s: float = 20.0) -> Any:
    """Poll `check` until it returns something true (a liveness bound, not a timing claim)."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            found = check()
        except httpx.TransportError:
            found = None
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"never: {what}")


def _open(base: str, headers: dict[str, str], n: int) -> httpx.Response:
    return httpx.post(
        f"{base}/api/v1/consultations",
        json={"channel": "counter", "language": LANGUAGES[n % len(LANGUAGES)], "urgent": n == 3},
        headers={**headers, "Idempotency-Key": f"cluster-test-{n:04d}"},
        timeout=10,
    )


def test_failover__kill_the_leader_and_another_leads_with_the_same_queue(cluster: Cluster) -> None:
    token = (
        cluster.cli("register-device", "--site", "kurashiki-desk", "--name", "tablet")
        .strip()
        .splitlines()[-1]
    )
    headers = {"Authorization": f"Bearer {token}"}
    for node in ("a", "b", "c"):
        cluster.start(node)
    roles = {node: cluster.role(node) for node in ("a", "b", "c")}
    assert sorted(roles.values()) == ["follower", "follower", "leader"]  # one leader, whichever came first
    leader = next(node for node, role in roles.items() if role == "leader")
    followers = [node for node in roles if node != leader]

    ids = []
    for n in range(5):
        response = _open(cluster.base(leader), headers, n)
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    # a tablet's intake through a follower: stored there, routed by the leader (forwarded through Redis)
    through_follower = _open(cluster.base(followers[0]), headers, 5)
    assert through_follower.status_code == 201, through_follower.text
    assert through_follower.json()["id"] not in ids
    ids.append(through_follower.json()["id"])

    before = _until(
        lambda: (q := _queue(cluster.base(leader), headers)) and len(q) == 6 and q, "six queued on the leader"
    )
    assert sorted(entry[0] for entry in before) == sorted(ids)
    for node in followers:  # every process's /api/v1/queue agrees
        _until(lambda node=node: _queue(cluster.base(node), headers) == before, f"{node} agrees")

    cluster.kill(leader)  # kill -9: no clean shutdown, no lease released
    new_leader = _until(
        lambda: next((node for node in followers if cluster.role(node) == "leader"), None),
        "a follower takes the lease",
    )
    status = cluster.readiness(new_leader)
    assert status["lease_epoch"] == 2
    assert _queue(cluster.base(new_leader), headers) == before  # same order, positions and waits
    other = next(node for node in followers if node != new_leader)
    assert cluster.role(other) == "follower"

    # routing goes on: a new case through the new leader, and a retry of an old one is the same case
    fresh = _open(cluster.base(new_leader), headers, 6)
    assert fresh.status_code == 201, fresh.text
    again = _open(cluster.base(new_leader), headers, 0)
    assert again.status_code == 200 and again.json()["id"] == ids[0]
    after = _until(lambda: (q := _queue(cluster.base(new_leader), headers)) and len(q) == 7 and q, "seven")
    assert [entry for entry in after if entry[0] != fresh.json()["id"]] == before  # nothing lost or doubled
    _until(lambda: _queue(cluster.base(other), headers) == after, "the remaining follower agrees")

    # the old leader comes back (same name): it follows, and its reads agree
    cluster.start(leader)
    assert cluster.role(leader) == "follower"
    _until(lambda: _queue(cluster.base(leader), headers) == after, "the restarted process agrees")
    assert cluster.role(new_leader) == "leader"
    assert cluster.readiness(new_leader)["lease_epoch"] == 2


async def _signed_in(url: str, token: str) -> Any:
    ws = await websockets.connect(url)
    await _frame(ws, "hello")  # the welcome
    await ws.send(json.dumps({"type": "hello", "token": token}))
    signed = await _frame(ws, "hello")  # signed in: the socket hears the desk's topics from now on
    assert signed["role"] == "admin"
    return ws


async def _frame(ws: Any, kind: str, within_s: float = 10.0) -> dict[str, Any]:
    """The next frame of this type (others are skipped); a liveness bound, not a timing claim."""
    async with asyncio.timeout(within_s):
        while True:
            frame: dict[str, Any] = json.loads(await ws.recv())
            if frame["type"] == kind:
                return frame


def test_fanout__a_push_decided_by_the_leader_reaches_consoles_on_every_process(cluster: Cluster) -> None:
    token = (
        cluster.cli("register-device", "--site", "kurashiki-desk", "--name", "tablet")
        .strip()
        .splitlines()[-1]
    )
    cluster.cli(
        "create-user", "--username", "boss", "--role", "admin", MADOGUCHI_NEW_PASSWORD="a long passphrase"
    )
    admin = cluster.cli("create-api-token", "--username", "boss", "--name", "test").strip().splitlines()[-1]
    for node in ("a", "b", "c"):
        cluster.start(node)
    leader = next(node for node in ("a", "b", "c") if cluster.role(node) == "leader")

    async def scenario() -> None:
        sockets = {
            node: await _signed_in(cluster.base(node).replace("http", "ws") + "/ws", admin)
            for node in ("a", "b", "c")
        }
        try:
            async with httpx.AsyncClient() as http:
                response = await http.post(
                    f"{cluster.base(leader)}/api/v1/consultations",
                    json={"channel": "counter", "language": "en"},
                    headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "fanout-0001"},
                    timeout=10,
                )
            assert response.status_code == 201, response.text
            heard = [await _frame(sockets[node], "queue.changed") for node in ("a", "b", "c")]
            assert len({frame["at"] for frame in heard}) == 1  # the one decision, heard on every process
        finally:
            for ws in sockets.values():
                await ws.close()

    asyncio.run(scenario())


def test_routing_across_processes__interpreter_on_one_counselor_on_another_tablet_on_a_third(
    cluster: Cluster,
) -> None:
    """Every event through a follower (handed to the leader), every push crossing processes (Redis)."""
    from tests.live.test_live_websocket import PASSWORD, _prepare

    device = asyncio.run(_prepare(cluster.url))  # counselor "cns", interpreter "itp" (Nepali), a Soja tablet
    for node in ("a", "b", "c"):
        cluster.start(node)
    leader = next(node for node in ("a", "b", "c") if cluster.role(node) == "leader")
    followers = [node for node in ("a", "b", "c") if node != leader]
    on_interpreter, on_counselor = followers  # the tablet's intake and socket go through the counselor's too
    on_tablet = on_counselor

    async def scenario() -> None:
        async with httpx.AsyncClient(timeout=10) as http:
            cookies = {}
            for username in ("cns", "itp"):
                login = await http.post(
                    f"{cluster.base(leader)}/api/v1/auth/login",
                    json={"username": username, "password": PASSWORD},
                )
                assert login.status_code == 200, login.text
                cookies[username] = {"Cookie": f"madoguchi_session={login.cookies['madoguchi_session']}"}
            ws_of = {node: cluster.base(node).replace("http", "ws") + "/ws" for node in ("a", "b", "c")}
            async with (
                websockets.connect(ws_of[on_counselor], additional_headers=cookies["cns"]) as counselor,
                websockets.connect(ws_of[on_interpreter], additional_headers=cookies["itp"]) as interp,
                websockets.connect(ws_of[on_tablet]) as tablet,
            ):
                assert (await _frame(counselor, "hello"))["role"] == "counselor"
                assert (await _frame(interp, "hello"))["role"] == "interpreter"
                await _frame(tablet, "hello")
                await tablet.send(json.dumps({"type": "hello", "token": device}))
                assert (await _frame(tablet, "hello"))["role"] == "device"
                seq = int(cluster.readiness(leader)["last_event_seq"])
                await counselor.send(json.dumps({"type": "presence", "state": "available"}))
                await interp.send(json.dumps({"type": "presence", "state": "available"}))
                _until(lambda: int(cluster.readiness(leader)["last_event_seq"]) >= seq + 2, "both present")

                created = await http.post(
                    f"{cluster.base(on_tablet)}/api/v1/consultations",
                    json={"channel": "satellite", "language": "ne"},
                    headers={"Authorization": f"Bearer {device}", "Idempotency-Key": "cluster-ws-0001"},
                )
                assert created.status_code == 201, created.text
                case_id = created.json()["id"]
                await tablet.send(json.dumps({"type": "watch", "consultation_id": case_id}))
                offer = await _frame(interp, "offer")  # decided on the leader, rung on another process
                assert offer["consultation_id"] == case_id
                await interp.send(json.dumps({"type": "offer.accept", "offer_id": offer["offer_id"]}))
                invites = [await _frame(ws, "room.invite") for ws in (interp, counselor, tablet)]
                assert {invite["role"] for invite in invites} == {
                    "interpreter",
                    "counselor",
                    "counter_tablet",
                }
                assert len({invite["room_id"] for invite in invites}) == 1  # all three, one room
                # every process shows the one call, and no offer ringing
                for node in ("a", "b", "c"):
                    _until(lambda node=node: _calls(cluster.base(node), cookies["cns"]) == [case_id], node)
                calls_before = _full(cluster.base(leader), cookies["cns"])["calls"]

                # kill -9 the leader during the call: another takes over, and the call goes on
                cluster.kill(leader)
                new_leader = _until(
                    lambda: next((n for n in followers if cluster.role(n) == "leader"), None), "a new leader"
                )
                after = _full(cluster.base(new_leader), cookies["cns"])
                assert after["calls"] == calls_before and after["offers"] == [] and after["queue"] == []

    asyncio.run(scenario())


def _full(base: str, headers: dict[str, str]) -> dict[str, Any]:
    """The whole live desk as a counselor sees it (queue, offers, calls)."""
    return dict(httpx.get(f"{base}/api/v1/queue", headers=headers, timeout=5).json())


def _calls(base: str, headers: dict[str, str]) -> list[str]:
    return [call["request_id"] for call in _full(base, headers)["calls"]]
