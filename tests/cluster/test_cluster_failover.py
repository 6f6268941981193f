"""Three `madoguchi serve` processes on one PostgreSQL database: one leads routing, the others follow; kill -9
the leader and another takes the lease and goes on from the journal with nobody lost or doubled.

Each test has its own database. The processes' clocks start where a real clock shared by all would be
(MADOGUCHI_CLOCK_START moved on by the time since the test began), as processes on synchronised hosts.
"""

from __future__ import annotations

import asyncio
import contextlib
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
from tests.conftest import ALL_DAYS, NO_CLOSURES, PASSWORD, POSTGRES_ADMIN_URL, TEST_NOW, need_postgres

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
        self.extra: dict[str, str] = {}  # settings of this test's own, on every process it starts

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
            **self.extra,
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


def _until(check: Any, what: str, within_s: float = 20.0, explain: Any = None) -> Any:
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
    raise AssertionError(f"never: {what}" + (f" ({explain()})" if explain else ""))


def _differences(expected: dict[str, Any], found: dict[str, Any]) -> str:
    return "; ".join(
        f"{key}: {expected[key]} != {found.get(key)}" for key in expected if expected[key] != found.get(key)
    )


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


async def _prepare_desk(url: str) -> str:
    """Counselors "cns" and "cns2", interpreters "itp" (Nepali) and "itp2" (Portuguese), a Soja tablet."""
    from sqlalchemy import select

    from app.auth.service import register_device
    from app.db import create_sessionmaker
    from app.enums import Role
    from app.geography.models import Site
    from app.interpreter.models import Interpreter
    from app.language.models import Language
    from app.staff.service import create_user

    engine = create_engine(url)
    try:
        async with create_sessionmaker(engine)() as session:
            for counselor in ("cns", "cns2"):
                await create_user(
                    session, username=counselor, password=PASSWORD, role=Role.counselor, language_codes=["ja"]
                )
            for username, name, code in (("itp", "Sita", "ne"), ("itp2", "Ana", "pt")):
                user = await create_user(session, username=username, password=PASSWORD, role=Role.interpreter)
                speaks = list((await session.scalars(select(Language).where(Language.code == code))).all())
                session.add(
                    Interpreter(display_name=name, vendor="A", staff_user_id=user.id, languages=speaks)
                )
            site = await session.scalar(select(Site).where(Site.code == "soja-counter"))
            assert site is not None
            token, _ = await register_device(session, site.id, "soja tablet")
            await session.commit()
            return token
    finally:
        await engine.dispose()


SDP = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
ICE = "candidate:1 1 udp 2122260223 192.0.2.10 54400 typ host"


async def _signal(ws: Any, kind: str, room_id: str, to: str) -> None:
    frame: dict[str, Any] = {"type": f"signal.{kind}", "room_id": room_id, "to": to}
    if kind == "ice":
        frame.update(candidate=ICE, sdpMid="0")
    else:
        frame["sdp"] = SDP
    await ws.send(json.dumps(frame))


async def _join_room(ws: Any, invite: dict[str, Any]) -> dict[str, Any]:
    await ws.send(json.dumps({"type": "room.join", "room_id": invite["room_id"], "token": invite["token"]}))
    return await _frame(ws, "room.joined")


async def _keep_alive(sockets: list[Any]) -> None:
    """Consoles send heartbeats; a socket closed meanwhile (its process killed) is left alone."""
    while True:
        await asyncio.sleep(2)
        for ws in sockets:
            with contextlib.suppress(websockets.ConnectionClosed):
                await ws.send(json.dumps({"type": "heartbeat"}))


def _desk_view(base: str, headers: dict[str, str]) -> dict[str, Any]:
    """What every process must agree on: the live desk without its read instant (each read model's own)."""
    return {key: value for key, value in _full(base, headers).items() if key != "at"}


