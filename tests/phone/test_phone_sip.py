"""The phone gateway in the app, called by a real SIP peer (sipp): keys, menu, intake, bad input, hours."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.config import Settings, parse_hours
from app.consultation.models import Consultation
from app.db import create_engine, create_sessionmaker
from app.enums import Channel, ConsultationStatus
from app.main import create_app
from app.phone.gateway import CallRecord, PhoneGateway
from app.phone.sip import PhoneLine
from tests.conftest import TEST_NOW, open_desk_settings
from tests.phone.phone_sip_support import (
    CALLER,
    SCENARIOS,
    SIP_TESTER,
    RtpSink,
    alaw_tone,
    free_udp_port,
    free_udp_range,
    info_scenario,
    need_sipp,
    render,
    run_sipp,
    tiny_prompts,
    until,
)

pytestmark = pytest.mark.slow


@pytest.fixture
def phone_settings(sqlite_template: Path, tmp_path: Path) -> Settings:
    need_sipp()
    db = tmp_path / "madoguchi.db"
    shutil.copyfile(sqlite_template, db)
    prompts = tiny_prompts(_mkdir(tmp_path / "prompts"))
    return open_desk_settings(
        f"sqlite+aiosqlite:///{db}",
        phone_enabled=True,
        phone_sip_port=free_udp_port(),
        phone_rtp_ports="-".join(map(str, free_udp_range())),
        phone_silence_timeout_seconds=1.5,
        phone_prompts_dir=prompts,
        loopback_media=True,
    )


def _mkdir(path: Path) -> Path:
    path.mkdir()
    return path


class Phone:
    """The running app's phone side, and what the database says about its cases."""

    def __init__(self, app: Any, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.line: PhoneLine = app.state.phone_line
        self.gateway: PhoneGateway = app.state.phone_gateway

    @property
    def target(self) -> tuple[str, int]:
        return self.line.address

    def only_record(self) -> CallRecord:
        assert len(self.gateway.records) == 1, self.gateway.records
        return next(iter(self.gateway.records.values()))

    async def cases(self) -> list[Consultation]:
        engine = create_engine(self.settings.database_url)
        try:
            async with create_sessionmaker(engine)() as session:
                return list((await session.scalars(select(Consultation).order_by(Consultation.id))).all())
        finally:
            await engine.dispose()


@pytest.fixture
async def phone(phone_settings: Settings) -> AsyncIterator[Phone]:
    app = create_app(phone_settings)
    async with app.router.lifespan_context(app):
        yield Phone(app, phone_settings)


async def test_rfc4733_key_4__answers_picks_korean_and_opens_a_phone_case(
    phone: Phone, tmp_path: Path
) -> None:
    sink_port = free_udp_port()
    sink = await RtpSink.open(sink_port)
    scenario = render(
        "uac_call.xml",
        tmp_path / "call.xml",
        CALLER=CALLER,
        SINK_PORT=str(sink_port),
        KEY_PCAP=str(SIP_TESTER / "dtmf_2833_4.pcap"),
        AUDIO=str(alaw_tone(tmp_path / "voice.al")),
    )
    sipp = asyncio.create_task(run_sipp(scenario, phone.target, stay_ms=3000))
    try:
        await until(
            lambda: any(r.consultation_id for r in phone.gateway.records.values()), 20, "a phone case"
        )
        record = phone.only_record()
        assert record.language == "ko" and record.choice == "key"  # key 4: the desk's fourth language
        cases = await phone.cases()
        assert [(c.channel, c.language_code, c.public_id) for c in cases] == [
            (Channel.phone, "ko", record.consultation_id)
        ]
        assert cases[0].status in (ConsultationStatus.queued, ConsultationStatus.offered)
        call = next(iter(phone.line.calls.values()))
        await until(lambda: call.frames_in > 20, 10, "the caller's audio reaching the gateway")
        run = await sipp
    finally:
        sink.close()
    assert run.returncode == 0, run.errors
    assert sink.packets > 10  # the caller heard the greeting and the hold prompt
    await until(lambda: record.outcome == "hung_up_queued", 10, "the hang-up to reach the gateway")
    assert record.events[:2] == ["menu:page0", "key:4"]
    (case,) = await phone.cases()
    assert case.status is ConsultationStatus.abandoned  # left the queue when the caller hung up
    assert case.resident_contact_enc is None  # no callback asked: the number is not kept
    assert not phone.line.calls


@pytest.mark.parametrize(
    ("content_type", "what"), [("application/dtmf-relay", "Signal=4"), ("application/dtmf", "4")]
)
async def test_sip_info_key__picks_the_language(
    phone: Phone, tmp_path: Path, content_type: str, what: str
) -> None:
    scenario = info_scenario(
        tmp_path / "info.xml", [("4", 300)], sink_port=free_udp_port(), content_type=content_type
    )
    run = await run_sipp(scenario, phone.target, stay_ms=1500)
    assert run.returncode == 0, f"{what}: {run.errors}"
    record = phone.only_record()
    assert (record.language, record.choice) == ("ko", "key")
    assert phone.line.stats.info_digits == 1
    (case,) = await phone.cases()
    assert (case.channel, case.language_code) == (Channel.phone, "ko")


async def test_unknown_key__repeats_the_menu_then_silence_goes_to_the_on_site_language(
    phone: Phone, tmp_path: Path
) -> None:
    # "#" is no language: the menu is read again; then the caller says nothing for the silence timeout.
    scenario = info_scenario(tmp_path / "silent.xml", [("#", 300)], sink_port=free_udp_port())
    run = await run_sipp(scenario, phone.target, stay_ms=6000)
    assert run.returncode == 0, run.errors
    record = phone.only_record()
    assert record.events[:4] == ["menu:page0", "key:#", "menu:invalid", "chosen:ja:silence"]
    assert (record.language, record.choice) == ("ja", "silence")
    (case,) = await phone.cases()
    assert case.language_code == phone.app.state.desk.engine.policy.staff_language == "ja"


async def test_malformed_invite__gets_400_and_the_call_in_progress_carries_on(
    phone: Phone, tmp_path: Path
) -> None:
    good = render(
        "uac_call.xml",
        tmp_path / "good.xml",
        CALLER=CALLER,
        SINK_PORT=str(free_udp_port()),
        KEY_PCAP=str(SIP_TESTER / "dtmf_2833_4.pcap"),
        AUDIO=str(alaw_tone(tmp_path / "voice.al")),
    )
    call_in_progress = asyncio.create_task(run_sipp(good, phone.target, stay_ms=5000))
    await until(lambda: any(c.frames_in > 10 for c in phone.line.calls.values()), 20, "a call with audio")
    (call,) = phone.line.calls.values()
    frames_before = call.frames_in

    bad = await run_sipp(SCENARIOS / "malformed_invite.xml", phone.target)
    no_headers = await _raw_exchange(phone.target, MISSING_TO_AND_CSEQ)
    await _raw_exchange(phone.target, b"\x00\xff not SIP at all", expect_reply=False)

    assert bad.returncode == 0, bad.errors  # sipp got the 400 (SDP port) and the 488 (no SDP) it waits for
    assert no_headers.startswith(b"SIP/2.0 400 ")
    assert phone.line.stats.bad_requests == 1 and phone.line.stats.rejected == 1
    assert phone.line.stats.answered == 1
    await until(lambda: call.frames_in > frames_before + 25, 10, "audio still flowing on the good call")
    good_run = await call_in_progress
    assert good_run.returncode == 0, good_run.errors
    assert call.end_reason == "caller_hung_up"
    assert len(await phone.cases()) == 1


MISSING_TO_AND_CSEQ = (
    b"INVITE sip:desk@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-raw\r\n"
    b"From: <sip:0000@127.0.0.1>;tag=raw\r\nCall-ID: raw-1\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
)


async def _raw_exchange(target: tuple[str, int], datagram: bytes, expect_reply: bool = True) -> bytes:
    """Send one datagram from a socket of our own; the reply (if one is expected) comes back to it."""
    loop = asyncio.get_running_loop()
    replies: asyncio.Queue[bytes] = asyncio.Queue()

    class Protocol(asyncio.DatagramProtocol):
        def datagram_received(self, data: bytes, addr: object) -> None:
            replies.put_nowait(data)

    transport, _ = await loop.create_datagram_endpoint(Protocol, local_addr=("127.0.0.1", 0))
    try:
        port = transport.get_extra_info("sockname")[1]
        transport.sendto(datagram.replace(b"127.0.0.1:9;", f"127.0.0.1:{port};".encode()), target)
        if not expect_reply:
            return b""
        async with asyncio.timeout(5):
            return await replies.get()
    finally:
        transport.close()


AFTER_HOURS = TEST_NOW.replace(hour=21, minute=30)
"""The test's Wednesday at 21:30 in Japan: after the desk's 06:00-20:00 (open_desk_settings)."""


@pytest.fixture
def closed_settings(phone_settings: Settings) -> Settings:
    # The app's clock starts after hours (on the pinned day, not the wall clock's): a caller finds it closed.
    opens, closes = parse_hours(phone_settings.desk_hours)
    assert not opens <= AFTER_HOURS.astimezone(phone_settings.zone).time() < closes
    return phone_settings.model_copy(update={"clock_start": AFTER_HOURS})


async def test_outside_hours__hours_then_callback_stores_the_number_encrypted(
    closed_settings: Settings, tmp_path: Path
) -> None:
    app = create_app(closed_settings)
    async with app.router.lifespan_context(app):
        phone = Phone(app, closed_settings)
        scenario = info_scenario(
            tmp_path / "callback.xml",
            [("1", 300), ("1", 600)],  # 1: English, then 1: call me back
            sink_port=free_udp_port(),
            gateway_hangs_up=True,
        )
        run = await run_sipp(scenario, phone.target)
        assert run.returncode == 0, run.errors  # the gateway said goodbye with a BYE
        record = phone.only_record()
        assert (record.language, record.outcome) == ("en", "callback_requested")
        (case,) = await phone.cases()
        assert (case.channel, case.language_code, case.status) == (
            Channel.phone,
            "en",
            ConsultationStatus.fallback,
        )
        assert case.resident_contact_enc is not None and CALLER.encode() not in case.resident_contact_enc
        assert app.state.cipher.decrypt(case.resident_contact_enc) == CALLER
        engine = create_engine(closed_settings.database_url)
        try:
            async with create_sessionmaker(engine)() as session:
                actions = (await session.scalars(select(AuditEvent.action))).all()
        finally:
            await engine.dispose()
        assert "consultation.callback_requested" in actions


async def test_outside_hours__no_key_means_no_callback_and_no_number(
    closed_settings: Settings, tmp_path: Path
) -> None:
    app = create_app(closed_settings)
    async with app.router.lifespan_context(app):
        phone = Phone(app, closed_settings)
        scenario = info_scenario(
            tmp_path / "nocallback.xml", [("1", 300)], sink_port=free_udp_port(), gateway_hangs_up=True
        )
        run = await run_sipp(scenario, phone.target)
        assert run.returncode == 0, run.errors
        assert phone.only_record().outcome == "closed"
        (case,) = await phone.cases()
        assert case.status is ConsultationStatus.abandoned
        assert case.resident_contact_enc is None
