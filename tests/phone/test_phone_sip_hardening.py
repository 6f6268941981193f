"""The phone line under hostile SIP (issue 18, items 1 and 18), over real UDP sockets.

Unusable media (``999.1.1.1``, IPv6 ``::1``, port 0) is refused with 488 and holds no RTP port; malformed
INVITEs get 400; a media address whose frames cannot be sent is hung up after a second with a few log lines
(not one traceback per 20 ms) and its port comes back; strangers are not answered; one source's flood of
INVITEs it never ACKs cannot take the line from another caller.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from app.config import Settings
from app.main import create_app
from app.phone.sip import LineConfig, PhoneLine, SipCall
from app.phone.sip_guard import media_target_problem, request_uri_problem
from tests.conftest import open_desk_settings
from tests.phone.phone_sip_support import (
    CALLER,
    SIP_TESTER,
    alaw_tone,
    free_udp_port,
    free_udp_range,
    need_sipp,
    render,
    run_sipp,
    tiny_prompts,
    until,
)

_serial = itertools.count()


def sdp(address: str, port: int, family: str = "IP4") -> str:
    return (
        f"v=0\r\no=caller 1 1 IN {family} {address}\r\ns=-\r\nc=IN {family} {address}\r\nt=0 0\r\n"
        f"m=audio {port} RTP/AVP 0 8\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"
    )


class SipPeer:
    """A caller of our own on a real UDP socket: sends requests, collects every reply."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.replies: asyncio.Queue[str] = asyncio.Queue()
        self.seen: list[str] = []
        self.transport: asyncio.DatagramTransport | None = None

    async def __aenter__(self) -> SipPeer:
        peer = self

        class Protocol(asyncio.DatagramProtocol):
            def datagram_received(self, data: bytes, addr: object) -> None:
                peer.replies.put_nowait(data.decode(errors="replace"))

        transport, _ = await asyncio.get_running_loop().create_datagram_endpoint(
            Protocol, local_addr=(self.host, 0)
        )
        self.transport = transport
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.transport is not None
        self.transport.close()

    @property
    def port(self) -> int:
        assert self.transport is not None
        return int(self.transport.get_extra_info("sockname")[1])

    def invite(
        self,
        target: tuple[str, int],
        body: str = "",
        *,
        content_length: str | None = None,
        uri: str | None = None,
        call_id: str | None = None,
    ) -> str:
        call_id = call_id or f"hardening-{next(_serial)}"
        length = str(len(body.encode())) if content_length is None else content_length
        request = (
            f"INVITE {uri or f'sip:desk@{target[0]}:{target[1]}'} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP {self.host}:{self.port};branch=z9hG4bK-{call_id}\r\n"
            f"From: <sip:{CALLER}@{self.host}>;tag=t-{call_id}\r\nTo: <sip:desk@{target[0]}>\r\n"
            f"Call-ID: {call_id}\r\nCSeq: 1 INVITE\r\nContact: <sip:{CALLER}@{self.host}:{self.port}>\r\n"
            f"Max-Forwards: 70\r\nContent-Type: application/sdp\r\nContent-Length: {length}\r\n\r\n{body}"
        )
        assert self.transport is not None
        self.transport.sendto(request.encode(), target)
        return call_id

    async def final(self, call_id: str) -> int:
        """The status of the first final (non-1xx) reply for ``call_id``; other replies are skipped."""
        async with asyncio.timeout(5):
            while True:
                for reply in self.seen:
                    status = int(reply.split(" ", 2)[1])
                    if f"Call-ID: {call_id}" in reply and status >= 200:
                        return status
                self.seen.append(await self.replies.get())

    async def call(self, target: tuple[str, int], body: str, **kw: str) -> int:
        return await self.final(self.invite(target, body, **kw))


# -- the running service, called by a few hundred bad callers and then a good one -------------------------