def test_one_call_across_three_processes__signaling_crosses_and_survives_the_leader_killed(
    cluster: Cluster,
) -> None:
    """Interpreter on A, counselor on B, tablet intake through C: rung, accepted, one room, every signaling
    frame crossing processes; /api/v1/queue the same on all three. Then kill -9 the leader (A, the
    interpreter's process) with five queued, one offer ringing and that call in progress: another process
    leads with the same queue, never two interpreters ringing for one case, and the interpreter reconnects
    to another process, rejoins the room and signals again. A restarted A follows without errors."""
    device = asyncio.run(_prepare_desk(cluster.url))
    policy = {**json.loads(NO_CLOSURES), "offers": {"timeout_s": 900}}  # the ringing offer outlives the test
    cluster.extra = {
        "MADOGUCHI_ROUTING_POLICY_JSON": json.dumps(policy),
        "MADOGUCHI_HEARTBEAT_TIMEOUT_SECONDS": "60",
    }
    for node in ("a", "b", "c"):
        cluster.start(node)
    assert [cluster.role(node) for node in ("a", "b", "c")] == ["leader", "follower", "follower"]
    ws_of = {node: cluster.base(node).replace("http", "ws") + "/ws" for node in ("a", "b", "c")}
    tablet_auth = {"Authorization": f"Bearer {device}"}

    async def scenario() -> None:
        async with httpx.AsyncClient(timeout=10) as http:
            cookies = {}
            for username in ("cns", "cns2", "itp", "itp2"):
                login = await http.post(
                    f"{cluster.base('a')}/api/v1/auth/login",
                    json={"username": username, "password": PASSWORD},
                )
                assert login.status_code == 200, login.text
                cookies[username] = {"Cookie": f"madoguchi_session={login.cookies['madoguchi_session']}"}

            async def intake(node: str, language: str, key: str) -> str:
                created = await http.post(
                    f"{cluster.base(node)}/api/v1/consultations",
                    json={"channel": "satellite", "language": language},
                    headers={**tablet_auth, "Idempotency-Key": key},
                )
                assert created.status_code == 201, created.text
                return str(created.json()["id"])

            async with (
                websockets.connect(ws_of["a"], additional_headers=cookies["itp"]) as interp,
                websockets.connect(ws_of["b"], additional_headers=cookies["cns"]) as counselor,
                websockets.connect(ws_of["c"]) as tablet,
                websockets.connect(ws_of["c"], additional_headers=cookies["itp2"]) as ringing,
                websockets.connect(ws_of["b"], additional_headers=cookies["cns2"]) as holding,
            ):
                beat = asyncio.create_task(_keep_alive([interp, counselor, tablet, ringing, holding]))
                try:
                    await _call_then_failover(interp, counselor, tablet, ringing, holding, intake, cookies)
                finally:
                    beat.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await beat

    async def _call_then_failover(
        interp: Any, counselor: Any, tablet: Any, ringing: Any, holding: Any, intake: Any, cookies: Any
    ) -> None:
        assert (await _frame(interp, "hello"))["role"] == "interpreter"
        assert (await _frame(counselor, "hello"))["role"] == "counselor"
        await _frame(tablet, "hello")
        await tablet.send(json.dumps({"type": "hello", "token": device}))
        assert (await _frame(tablet, "hello"))["role"] == "device"
        seq = int(cluster.readiness("a")["last_event_seq"])
        await counselor.send(json.dumps({"type": "presence", "state": "available"}))  # B forwards to A
        await interp.send(json.dumps({"type": "presence", "state": "available"}))
        _until(lambda: int(cluster.readiness("a")["last_event_seq"]) >= seq + 2, "both present")

        case_id = await intake("c", "ne", "cluster-call-0001")  # through C, routed by A
        await tablet.send(json.dumps({"type": "watch", "consultation_id": case_id}))
        offer = await _frame(interp, "offer")
        assert offer["consultation_id"] == case_id
        await interp.send(json.dumps({"type": "offer.accept", "offer_id": offer["offer_id"]}))
        invites = {name: await _frame(ws, "room.invite") for name, ws in (("i", interp), ("c", counselor))}
        invites["t"] = await _frame(tablet, "room.invite")
        assert {invite["role"] for invite in invites.values()} == {
            "interpreter",
            "counselor",
            "counter_tablet",
        }
        room_id = invites["i"]["room_id"]
        assert {invite["room_id"] for invite in invites.values()} == {room_id}  # all three, one room

        # each joins through its own process; the room is the same one on all three
        me = {
            name: (await _join_room(ws, invites[name]))["participant_id"]
            for name, ws in (("i", interp), ("c", counselor), ("t", tablet))
        }
        # B's and C's joins are told on A (two processes publish them: no fixed order between them)
        joined = {(await _frame(interp, "room.peer_joined"))["participant_id"] for _ in range(2)}
        assert joined == {me["c"], me["t"]}
        # signaling frames cross processes: A's member offers to B's and C's; they answer and trickle back
        await _signal(interp, "offer", room_id, me["c"])
        await _signal(interp, "offer", room_id, me["t"])
        for ws in (counselor, tablet):
            relayed = await _frame(ws, "signal.offer")
            assert relayed["from"] == me["i"] and relayed["sdp"] == SDP
        await _signal(counselor, "answer", room_id, me["i"])
        assert (await _frame(interp, "signal.answer"))["from"] == me["c"]
        await _signal(tablet, "ice", room_id, me["i"])
        ice = await _frame(interp, "signal.ice")
        assert ice["from"] == me["t"] and ice["candidate"] == ICE

        # one offer ringing (Portuguese, interpreter on C, the counselor it holds on B) and five queued
        seq = int(cluster.readiness("a")["last_event_seq"])
        await ringing.send(json.dumps({"type": "presence", "state": "available"}))
        await holding.send(json.dumps({"type": "presence", "state": "available"}))
        _until(lambda: int(cluster.readiness("a")["last_event_seq"]) >= seq + 2, "both present")
        rung = await intake("c", "pt", "cluster-call-0002")
        _until(
            lambda: (
                [o["request_id"] for o in _desk_view(cluster.base("a"), cookies["cns"])["offers"]] == [rung]
            ),
            f"an offer rings for {rung}: {_desk_view(cluster.base('a'), cookies['cns'])}",
        )
        rung_offer = await _frame(ringing, "offer")
        assert rung_offer["consultation_id"] == rung
        queued = [
            await intake("bc"[n % 2], ("en", "zh", "vi")[n % 3], f"cluster-call-1{n:03d}") for n in range(5)
        ]
        before = _until(
            lambda: (
                (view := _desk_view(cluster.base("a"), cookies["cns"]))
                and len(view["queue"]) == 6
                and len(view["offers"]) == 1
                and view
            ),
            "five queued and one ringing on the leader",
        )
        assert {e["request_id"] for e in before["queue"] if e["state"] == "waiting"} == set(queued)
        assert [o["request_id"] for o in before["offers"]] == [rung]
        assert [c["request_id"] for c in before["calls"]] == [case_id]
        for node in ("b", "c"):  # /api/v1/queue agrees on every process
            _until(
                lambda node=node: _desk_view(cluster.base(node), cookies["cns"]) == before,
                f"{node} agrees",
                explain=lambda node=node: _differences(
                    before, _desk_view(cluster.base(node), cookies["cns"])
                ),
            )

        cluster.kill("a")  # kill -9 the leader, and the interpreter's process with it
        new_leader = _until(
            lambda: next((n for n in ("b", "c") if cluster.role(n) == "leader"), None), "a new leader"
        )
        assert cluster.readiness(new_leader)["lease_epoch"] == 2
        for node in ("b", "c"):
            view = _desk_view(cluster.base(node), cookies["cns"])
            order = [(e["request_id"], e["position"], e["waiting_since"]) for e in view["queue"]]
            assert order == [(e["request_id"], e["position"], e["waiting_since"]) for e in before["queue"]]
            ringing_for_case = [o for o in view["offers"] if o["request_id"] == rung]
            assert len(ringing_for_case) <= 1  # never two interpreters ringing for one case
            assert all(o["interpreter_id"] == before["offers"][0]["interpreter_id"] for o in ringing_for_case)
            assert view["calls"] == before["calls"]  # the call goes on

        # the interpreter's console reconnects to another process: its invitation, the same room, signals
        async with websockets.connect(ws_of[new_leader], additional_headers=cookies["itp"]) as back:
            again = await _frame(back, "room.invite")
            assert again["room_id"] == room_id
            rejoined = await _join_room(back, again)
            assert sorted(peer["participant_id"] for peer in rejoined["peers"]) == sorted([me["c"], me["t"]])
            told = await _frame(counselor, "room.peer_joined")
            if told["participant_id"] == me["t"]:  # the tablet's join, told before the kill
                told = await _frame(counselor, "room.peer_joined")
            assert told["participant_id"] == me["i"] and told["rejoined"] is True
            await _signal(back, "offer", room_id, me["c"])  # the renegotiation reaches B
            assert (await _frame(counselor, "signal.offer"))["from"] == me["i"]
            await _signal(counselor, "answer", room_id, me["i"])
            assert (await _frame(back, "signal.answer"))["from"] == me["c"]

        # routing goes on: the ringing interpreter accepts and the case is assigned, once
        await ringing.send(json.dumps({"type": "offer.accept", "offer_id": rung_offer["offer_id"]}))
        assert (await _frame(holding, "room.invite"))["consultation_id"] == rung

        cluster.start("a")  # the killed process comes back: it follows and agrees
        assert cluster.role("a") == "follower"
        final = _until(
            lambda: (
                (view := _desk_view(cluster.base(new_leader), cookies["cns"]))
                and len(view["calls"]) == 2
                and view
            ),
            "two calls",
        )
        _until(lambda: _desk_view(cluster.base("a"), cookies["cns"]) == final, "the restarted process agrees")
        log = (cluster.workdir / "a.log").read_text()
        restarted = log[log.rindex("Started server process") :] if "Started server process" in log else log
        assert "Traceback" not in restarted and "startup failed" not in restarted

    asyncio.run(scenario())


