"""Call set-up figures on loopback, through the real app (uvicorn, websocket signaling, routing):

1. browser: three Chromium pages (tablet, interpreter, counselor; fake camera and microphone). From the
   interpreter's click on "accept" to the first remote video frame decoded (requestVideoFrameCallback) on
   each page, for each remote peer. Times are epoch milliseconds on one machine, so comparable across pages.
2. aiortc bots (realtime/testing/bot.py) play the three participants over the same websocket protocol
   (non-trickle SDP): from sending offer.accept to the interpreter bot's first decoded video frame from each
   of the other two.
3. offer push latency with N interpreters connected and available (real websockets with session cookies,
   heartbeats every 3 s): from POST /api/v1/consultations to the offer frame arriving on the offered
   interpreter's socket (each case is cancelled once offered: routing offers one case of a language queue at a
   time); plus the hub's in-process fan-out of one frame to N subscribers.

    python bench/call_setup_bench.py --runs 5 --interpreters 500
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
from sqlalchemy import select
from websockets.asyncio.client import ClientConnection, connect

from app import migrate
from app.auth.service import open_session
from app.db import create_engine, create_sessionmaker
from app.deps import SESSION_COOKIE
from app.enums import Role
from app.interpreter.models import Interpreter
from app.language.models import Language
from app.live.hub import Hub, Subscriber
from app.seed.service import seed_reference_data
from app.staff.service import create_user
from realtime.testing.bot import Bot
from tests.browser_support import CHROMIUM_ARGS, CHROMIUM_PATH, MEDIA_ARGS
from tests.calls.calls_support import COUNSELOR, INTERPRETERS, Desk, _arrange, desk_server, go_available
from tests.calls.calls_support import open_page as open_call_page
from tests.conftest import PASSWORD


def summary(values: list[float]) -> str:
    if not values:
        return "n/a"
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    median = statistics.median(ordered)
    return f"median {median:7.1f} ms  p95 {p95:7.1f}  max {ordered[-1]:7.1f}  (n={len(ordered)})"


def template_db(directory: Path) -> Path:
    path = directory / "template.db"
    url = f"sqlite+aiosqlite:///{path}"
    migrate.upgrade(url)

    async def seed() -> None:
        engine = create_engine(url)
        async with create_sessionmaker(engine)() as session:
            await seed_reference_data(session)
            await session.commit()
        await engine.dispose()

    asyncio.run(seed())
    return path


def fresh_desk(template: Path, directory: Path, n: int) -> Desk:
    path = directory / f"run{n}.db"
    path.write_bytes(template.read_bytes())
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, _arrange(f"sqlite+aiosqlite:///{path}", ("ne",))).result()


# --- 1. browser --------------------------------------------------------------------------------------------


def browser_runs(template: Path, directory: Path, runs: int) -> dict[str, list[float]]:
    from playwright.sync_api import sync_playwright

    out: dict[str, list[float]] = {"interpreter": [], "tablet": [], "counselor": [], "all": []}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM_PATH, headless=True, args=CHROMIUM_ARGS + MEDIA_ARGS
        )
        try:
            for n in range(runs):
                desk = fresh_desk(template, directory, n)
                with desk_server(desk) as server:
                    counselor = open_call_page(browser, server.url, "/counselor", COUNSELOR)
                    go_available(counselor)
                    interpreter = open_call_page(browser, server.url, "/interpreter", INTERPRETERS[0])
                    go_available(interpreter)
                    tablet = open_call_page(browser, server.url, "/tablet")
                    tablet.fill("#device-token", desk.device_token)
                    tablet.click("#save-token")
                    tablet.wait_for_selector("#link[data-state=open]")
                    tablet.click("button[data-language=ne]")
                    interpreter.wait_for_selector("#ring:not([hidden])", timeout=15_000)
                    interpreter.click("#accept")
                    pages = {"interpreter": interpreter, "tablet": tablet, "counselor": counselor}
                    for name, page in pages.items():
                        try:
                            page.wait_for_function(
                                "() => Object.keys(window.madoguchiCall.firstFrames()).length === 2",
                                timeout=15_000,
                            )
                        except Exception:
                            for other, p in pages.items():  # what each page saw, to find the cause
                                print(other, p.evaluate("() => window.madoguchiCall.firstFrames()"))
                                print(other, p.evaluate("() => window.madoguchiCall.stats()"))
                            raise SystemExit(f"run {n}: no first frame from 2 peers on {name}") from None
                    accepted = interpreter.evaluate("() => window.madoguchiCall.state.acceptedAt")
                    for name, page in pages.items():
                        frames = page.evaluate("() => window.madoguchiCall.firstFrames()")
                        for at in frames.values():
                            out[name].append(at - accepted)
                            out["all"].append(at - accepted)
                    for page in pages.values():
                        page.context.close()
        finally:
            browser.close()
    return out


# --- 2. aiortc bots ----------------------------------------------------------------------------------------


async def next_frame(ws: ClientConnection, kind: str, within_s: float = 15) -> dict[str, Any]:
    async with asyncio.timeout(within_s):
        while True:
            frame: dict[str, Any] = json.loads(await ws.recv())
            if frame["type"] == kind:
                return frame


async def login_cookie(base: str, username: str) -> str:
    async with httpx.AsyncClient(base_url=base) as client:
        response = await client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
        response.raise_for_status()
        return f"{SESSION_COOKIE}={client.cookies[SESSION_COOKIE]}"


async def bot_run(base: str, desk: Desk) -> list[float]:
    ws_url = base.replace("http", "ws") + "/ws"
    async with (
        connect(ws_url, additional_headers={"Cookie": await login_cookie(base, COUNSELOR)}) as counselor,
        connect(ws_url, additional_headers={"Cookie": await login_cookie(base, INTERPRETERS[0])}) as interp,
        connect(ws_url) as tablet,
    ):
        for ws in (counselor, interp, tablet):
            await next_frame(ws, "hello")
        await counselor.send(json.dumps({"type": "presence", "state": "available"}))
        await interp.send(json.dumps({"type": "presence", "state": "available"}))
        await tablet.send(json.dumps({"type": "hello", "token": desk.device_token}))
        await next_frame(tablet, "hello")
        await asyncio.sleep(0.2)
        async with httpx.AsyncClient(base_url=base) as client:
            created = await client.post(
                "/api/v1/consultations",
                json={"channel": "counter", "language": "ne"},
                headers={
                    "Authorization": f"Bearer {desk.device_token}",
                    "Idempotency-Key": os.urandom(8).hex(),
                },
            )
            created.raise_for_status()
        consultation_id = created.json()["id"]
        await tablet.send(json.dumps({"type": "watch", "consultation_id": consultation_id}))
        await next_frame(tablet, "watching")
        offer = await next_frame(interp, "offer")

        bots: list[Bot] = []

        async def answerer(ws: ClientConnection, invite: dict[str, Any], name: str) -> None:
            relayed = await next_frame(ws, "signal.offer")
            bot = Bot(name=name)
            bots.append(bot)
            sdp = await bot.create_answer(relayed["sdp"])
            await ws.send(
                json.dumps(
                    {"type": "signal.answer", "room_id": invite["room_id"], "to": relayed["from"], "sdp": sdp}
                )
            )

        accepted = time.monotonic()
        await interp.send(json.dumps({"type": "offer.accept", "offer_id": offer["offer_id"]}))
        invites = await asyncio.gather(
            next_frame(counselor, "room.invite"),
            next_frame(tablet, "room.invite"),
            next_frame(interp, "room.invite"),
        )
        for ws, invite in ((counselor, invites[0]), (tablet, invites[1])):
            await ws.send(
                json.dumps({"type": "room.join", "room_id": invite["room_id"], "token": invite["token"]})
            )
            await next_frame(ws, "room.joined")
        answering = [
            asyncio.create_task(answerer(counselor, invites[0], "counselor")),
            asyncio.create_task(answerer(tablet, invites[1], "tablet")),
        ]
        room_id = invites[2]["room_id"]
        await interp.send(json.dumps({"type": "room.join", "room_id": room_id, "token": invites[2]["token"]}))
        joined = await next_frame(interp, "room.joined")
        callers: list[Bot] = []
        for peer in joined["peers"]:
            bot = Bot(name=f"interp->{peer['participant_id']}")
            callers.append(bot)
            sdp = await bot.create_offer()
            await interp.send(
                json.dumps(
                    {"type": "signal.offer", "room_id": room_id, "to": peer["participant_id"], "sdp": sdp}
                )
            )
        peer_ids = [p["participant_id"] for p in joined["peers"]]
        for _ in callers:
            answer = await next_frame(interp, "signal.answer")
            await callers[peer_ids.index(answer["from"])].accept_answer(answer["sdp"])
        await asyncio.gather(*answering)
        times = []
        for bot in callers:
            await bot.wait_first_frame("video", 10)
            first = bot.received["video"].first_at
            assert first is not None
            times.append((first - accepted) * 1000)
        for bot in callers + bots:
            await bot.close()
        return times


def bot_runs(template: Path, directory: Path, runs: int) -> list[float]:
    out: list[float] = []
    for n in range(runs):
        desk = fresh_desk(template, directory, 100 + n)
        with desk_server(desk) as server:
            out += asyncio.run(bot_run(server.url, desk))
    return out


# --- 3. offer push with many interpreters -------------------------------------------------------------------


async def many_interpreters(url: str, count: int) -> list[str]:
    """`count` interpreters with ne and a session each (sessions opened directly: no Argon2 per login)."""
    import app.staff.service as staff_service
    from app.security.passwords import hash_password

    hashed = hash_password(PASSWORD)
    staff_service.hash_password = lambda _p: hashed  # type: ignore[assignment]
    engine = create_engine(url)
    cookies: list[str] = []
    async with create_sessionmaker(engine)() as session:
        ne = list((await session.scalars(select(Language).where(Language.code == "ne"))).all())
        for i in range(count):
            user = await create_user(
                session, username=f"bench-interp-{i}", password=PASSWORD, role=Role.interpreter
            )
            session.add(
                Interpreter(display_name=f"bench {i}", vendor="Bench", staff_user_id=user.id, languages=ne)
            )
            token, _ = await open_session(session, user, 3600)
            cookies.append(f"{SESSION_COOKIE}={token}")
        await session.commit()
    await engine.dispose()
    return cookies


@contextlib.asynccontextmanager
async def heartbeating(sockets: list[ClientConnection]) -> AsyncIterator[None]:
    async def beat() -> None:
        while True:
            await asyncio.sleep(3)
            for ws in sockets:
                with contextlib.suppress(Exception):
                    await ws.send('{"type":"heartbeat"}')

    task = asyncio.create_task(beat())
    try:
        yield
    finally:
        task.cancel()


async def push_run(base: str, desk: Desk, cookies: list[str], cases: int) -> list[float]:
    ws_url = base.replace("http", "ws") + "/ws"
    offers: dict[str, float] = {}
    sockets: list[ClientConnection] = []
    counselor = await connect(ws_url, additional_headers={"Cookie": await login_cookie(base, COUNSELOR)})
    await counselor.send(json.dumps({"type": "presence", "state": "available"}))
    for chunk in range(0, len(cookies), 50):
        sockets += await asyncio.gather(
            *(connect(ws_url, additional_headers={"Cookie": c}) for c in cookies[chunk : chunk + 50])
        )

    async def reader(ws: ClientConnection) -> None:
        with contextlib.suppress(Exception):
            async for text in ws:
                frame = json.loads(text)
                if frame["type"] == "offer":
                    offers.setdefault(frame["consultation_id"], time.monotonic())

    readers = [asyncio.create_task(reader(ws)) for ws in sockets]
    async with heartbeating([*sockets, counselor]):
        for ws in sockets:
            await ws.send('{"type":"presence","state":"available"}')
        await asyncio.sleep(2.0)  # let routing take every interpreter in
        latencies: list[float] = []
        async with httpx.AsyncClient(base_url=base) as client:
            staff = {"Cookie": await login_cookie(base, COUNSELOR)}
            device = {"Authorization": f"Bearer {desk.device_token}"}
            for i in range(cases):
                sent = time.monotonic()
                created = await client.post(
                    "/api/v1/consultations",
                    json={"channel": "counter", "language": "ne"},
                    headers={
                        "Authorization": f"Bearer {desk.device_token}",
                        "Idempotency-Key": f"push-{i:04d}-{os.urandom(8).hex()}",
                    },
                )
                created.raise_for_status()
                cid = created.json()["id"]
                try:
                    async with asyncio.timeout(10):
                        while cid not in offers:  # noqa: ASYNC110 - a 1 ms poll is finer than we measure
                            await asyncio.sleep(0.001)
                except TimeoutError:
                    queue = (await client.get("/api/v1/queue", headers=staff)).json()
                    raise SystemExit(
                        f"case {i}: no offer in 10 s; {len(offers)} offers so far; {queue}"
                    ) from None
                latencies.append((offers[cid] - sent) * 1000)
                # routing offers one case of a language queue at a time: clear this one for the next
                cancelled = await client.post(
                    f"/api/v1/consultations/{cid}/cancel", json={"reason": "cancelled"}, headers=device
                )
                cancelled.raise_for_status()
    for task in readers:
        task.cancel()
    await asyncio.gather(*(ws.close() for ws in [*sockets, counselor]), return_exceptions=True)
    return latencies


def push_real_sockets(template: Path, directory: Path, count: int, cases: int) -> list[float]:
    desk = fresh_desk(template, directory, 200)
    with ThreadPoolExecutor(1) as pool:
        cookies = pool.submit(asyncio.run, many_interpreters(desk.database_url, count)).result()
    with desk_server(desk) as server:
        return asyncio.run(push_run(server.url, desk, cookies, cases))


async def hub_fanout(count: int, rounds: int) -> list[float]:
    """One frame published to `count` interpreter topics; time until every subscriber's send ran."""
    hub = Hub()
    done = asyncio.Event()
    seen = 0

    async def send(_text: str) -> None:
        nonlocal seen
        seen += 1
        if seen == count:
            done.set()

    async def close(_code: int, _reason: str) -> None:
        return None

    subscribers = [Subscriber(send, close, f"s{i}") for i in range(count)]
    for i, sub in enumerate(subscribers):
        sub.start()
        hub.subscribe(sub, [f"interpreter:{i}"])
    out = []
    frame = json.dumps({"type": "offer", "offer_id": "x", "consultation_id": "c"})
    for _ in range(rounds):
        seen = 0
        done.clear()
        start = time.perf_counter()
        for i in range(count):
            hub.publish(f"interpreter:{i}", frame)
        await done.wait()
        out.append((time.perf_counter() - start) * 1000)
    await hub.close_all()
    for sub in subscribers:
        await sub.stop()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5, help="calls per method (browser, bots)")
    parser.add_argument("--interpreters", type=int, default=500, help="connected interpreter websockets")
    parser.add_argument("--cases", type=int, default=20, help="consultations offered in the push run")
    parser.add_argument("--skip-browser", action="store_true")
    args = parser.parse_args()
    import logging

    logging.disable(logging.WARNING)
    print(
        f"# {platform.node()} {platform.machine()} cpus={os.cpu_count()} python={platform.python_version()}"
    )
    rows: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        template = template_db(directory)
        if not args.skip_browser:
            browser = browser_runs(template, directory, args.runs)
            rows.append(
                ("browser: accept -> first remote video frame, every page and peer", summary(browser["all"]))
            )
            for name in ("interpreter", "tablet", "counselor"):
                rows.append((f"  on the {name} page", summary(browser[name])))
        bots = bot_runs(template, directory, args.runs)
        rows.append(("aiortc bots: accept -> interpreter's first video frame", summary(bots)))
        fanout = asyncio.run(hub_fanout(args.interpreters, 20))
        rows.append((f"hub fan-out in-process: 1 frame to {args.interpreters} subscribers", summary(fanout)))
        push = push_real_sockets(template, directory, args.interpreters, args.cases)
        rows.append(
            (f"offer push, {args.interpreters} interpreter websockets: POST -> offer frame", summary(push))
        )
    width = max(len(name) for name, _ in rows)
    for name, figures in rows:
        print(f"{name.ljust(width)}  {figures}")


if __name__ == "__main__":
    main()
