"""Server-side aiortc peers over loopback: the device-check echo, the test bot, the peer registry."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import aioice.ice
import pytest

from realtime import protocol as p
from realtime.peers.device_check import (
    DeviceCheck,
    DeviceCheckBusy,
    DeviceCheckError,
    DeviceCheckReport,
    UnknownSession,
)
from realtime.peers.rtc import PeerRegistry, loopback_candidates, rtc_configuration
from realtime.rooms import InMemoryRoomStore, RoomRegistry
from realtime.signaling import Outbound, RoomSignaling
from realtime.testing.bot import Bot
from realtime.tokens import issue_room_token
from realtime.turn import IceServer
from tests.conftest import TEST_NOW

Settle = Callable[[], Awaitable[set[asyncio.Task[object]]]]


async def wait_for_rtt(check: DeviceCheck, session_id: str, within_s: float = 6.0) -> DeviceCheckReport:
    """The RTT needs an RTCP sender report and the browser's receiver report: poll for it."""
    async with asyncio.timeout(within_s):
        while True:
            report = await check.report(session_id)
            if report.round_trip_time_s is not None and report.audio_ok and report.video_ok:
                return report
            await asyncio.sleep(0.2)


async def test_device_check__bot_gets_its_media_back__report_has_frames_and_rtt(peers: PeerRegistry) -> None:
    check = DeviceCheck(peers)
    async with Bot() as bot:
        session_id, answer = await check.answer(await bot.create_offer())
        assert "127.0.0.1" in answer
        await bot.accept_answer(answer)
        assert 0 < await bot.wait_first_frame("video", within_s=5) < 5
        assert 0 < await bot.wait_first_frame("audio", within_s=5) < 5
        report = await wait_for_rtt(check, session_id)
    assert report.connection_state == "connected"
    assert report.connected_after_s is not None and report.connected_after_s < 5
    assert report.audio is not None and report.video is not None
    assert (report.audio.mode, report.video.mode) == ("echo", "echo")
    assert report.audio.frames_received > 0 and report.video.frames_received > 0
    assert report.audio.frames_sent == report.audio.frames_received
    assert (report.video.width, report.video.height) == (320, 240)
    assert report.video.packets_received > 0 and report.video.packets_sent > 0
    assert report.audio.loss_ratio == 0.0
    assert report.round_trip_time_s is not None and 0 <= report.round_trip_time_s < 1
    assert report.bytes_received > 0 and report.bytes_sent > 0
    data = report.to_dict()
    assert data["audio_ok"] and data["video_ok"] and data["video"]["loss_ratio"] == 0.0
    assert bot.received["video"].frames > 0 and bot.received["audio"].frames > 0
    await check.close(session_id)
    assert len(check) == 0 and len(peers) == 0


async def test_device_check__receive_only_client__gets_tone_and_pattern(peers: PeerRegistry) -> None:
    check = DeviceCheck(peers)
    async with Bot(send=False) as bot:
        session_id, answer = await check.answer(await bot.create_offer())
        await bot.accept_answer(answer)
        await bot.wait_first_frame("video", within_s=5)
        await bot.wait_first_frame("audio", within_s=5)
        report = await check.report(session_id)
        assert report.audio is not None and report.video is not None
        assert (report.audio.mode, report.video.mode) == ("send_only", "send_only")
        assert report.video.frames_sent > 0 and report.video.frames_received == 0
        assert not report.audio_ok  # nothing came from the "resident"
        assert bot.received["video"].width == 320
        mine = await bot.report()
        assert mine.audio is not None and mine.audio.mode == "receive_only" and mine.audio.frames_received > 0
    await check.close_all()
    assert len(check) == 0


async def test_device_check__time_limit__peer_closed(peers: PeerRegistry) -> None:
    check = DeviceCheck(peers, max_duration_s=0.5)
    async with Bot(video=False) as bot:
        session_id, answer = await check.answer(await bot.create_offer())
        await bot.accept_answer(answer)
        await bot.wait_first_frame("audio", within_s=5)
        async with asyncio.timeout(3):
            while len(check):  # noqa: ASYNC110 - polling the service's own timer
                await asyncio.sleep(0.05)
        assert session_id not in peers
        with pytest.raises(UnknownSession):
            await check.report(session_id)


async def test_device_check__client_hangs_up__server_peer_removed(peers: PeerRegistry) -> None:
    check = DeviceCheck(peers)
    bot = Bot(audio=False)
    session_id, answer = await check.answer(await bot.create_offer())
    await bot.accept_answer(answer)
    await bot.wait_first_frame("video", within_s=5)
    await bot.close()  # DTLS close_notify: the echo peer goes to "closed" and the registry forgets it
    async with asyncio.timeout(5):
        while session_id in peers:  # noqa: ASYNC110 - waiting on aiortc's state machine
            await asyncio.sleep(0.05)
    assert len(check) == 0


