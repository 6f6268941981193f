"""Security finding 7: the anonymous device check is bounded per address and overall, closes sessions that do
not connect, and never checks ICE candidates that are not on the requester's own address."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from httpx import ASGITransport, AsyncClient

from app.config import Mode, Settings
from app.main import create_app
from realtime.peers.device_check import DeviceCheckBusy, DeviceCheckError, own_candidates_only
from realtime.testing.bot import Bot
from tests.conftest import TEST_SECRET

URL = "/api/v1/device-check"
FOREIGN = "a=candidate:9 1 udp 2130706431 192.0.2.77 3478 typ host"


@pytest.fixture
async def limited(sqlite_template: Path, tmp_path: Path) -> AsyncIterator[Any]:
    path = tmp_path / "m.db"
    shutil.copyfile(sqlite_template, path)
    settings = Settings(
        mode=Mode.dev,
        database_url=f"sqlite+aiosqlite:///{path}",
        secret_key=TEST_SECRET,
        loopback_media=True,
        device_check_max_sessions=2,
        device_check_max_per_address=1,
        device_check_idle_seconds=1,
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        yield app


def _client(app: Any, address: str) -> AsyncClient:
    return AsyncClient(transport=ASGITransport(app=app, client=(address, 40000)), base_url="http://t")


def _with_candidate(sdp: str, line: str) -> str:
    """`line` added to the offer's first media section (where a browser puts its candidates)."""
    head, sep, rest = sdp.partition("\r\nm=")
    first, sep2, others = rest.partition("\r\nm=")
    return f"{head}{sep}{first.rstrip()}\r\n{line}{sep2}{others}"


def test_own_candidates_only__drops_other_addresses_and_names() -> None:
    offer = "\r\n".join(
        [
            "v=0",
            "m=audio 9 UDP/TLS/RTP/SAVPF 111",
            "a=candidate:1 1 udp 2130706431 198.51.100.7 50000 typ host",
            "a=candidate:2 1 udp 1694498815 ::ffff:198.51.100.7 50001 typ srflx raddr 0.0.0.0 rport 0",
            FOREIGN,
            "a=candidate:3 1 udp 2130706431 9f3c-abcd.local 50002 typ host",
            "a=candidate:4 1 udp 2130706431 10.0.0.1",  # truncated: dropped
            "a=mid:0",
        ]
    )
    kept = own_candidates_only(offer, "198.51.100.7")
    assert "192.0.2.77" not in kept and ".local" not in kept and "10.0.0.1" not in kept
    assert kept.count("a=candidate:") == 2 and "a=mid:0" in kept
    with pytest.raises(DeviceCheckError):
        own_candidates_only(offer, "203.0.113.1")  # nothing on the sender's address


async def test_device_check__only_the_senders_own_candidates_are_checked(limited: Any) -> None:
    async with Bot(name="resident") as bot, _client(limited, "127.0.0.1") as client:
        offer = _with_candidate(await bot.create_offer(), FOREIGN)
        response = await client.post(URL, json={"type": "offer", "sdp": offer})
        assert response.status_code == 201, response.text
        session = limited.state.device_check._sessions[response.json()["session_id"]]
        remote = {
            c.ip
            for t in session.pc.getTransceivers()
            for c in t.receiver.transport.transport.getRemoteCandidates()
        }
        assert remote == {"127.0.0.1"}  # 192.0.2.77 and the bot's other interfaces never reach aiortc
        await client.delete(f"{URL}/{response.json()['session_id']}")

    async with Bot(name="elsewhere") as bot, _client(limited, "203.0.113.9") as client:
        refused = await client.post(URL, json={"type": "offer", "sdp": await bot.create_offer()})
        assert refused.status_code == 422  # none of its candidates is on the address it came from
        assert len(limited.state.device_check) == 0


async def test_device_check__bounded_per_address_and_idle_sessions_close(limited: Any) -> None:
    async with (
        Bot(name="a") as a,
        Bot(name="b") as b,
        Bot(name="c") as c,
        _client(limited, "127.0.0.1") as client,
    ):
        first = await client.post(URL, json={"type": "offer", "sdp": await a.create_offer()})
        assert first.status_code == 201, first.text
        again = await client.post(URL, json={"type": "offer", "sdp": await b.create_offer()})
        assert again.status_code == 429 and again.json()["retry_after_s"] >= 1
        # nobody completes the connection (the answer is never used): the session is let go by itself
        session_id = first.json()["session_id"]
        for _ in range(100):
            if (await client.get(f"{URL}/{session_id}")).status_code == 404:
                break
            await asyncio.sleep(0.1)
        assert (await client.get(f"{URL}/{session_id}")).status_code == 404
        assert len(limited.state.device_check) == 0
        retried = await client.post(URL, json={"type": "offer", "sdp": await c.create_offer()})
        assert retried.status_code == 201, retried.text
        await client.delete(f"{URL}/{retried.json()['session_id']}")


async def test_device_check__the_overall_limit_holds_whatever_the_addresses(limited: Any) -> None:
    check = limited.state.device_check
    async with Bot(name="a") as a, Bot(name="b") as b, Bot(name="c") as c, Bot(name="d") as d:
        first = await check.answer(await a.create_offer())
        second = await check.answer(await b.create_offer())
        with pytest.raises(DeviceCheckBusy):
            await check.answer(await c.create_offer())
        async with _client(limited, "127.0.0.1") as client:
            busy = await client.post(URL, json={"type": "offer", "sdp": await d.create_offer()})
            assert busy.status_code == 503
        for session_id, _ in (first, second):
            await check.close(session_id)
