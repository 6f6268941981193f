"""A SIP call's audio as the bridge sees it (the CallAudio protocol), driven through library fakes."""

from __future__ import annotations

import asyncio
from typing import Any

from app.phone.sip import LIVE_FRAMES, SipCall
from realtime.phone_audio import FRAME_BYTES, SILENT_FRAME, CallAudio


class FakeRtp:
    def __init__(self) -> None:
        self.sent: list[bytes] = []

    def send_audio_pcm_auto(self, pcm: bytes) -> int:
        self.sent.append(pcm)
        return len(self.sent)


class FakeSession:
    chosen_payload_type = 8

    def __init__(self) -> None:
        self.rtp_session = FakeRtp()
        self.on_audio: Any = None
        self.on_dtmf: Any = None

    async def close(self) -> None: ...


class FakeIncoming:
    call_id = "call-1"
    invite: Any = None

    def hangup(self) -> None: ...


def _call() -> tuple[SipCall, FakeSession, list[SipCall]]:
    session, closed = FakeSession(), []
    call = SipCall(FakeIncoming(), session, closed.append)  # type: ignore[arg-type]
    return call, session, closed


def frame(value: int) -> bytes:
    return bytes([value]) * FRAME_BYTES


async def test_is_a_call_audio_at_8_khz() -> None:
    call, _, _ = _call()
    assert isinstance(call, CallAudio) and call.sample_rate == 8000
    assert call.codec == "PCMA"


async def test_caller_audio_is_cut_into_20_ms_frames_whatever_the_packet_size() -> None:
    call, session, _ = _call()
    session.on_audio(b"\x01" * 480, 0)  # a 30 ms packet
    session.on_audio(b"\x02" * 160, 240)  # and 10 ms
    assert await call.read_frame() == b"\x01" * 320
    assert await call.read_frame() == b"\x01" * 160 + b"\x02" * 160
    assert call.frames_in == 2


async def test_read_frame_returns_empty_once_the_call_ended_even_while_waiting() -> None:
    call, _, closed = _call()
    waiting = asyncio.ensure_future(call.read_frame())
    await asyncio.sleep(0)
    call.close("caller_hung_up")
    assert await waiting == b""
    assert await call.read_frame() == b""
    assert call.ended and closed == [call] and call.end_reason == "caller_hung_up"


async def test_tick_sends_live_audio_first_then_prompts_then_silence() -> None:
    call, session, _ = _call()
    done = call.play(frame(7) * 2)
    call.write_frame(frame(9))
    for _ in range(4):
        call.tick()
    assert session.rtp_session.sent == [frame(9), frame(7), frame(7), SILENT_FRAME]
    assert done.done()


async def test_live_audio_backlog_is_bounded_so_latency_stays_low() -> None:
    call, session, _ = _call()
    for n in range(LIVE_FRAMES + 3):
        call.write_frame(frame(n))
    call.tick()
    assert session.rtp_session.sent == [frame(3)]  # the three oldest were dropped


async def test_stop_playback_drops_the_prompt_and_resolves_its_future() -> None:
    call, session, _ = _call()
    done = call.play(frame(5) * 10)
    call.tick()
    call.stop_playback()
    call.tick()
    assert done.done()
    assert session.rtp_session.sent == [frame(5), SILENT_FRAME]


async def test_keys_are_upper_cased_and_ignored_after_the_end() -> None:
    call, session, _ = _call()
    session.on_dtmf("a", 160)
    call.close("caller_hung_up")
    call.digit("5")
    assert call.digits.get_nowait() == "A"
    assert call.digits.empty()