@pytest.mark.parametrize(
    ("sdp", "message"),
    [
        ("hello", "v=0"),
        ("v=0\r\ns=-\r\nt=0 0\r\n", "m="),
        (
            "v=0\r\ns=-\r\nt=0 0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:0\r\n",
            "audio or video",
        ),
    ],
)
async def test_device_check__bad_offer__error(peers: PeerRegistry, sdp: str, message: str) -> None:
    check = DeviceCheck(peers)
    with pytest.raises(DeviceCheckError, match=message):
        await check.answer(sdp)
    assert len(peers) == 0


async def test_device_check__busy_and_unknown(peers: PeerRegistry) -> None:
    check = DeviceCheck(peers, max_sessions=1)
    async with Bot(video=False) as bot:
        session_id, _ = await check.answer(await bot.create_offer())
        async with Bot(video=False) as second:
            with pytest.raises(DeviceCheckBusy):
                await check.answer(await second.create_offer())
        await check.close(session_id)
    with pytest.raises(UnknownSession):
        await check.close(session_id)


async def test_bots__call_through_room_signaling_frames(peers: PeerRegistry) -> None:
    """Two bots in one room: every signaling frame goes through encode/decode and RoomSignaling."""
    secret = b"s" * 32
    registry = RoomRegistry(InMemoryRoomStore(), secret)
    signaling = RoomSignaling(registry)
    now = asyncio.get_running_loop().time
    t0 = TEST_NOW
    await registry.open_room("room-1", "case-1", t0)
    inbox: dict[str, list[p.ServerMessage]] = {"ws-a": [], "ws-b": []}

    async def send(connection_id: str, msg: p.ClientMessage) -> None:
        decoded = p.decode(p.encode(msg))
        outcome = await signaling.handle(connection_id, decoded, t0)  # type: ignore[arg-type]
        for out in outcome.outbound:
            inbox[out.connection_id].append(p.decode_server(p.encode(out.message)))

    def take(connection_id: str, kind: type[p.ServerMessage]) -> p.ServerMessage:
        msg = inbox[connection_id].pop(0)
        assert isinstance(msg, kind), msg
        return msg

    interpreter, tablet = Bot(name="interp"), Bot(name="tablet")
    try:
        token_b = issue_room_token(secret, "room-1", "tablet-1", "counter_tablet", 60, t0)
        token_a = issue_room_token(secret, "room-1", "interp:7", "interpreter", 60, t0)
        await send("ws-b", p.RoomJoin(room_id="room-1", token=token_b))
        take("ws-b", p.RoomJoined)
        await send("ws-a", p.RoomJoin(room_id="room-1", token=token_a))
        joined = take("ws-a", p.RoomJoined)
        assert isinstance(joined, p.RoomJoined) and joined.peers[0].participant_id == "tablet-1"
        take("ws-b", p.RoomPeerJoined)
        started = now()
        # The newcomer offers to everyone already there.
        await send(
            "ws-a", p.SignalOffer(room_id="room-1", to="tablet-1", sdp=await interpreter.create_offer())
        )
        relayed = take("ws-b", p.RelayedOffer)
        assert isinstance(relayed, p.RelayedOffer) and relayed.from_ == "interp:7"
        await send(
            "ws-b",
            p.SignalAnswer(room_id="room-1", to="interp:7", sdp=await tablet.create_answer(relayed.sdp)),
        )
        answer = take("ws-a", p.RelayedAnswer)
        assert isinstance(answer, p.RelayedAnswer)
        await interpreter.accept_answer(answer.sdp)
        await interpreter.wait_first_frame("video", within_s=5)
        await tablet.wait_first_frame("video", within_s=5)
        assert now() - started < 5
        outcome = await signaling.disconnected("ws-a", t0)
        assert outcome.outbound == (
            Outbound(
                "ws-b",
                p.RoomPeerLeft(
                    room_id="room-1", participant_id="interp:7", role="interpreter", reason="disconnected"
                ),
            ),
        )
    finally:
        await interpreter.close()
        await tablet.close()


async def test_peer_registry__close_all_and_on_close(loopback: None, settle: Settle) -> None:
    registry = PeerRegistry()
    closed: list[str] = []

    async def on_close(peer_id: str) -> None:
        closed.append(peer_id)

    ids = [registry.create(on_close=on_close)[0] for _ in range(3)]
    assert len(registry) == 3 and registry.stats()["peers"] == 3
    await registry.close(ids[0])
    await registry.close(ids[0])
    await registry.close_all()
    assert len(registry) == 0 and sorted(closed) == sorted(ids)
    assert not await settle()


def test_loopback_candidates__patch_is_scoped() -> None:
    original = aioice.ice.get_host_addresses
    with loopback_candidates():
        assert aioice.ice.get_host_addresses(True, True) == ["127.0.0.1"]
        assert aioice.ice.get_host_addresses(False, True) == []
        with loopback_candidates(only=False):
            assert aioice.ice.get_host_addresses(True, False)[0] == "127.0.0.1"
    assert aioice.ice.get_host_addresses is original


def test_rtc_configuration__always_explicit_list() -> None:
    assert rtc_configuration().iceServers == []
    servers = rtc_configuration([IceServer(("turn:127.0.0.1:3478",), "1:u", "c")]).iceServers
    assert servers is not None
    (server,) = servers
    assert (server.urls, server.username, server.credential) == (["turn:127.0.0.1:3478"], "1:u", "c")