def _full(base: str, headers: dict[str, str]) -> dict[str, Any]:
    """The whole live desk as a counselor sees it (queue, offers, calls)."""
    return dict(httpx.get(f"{base}/api/v1/queue", headers=headers, timeout=5).json())


def _calls(base: str, headers: dict[str, str]) -> list[str]:
    return [call["request_id"] for call in _full(base, headers)["calls"]]


def _states(base: str, headers: dict[str, str]) -> dict[str, str]:
    """Who is where on the desk: interpreters by the language they speak, counselors by id."""
    view = _full(base, headers)
    states = {",".join(i["languages"]): i["state"] for i in view["interpreters"]}
    return states | {f"counselor {c['counselor_id']}": c["state"] for c in view["counselors"]}


def test_presence_after_failover__members_of_the_surviving_process_stay_available(cluster: Cluster) -> None:
    """An interpreter and a counselor available on B, another interpreter available on A; kill -9 the
    leader A. B leads, rebuilt from the journal (which cannot know who is connected), and every process
    re-announces the members on its sockets: B's interpreter and counselor are available again without
    pressing anything and B's interpreter is rung for a new case; A's interpreter, whom nobody re-announces,
    stays away and is never rung."""
    device = asyncio.run(_prepare_desk(cluster.url))
    cluster.extra = {"MADOGUCHI_HEARTBEAT_TIMEOUT_SECONDS": "60"}  # nothing lapses by silence here
    for node in ("a", "b"):
        cluster.start(node)
    assert [cluster.role(node) for node in ("a", "b")] == ["leader", "follower"]
    ws_of = {node: cluster.base(node).replace("http", "ws") + "/ws" for node in ("a", "b")}

    async def scenario() -> None:
        async with httpx.AsyncClient(timeout=10) as http:
            cookies = {}
            for username in ("cns", "itp", "itp2"):
                login = await http.post(
                    f"{cluster.base('b')}/api/v1/auth/login",
                    json={"username": username, "password": PASSWORD},
                )
                assert login.status_code == 200, login.text
                cookies[username] = {"Cookie": f"madoguchi_session={login.cookies['madoguchi_session']}"}
            async with (
                websockets.connect(ws_of["b"], additional_headers=cookies["itp"]) as interp,
                websockets.connect(ws_of["b"], additional_headers=cookies["cns"]) as counselor,
                websockets.connect(ws_of["a"], additional_headers=cookies["itp2"]) as on_a,
            ):
                beat = asyncio.create_task(_keep_alive([interp, counselor, on_a]))
                try:
                    for ws in (interp, counselor, on_a):
                        await _frame(ws, "hello")
                        await ws.send(json.dumps({"type": "presence", "state": "available"}))
                    view = cookies["cns"]
                    present = _until(
                        lambda: (
                            (s := _states(cluster.base("b"), view))
                            and (s.get("ne"), s.get("pt")) == ("available", "available")
                            and "free" in s.values()
                            and s
                        ),
                        "all three available",
                        explain=lambda: _states(cluster.base("b"), view),
                    )
                    counselor_key = next(key for key in present if key.startswith("counselor"))

                    cluster.kill("a")  # kill -9: its interpreter's socket dies with it
                    _until(lambda: cluster.role("b") == "leader", "B takes the lease")
                    _until(
                        lambda: (
                            (s := _states(cluster.base("b"), view))
                            and s.get("ne") == "available"
                            and s.get(counselor_key) == "free"
                            and s
                        ),
                        "B's members are available again without pressing anything",
                        explain=lambda: _states(cluster.base("b"), view),
                    )
                    assert _states(cluster.base("b"), view)["pt"] != "available"  # nobody speaks for A's

                    opened, tablet = {}, {"Authorization": f"Bearer {device}"}
                    for language in ("ne", "pt"):
                        created = await http.post(
                            f"{cluster.base('b')}/api/v1/consultations",
                            json={"channel": "satellite", "language": language},
                            headers={**tablet, "Idempotency-Key": f"after-{language}"},
                        )
                        assert created.status_code == 201, created.text
                        opened[language] = created.json()["id"]
                    offer = await _frame(interp, "offer")  # rung, though it pressed nothing again
                    assert offer["consultation_id"] == opened["ne"]
                    offers = _full(cluster.base("b"), view)["offers"]
                    assert [o["request_id"] for o in offers] == [opened["ne"]]  # A's interpreter is not rung
                finally:
                    beat.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await beat

    asyncio.run(scenario())
