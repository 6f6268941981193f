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

import numpy as np
import pytest
from aiortp.codecs.g711 import PcmaCodec

from app.main import create_app
from tests.browser_support import live_server, media_browser  # noqa: F401 (fixture)
from tests.calls.calls_support import (
    accept_ring,
    admin_get,
    arrange_desk,
    assert_audio_rises,
    available_staff,
    failure_evidence,
    screenshot_all,
    stats,
    wait_for,
)
from tests.conftest import open_desk_settings
from tests.phone.phone_sip_support import (
    CALLER,
    SIP_TESTER,
    alaw_tone,
    free_udp_port,
    free_udp_range,
    need_sipp,
    render,
    sipp_command,
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


def _case(base: str, case_id: str) -> dict[str, Any]:
    case: dict[str, Any] = admin_get(base, f"/api/v1/consultations/{case_id}")
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
        counselor, interpreter = available_staff(media_browser, base, logs)
        pages = {"counselor": counselor, "interpreter": interpreter}
        sink = Sink(sink_port)
        caller = subprocess.Popen(  # noqa: S603 - sipp with arguments we chose
            sipp_command(
                sipp,
                scenario,
                app.state.phone_line.address,
                tmp_path / "sipp-errors.log",
                "-m",
                "1",
                "-d",
                str(CALLER_STAYS_MS),
                "-timeout",
                "90s",
            ),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            with failure_evidence(logs, pages, "phone-sip-failed"):
                # key 4 during the greeting: Korean, a remote-interpreter language, so the interpreter is rung
                accept_ring(interpreter, "phone", timeout=20_000)
                (record,) = app.state.phone_gateway.records.values()
                assert (record.language, record.choice) == ("ko", "key")
                case_id = record.consultation_id
                assert _case(base, case_id)["channel"] == "phone"
                phone = f"phone-{case_id[:8]}"
                wait_for(lambda: record.outcome == "connected", 20, "the phone bridge in the call")
                joined_at = time.monotonic()

                # both browsers receive the caller's audio: the phone participant's inbound audio bytes rise
                assert_audio_rises((counselor, interpreter), phone)

                # the caller hears the browsers (fake microphones beep): RTP keeps coming and is not silence
                time.sleep(2.0)
                packets, rms = sink.level_since(joined_at + 1.0)
                assert packets > 50, packets
                assert rms > 100, rms
                screenshot_all(pages, "phone-sip")

                # the caller hangs up (sipp's BYE): the call ends for everyone and every leg is closed
                errors = tmp_path / "sipp-errors.log"
                assert caller.wait(CALLER_STAYS_MS / 1000 + 30) == 0, errors.read_text()
                wait_for(lambda: record.outcome == "ended_by_caller", 15, "the gateway to see the hang-up")
                for page in (counselor, interpreter):
                    wait_for(lambda page=page: phone not in stats(page), 15, "phone peer gone")
                wait_for(lambda: _case(base, case_id)["status"] == "ended", 15, "the case to end")
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