@pytest.fixture
async def app_line(sqlite_template: Path, tmp_path: Path) -> AsyncIterator[PhoneLine]:
    need_sipp()
    db = tmp_path / "madoguchi.db"
    shutil.copyfile(sqlite_template, db)
    (tmp_path / "prompts").mkdir()
    settings: Settings = open_desk_settings(
        f"sqlite+aiosqlite:///{db}",
        phone_enabled=True,
        phone_sip_port=free_udp_port(),
        phone_rtp_ports="-".join(map(str, free_udp_range(40))),  # 20 ports: fewer than the bad calls
        phone_silence_timeout_seconds=1.5,
        phone_prompts_dir=tiny_prompts(tmp_path / "prompts"),
        loopback_media=True,
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        yield app.state.phone_line


@pytest.mark.slow
async def test_hundreds_of_unusable_media_offers__488_no_port_held_and_a_good_call_still_works(
    app_line: PhoneLine, tmp_path: Path
) -> None:
    target = app_line.address
    ports = app_line.free_ports
    offers = [
        sdp("999.1.1.1", 4000),
        sdp("::1", 4000, "IP6"),
        sdp("127.0.0.1", 0),
        sdp("224.0.0.1", 4000),
        sdp("0.0.0.0", 4000),  # noqa: S104 (an address offered, nothing bound)
    ]
    async with SipPeer() as peer:
        statuses = [await peer.call(target, offers[n % len(offers)]) for n in range(300)]
    assert set(statuses) == {488}
    assert app_line.stats.answered == 0 and not app_line.calls
    assert app_line.free_ports == ports

    scenario = render(
        "uac_call.xml",
        tmp_path / "good.xml",
        CALLER=CALLER,
        SINK_PORT=str(free_udp_port()),
        KEY_PCAP=str(SIP_TESTER / "dtmf_2833_4.pcap"),
        AUDIO=str(alaw_tone(tmp_path / "voice.al")),
    )
    run = await run_sipp(scenario, target, stay_ms=1500)
    assert run.returncode == 0, run.errors
    assert app_line.stats.answered == 1
    await until(lambda: app_line.free_ports == ports, 10, "the good call's port to come back")


# -- the line alone on a real socket --------------------------------------------------------------------


async def _hold_until_ended(call: SipCall) -> None:
    await call.wait_ended()


@contextlib.asynccontextmanager
async def line(**config: object) -> AsyncIterator[PhoneLine]:
    low, high = free_udp_range(40)
    phone = PhoneLine(
        LineConfig(bind_port=free_udp_port(), rtp_ports=(low, high), **config),  # type: ignore[arg-type]
        _hold_until_ended,
    )
    await phone.start()
    try:
        yield phone
    finally:
        await phone.stop()


@pytest.mark.parametrize(
    ("what", "content_length", "uri"),
    [
        ("Content-Length longer than the body", "99999", None),
        ("negative Content-Length", "-5", None),
        ("Content-Length not a number", "abc", None),
        ("garbage Request-URI", None, "%%%garbage%%%"),
        ("Request-URI without a host", None, "sip:@"),
    ],
)
async def test_malformed_invite__400_and_nothing_answered(
    what: str, content_length: str | None, uri: str | None
) -> None:
    async with line() as phone, SipPeer() as peer:
        kw = {k: v for k, v in (("content_length", content_length), ("uri", uri)) if v is not None}
        status = await peer.call(phone.address, sdp("127.0.0.1", 4000), **kw)
        assert status == 400, what
        assert phone.stats.answered == 0 and phone.stats.bad_requests == 1
        assert phone.limits.pending == 0


async def test_media_that_cannot_be_sent__hung_up_port_returned_few_log_lines(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # 192.0.2.1 is a fine address, but our RTP socket is bound to loopback: every frame's send fails.
    caplog.set_level(logging.WARNING, logger="app.phone.sip")
    async with line() as phone, SipPeer() as peer:
        ports = phone.free_ports
        call_id = peer.invite(phone.address, sdp("192.0.2.1", 4000))
        assert await peer.final(call_id) == 200
        await until(lambda: phone.stats.media_failures == 1, 10, "the gateway to give up on the call")
        await until(lambda: phone.free_ports == ports, 5, "the call's RTP port to come back")
        assert not phone.calls
    sent = [r for r in caplog.records if "audio to call" in r.getMessage()]
    assert 1 <= len(sent) <= 3, len(sent)
    assert all(r.exc_info is None for r in sent)  # a line, not a traceback


async def test_close_media_never_raises_and_the_port_always_comes_back() -> None:
    async with line() as phone, SipPeer() as peer:
        ports = phone.free_ports
        call_id = peer.invite(phone.address, sdp("127.0.0.1", free_udp_port()))
        assert await peer.final(call_id) == 200
        (call,) = phone.calls.values()
        rtp = call._session.rtp_session

        def broken_goodbye() -> None:
            raise OSError("the RTCP BYE cannot be sent")

        rtp._send_bye = broken_goodbye
        call.hangup()
        await until(lambda: phone.free_ports == ports, 5, "the port to come back")
        assert rtp._rtp_transport._transport.is_closing()  # the socket is closed too, not left bound


async def test_a_source_outside_the_allow_list_gets_no_answer() -> None:
    async with line(allowed_sources=("10.0.0.0/8",)) as phone, SipPeer() as peer:
        peer.invite(phone.address, sdp("127.0.0.1", 4000))
        await until(lambda: phone.stats.dropped_sources == 1, 5, "the INVITE to be dropped")
        assert peer.replies.empty()
        assert phone.stats.answered == 0 and phone.free_ports == len(range(0, 40, 2))


async def test_a_flood_of_unacknowledged_invites__503_past_the_limit_and_another_caller_gets_through() -> (
    None
):
    async with line(max_pending_per_source=4, max_pending=6) as phone, SipPeer("127.0.0.1") as flood:
        call_ids = [flood.invite(phone.address, sdp("127.0.0.1", free_udp_port())) for _ in range(20)]
        statuses = [await flood.final(c) for c in call_ids]  # never ACKed
        assert statuses.count(200) == 4 and statuses.count(503) == 16
        assert phone.limits.pending_from("127.0.0.1") == 4
        async with SipPeer("127.0.0.2") as caller:
            assert await caller.call(phone.address, sdp("127.0.0.2", free_udp_port())) == 200
        assert phone.stats.busy == 16 and phone.stats.answered == 5


async def test_the_registrar_we_register_at__may_send_calls_whatever_the_allow_list() -> None:
    async with line(allowed_sources=("10.0.0.0/8",), registrar=("localhost", free_udp_port())) as phone:
        async with SipPeer("127.0.0.1") as trunk:
            assert await trunk.call(phone.address, sdp("127.0.0.1", free_udp_port())) == 200
        async with SipPeer("127.0.0.2") as stranger:
            stranger.invite(phone.address, sdp("127.0.0.2", 4000))
            await until(lambda: phone.stats.dropped_sources == 1, 5, "the stranger's INVITE to be dropped")


@pytest.mark.parametrize(
    ("address", "port", "usable"),
    [
        ("192.0.2.10", 4000, True),
        ("999.1.1.1", 4000, False),
        ("::1", 4000, False),
        ("127.0.0.1", 0, False),
        ("127.0.0.1", 70000, False),
        ("239.1.1.1", 4000, False),
        ("255.255.255.255", 4000, False),
        ("pbx.example", 4000, False),
    ],
)
def test_media_target_rules(address: str, port: int, usable: bool) -> None:
    assert (media_target_problem(address, port) is None) is usable


@pytest.mark.parametrize(
    ("uri", "usable"),
    [
        ("sip:desk@127.0.0.1:5060", True),
        ("sip:desk@pbx.city.example;transport=udp", True),
        ("sips:[2001:db8::1]:5061", True),
        ("tel:+81864261234", True),
        ("sip:desk@127.0.0.1:99999", False),
        ("http://desk", False),
        ("sip:", False),
        ("sip:desk@", False),
        ("sip:desk@a b", False),
    ],
)
def test_request_uri_rules(uri: str, usable: bool) -> None:
    assert (request_uri_problem(uri) is None) is usable


async def test_a_flood_of_unreadable_datagrams__one_log_line_no_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    async with line() as phone, SipPeer() as peer:
        assert peer.transport is not None
        for _ in range(200):
            peer.transport.sendto(b"\r\n\r\n", phone.address)  # no start line: the parser gives up
        await until(lambda: phone.stats.bad_requests == 200, 5, "every datagram to be read")
        assert await peer.call(phone.address, sdp("127.0.0.1", free_udp_port())) == 200  # still answering
    unreadable = [r for r in caplog.records if "SIP" in r.getMessage() or r.name.startswith("aiosipua")]
    assert len(unreadable) == 1 and unreadable[0].exc_info is None, [r.getMessage() for r in unreadable]


async def test_repeated_library_warnings__one_line_per_kind(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    async with line() as phone, SipPeer() as peer:
        statuses = [
            await peer.call(phone.address, sdp("127.0.0.1", 4000), content_length="99999") for _ in range(50)
        ]
    assert set(statuses) == {400}
    shorter = [r for r in caplog.records if "shorter than Content-Length" in r.getMessage()]
    ours = [r for r in caplog.records if r.name == "app.phone.sip"]
    assert len(shorter) <= 1 and len(ours) == 1, [r.getMessage() for r in caplog.records]
