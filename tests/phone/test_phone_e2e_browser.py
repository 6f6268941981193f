"""End to end: a real SIP caller (sipp) presses 4, a Korean phone case is routed, an interpreter in Chromium
accepts, both browsers hear the caller, the caller hears them, and the hang-up ends every leg with minutes.

Everything runs for real: the app under uvicorn with the gateway on a UDP port, the shipped espeak-ng prompts,
RTP from sipp's rtp_stream (a 600 Hz tone, A-law), the phone bridge (aiortc), Chromium with fake devices.
"""

from __future__ import annotations

import math
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from aiortp.codecs.g711 import PcmaCodec

from app.main import create_app
from tests.browser_support import live_server, media_browser  # noqa: F401 (fixture)
from tests.calls.calls_support import (
    ADMIN,
    COUNSELOR,
    INTERPRETERS,
    arrange_desk,
    go_available,
    open_page,
    screenshot,
    stats,
    wait_for,
)
from tests.conftest import PASSWORD, open_desk_settings
from tests.phone.phone_sip_support import (
    CALLER,
    SIP_TESTER,
    alaw_tone,
    free_udp_port,
    free_udp_range,
    need_sipp,
    render,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CALLER_STAYS_MS = 30_000  # the caller hangs up (BYE) this long after the answer


class Sink:
    """The caller's RTP port: a thread keeps every packet the gateway sends, with its arrival time."""

    def __init__(self, port: int) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", port))
        self.sock.settimeout(0.2)
        self.packets: list[tuple[float, bytes]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        while not self._stop.is_set():
            try:
                data = self.sock.recv(2048)
            except TimeoutError:
                continue
            except OSError:
                return
            if len(data) > 12 and data[0] >> 6 == 2:
                self.packets.append((time.monotonic(), data[12:]))

    def level_since(self, since: float) -> tuple[int, float]:
        """Packets received since ``since`` and the RMS of their decoded A-law audio."""
        payloads = [p for at, p in list(self.packets) if at >= since]
        if not payloads:
            return 0, 0.0
        pcm = np.frombuffer(PcmaCodec().decode(b"".join(payloads)), dtype="<i2").astype(np.float64)
        return len(payloads), math.sqrt(float(np.mean(pcm**2)))

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


def _audio_from(page: Any, participant: str) -> int:
    figures = stats(page).get(participant)
    return 0 if figures is None or figures["connection"] != "connected" else int(figures["audioBytes"])


def _case(base: str, case_id: str) -> dict[str, Any]:
    with httpx.Client(base_url=base) as client:
        assert client.post("/api/v1/auth/login", json={"username": ADMIN, "password": PASSWORD}).is_success
        response = client.get(f"/api/v1/consultations/{case_id}")
        assert response.status_code == 200, response.text
        case: dict[str, Any] = response.json()
        return case


def test_sip_caller_key_4_interpreter_accepts_both_ways_audio_and_hang_up_records_minutes(
    media_browser: Any,  # noqa: F811
    sqlite_template: Path,
    tmp_path: Path,
) -> None:
    sipp = need_sipp()
    desk = arrange_desk(sqlite_template, tmp_path, languages=("ko",))
    settings = open_desk_settings(
        desk.database_url,
        loopback_media=True,
        phone_enabled=True,
        phone_sip_port=free_udp_port(),
        phone_rtp_ports="-".join(map(str, free_udp_range())),
    )
    app = create_app(settings)
    logs: list[str] = []
    sink_port = free_udp_port()
    scenario = render(
        "uac_call.xml",
        tmp_path / "caller.xml",
        CALLER=CALLER,
        SINK_PORT=str(sink_port),
        KEY_PCAP=str(SIP_TESTER / "dtmf_2833_4.pcap"),
        AUDIO=str(alaw_tone(tmp_path / "voice.al", seconds=2.0)),
    )
    with live_server(app) as server:
        base = server.url
        counselor = open_page(media_browser, base, "/counselor", COUNSELOR, logs)
        go_available(counselor)
        interpreter = open_page(media_browser, base, "/interpreter", INTERPRETERS[0], logs)
        go_available(interpreter)
        sink = Sink(sink_port)
        host, port = app.state.phone_line.address
        caller = subprocess.Popen(  # noqa: S603 - sipp with arguments we chose
            [
                sipp,
                "-sf",
                str(scenario),
                f"{host}:{port}",
                "-i",
                "127.0.0.1",
                "-p",
                str(free_udp_port()),
                "-mp",
                str(free_udp_port() & ~1),
                "-m",
                "1",
                "-d",
                str(CALLER_STAYS_MS),
                "-timeout",
                "90s",
                "-nostdin",
                "-trace_err",
                "-error_file",
                str(tmp_path / "sipp-errors.log"),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            # key 4 during the greeting: Korean, a remote-interpreter language, so the interpreter is rung
            interpreter.wait_for_selector("#ring:not([hidden])", timeout=20_000)
            assert interpreter.text_content("#offer-channel") == "phone"
            (record,) = app.state.phone_gateway.records.values()
            assert (record.language, record.choice) == ("ko", "key")
            case_id = record.consultation_id
            assert _case(base, case_id)["channel"] == "phone"
            phone = f"phone-{case_id[:8]}"
            interpreter.click("#accept")
            wait_for(lambda: record.outcome == "connected", 20, "the phone bridge in the call")
            joined_at = time.monotonic()

            # both browsers receive the caller's audio: inbound audio bytes from the phone participant rise
            for page in (counselor, interpreter):
                wait_for(lambda page=page: _audio_from(page, phone) > 0, 20, "audio from the phone")
            before = [_audio_from(p, phone) for p in (counselor, interpreter)]
            time.sleep(1.5)
            after = [_audio_from(p, phone) for p in (counselor, interpreter)]
            assert all(a > b for a, b in zip(after, before, strict=True)), (before, after)

            # the caller hears the browsers (their fake microphones beep): RTP keeps coming and is not silence
            time.sleep(2.0)
            packets, rms = sink.level_since(joined_at + 1.0)
            assert packets > 50, packets
            assert rms > 100, rms
            for name, page in (("counselor", counselor), ("interpreter", interpreter)):
                screenshot(page, f"phone-sip-{name}")

            # the caller hangs up (sipp's BYE): the call ends for everyone and every leg is closed
            assert caller.wait(CALLER_STAYS_MS / 1000 + 30) == 0, (tmp_path / "sipp-errors.log").read_text()
            wait_for(lambda: record.outcome == "ended_by_caller", 15, "the gateway to see the hang-up")
            for page in (counselor, interpreter):
                wait_for(lambda page=page: phone not in stats(page), 15, "phone peer gone")
            wait_for(lambda: _case(base, case_id)["status"] == "ended", 15, "the case to end")
        except Exception:
            for name, page in (("counselor", counselor), ("interpreter", interpreter)):
                screenshot(page, f"phone-sip-failed-{name}")
            raise AssertionError("\n".join(logs[-60:])) from None
        finally:
            if caller.poll() is None:
                caller.kill()
                caller.wait()
            sink.close()
        legs = _case(base, case_id)["call_legs"]
        roles = sorted(leg["role"] for leg in legs)
        assert roles == ["counselor", "interpreter", "phone"], legs
        assert all(leg["left_at"] is not None and leg["minutes"] is not None for leg in legs), legs
        interpreter_leg = next(leg for leg in legs if leg["role"] == "interpreter")
        assert interpreter_leg["minutes"] > 0
