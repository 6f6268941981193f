"""Driving the phone gateway with a real SIP peer: Debian's sipp (``sip-tester``) and its scenario files.

Scenarios live in ``tests/phone/sipp/``; sipp does not expand variables inside ``exec`` actions, so the
templates carry ``@NAME@`` placeholders that :func:`render` fills in. Tests that need sipp skip on a laptop
without it and fail in CI, like the PostgreSQL ones.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import shutil
import socket
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from app.phone.g711 import pcm_to_ulaw
from app.phone.menu import MenuLayout
from app.phone.prompts import MANIFEST
from app.phone.prompts.generate import MENU_ORDER, texts, ulaw_wav

SIPP = shutil.which("sipp")
SCENARIOS = Path(__file__).parent / "sipp"
SIP_TESTER = Path("/usr/share/sip-tester")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CALLER = "0864261234"


def need_sipp() -> str:
    if SIPP is None or not (SIP_TESTER / "dtmf_2833_4.pcap").exists():
        if IN_CI:
            pytest.fail("sipp (Debian package sip-tester) is required in CI: apt-get install sip-tester")
        pytest.skip("sipp not installed (apt-get install sip-tester)")
    return SIPP


def free_udp_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def free_udp_range(size: int = 200) -> tuple[int, int]:
    """An even-aligned block of UDP ports that looks free now (RTP for one test's gateway)."""
    for _ in range(50):
        base = (free_udp_port() & ~1) % 50000 + 10000
        try:
            for port in (base, base + size // 2, base + size - 2):
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                    s.bind(("127.0.0.1", port))
        except OSError:
            continue
        return base, base + size
    raise RuntimeError("no free UDP port range")


def tiny_prompts(directory: Path, languages: Sequence[str] = MENU_ORDER, seconds: float = 0.12) -> Path:
    """A prompt set with the real names and texts but a short tone per prompt, so menus end quickly."""
    layout = MenuLayout.of(languages)
    samples = np.arange(int(8000 * seconds))
    tone = (8000 * np.sin(2 * math.pi * 440 * samples / 8000)).astype("<i2").tobytes()
    entries: dict[str, object] = {}
    for lang in languages:
        ulaw = bytearray()
        prompts: dict[str, object] = {}
        for name, text in texts(lang, layout, "09:00-17:00").items():
            chunk = pcm_to_ulaw(tone)
            prompts[name] = {"start": len(ulaw), "length": len(chunk), "text": text}
            ulaw += chunk
        (directory / f"{lang}.wav").write_bytes(ulaw_wav(bytes(ulaw)))
        entries[lang] = {"file": f"{lang}.wav", "voice": "test-tone", "prompts": prompts}
    manifest = {"hours": "09:00-17:00", "menu_order": list(languages), "languages": entries}
    (directory / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    return directory


def alaw_tone(path: Path, seconds: float = 2.0, frequency: float = 600.0) -> Path:
    """Raw G.711 A-law audio for sipp's rtp_stream (payload type 8): the caller's voice."""
    n = np.arange(int(8000 * seconds))
    pcm = (9000 * np.sin(2 * math.pi * frequency * n / 8000)).astype(np.int32)
    path.write_bytes(bytes(_alaw(int(s)) for s in pcm))
    return path


def _alaw(sample: int) -> int:
    sign = 0x00 if sample < 0 else 0x80
    magnitude = min(abs(sample), 32767) >> 3
    if magnitude < 32:
        code = magnitude >> 1
    else:
        exponent = magnitude.bit_length() - 5
        code = (exponent << 4) | ((magnitude >> exponent) & 0x0F)
    return (sign | code) ^ 0x55


def render(template: str, out: Path, **values: str) -> Path:
    text = (SCENARIOS / template).read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace(f"@{key}@", value)
    if "@" in text.replace("@[local_ip]", "").replace("@[remote_ip]", ""):
        raise ValueError(f"unfilled placeholder in {template}")
    out.write_text(text, encoding="utf-8")
    return out


def info_keys(keys: Sequence[tuple[str, int]], content_type: str = "application/dtmf-relay") -> str:
    """INFO requests for ``keys`` [(key, pause before it in ms)] in the body format of ``content_type``."""
    block = (SCENARIOS / "info_key.xml").read_text(encoding="utf-8")
    parts = []
    for n, (key, pause_ms) in enumerate(keys, start=2):
        body = (
            f"      Signal={key}\n      Duration=160"
            if content_type == "application/dtmf-relay"
            else f"      {key}"
        )
        parts.append(
            block.replace("@PAUSE_MS@", str(pause_ms))
            .replace("@CSEQ@", str(n))
            .replace("@CONTENT_TYPE@", content_type)
            .replace("@BODY@", body)
        )
    return "".join(parts)


def info_scenario(
    out: Path, keys: Sequence[tuple[str, int]], *, sink_port: int, gateway_hangs_up: bool = False, **kw: str
) -> Path:
    end = (SCENARIOS / ("await_bye.xml" if gateway_hangs_up else "hang_up.xml")).read_text(encoding="utf-8")
    body = info_keys(keys, **kw)
    return render("uac_info.xml", out, INFO_KEYS=body, END=end, CALLER=CALLER, SINK_PORT=str(sink_port))


@dataclass
class SippRun:
    returncode: int
    errors: str


def sipp_command(
    sipp: str, scenario: Path, target: tuple[str, int], errors: Path, *options: str
) -> list[str]:
    """sipp placing calls from 127.0.0.1 (free SIP and media ports) to `target`, with `options` (calls,
    rate, stay, timeout); no keyboard, failed messages traced to `errors`."""
    return [
        sipp,
        "-sf",
        str(scenario),
        f"{target[0]}:{target[1]}",
        "-i",
        "127.0.0.1",
        "-p",
        str(free_udp_port()),
        "-mp",
        str(free_udp_port() & ~1),
        *options,
        "-nostdin",
        "-trace_err",
        "-error_file",
        str(errors),
    ]


async def run_sipp(
    scenario: Path, target: tuple[str, int], *, stay_ms: int = 1000, calls: int = 1, extra: Sequence[str] = ()
) -> SippRun:
    """Place ``calls`` calls with one sipp process and wait for it (return code 0: every call succeeded)."""
    sipp = need_sipp()
    errors = Path(tempfile.mkdtemp(prefix="sipp-")) / f"{scenario.stem}.errors.log"
    proc = await asyncio.create_subprocess_exec(
        *sipp_command(
            sipp,
            scenario,
            target,
            errors,
            "-m",
            str(calls),
            "-l",
            str(calls),
            "-r",
            str(max(calls, 1)),
            "-d",
            str(stay_ms),
            "-timeout",
            "30s",
        ),
        *extra,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        returncode = await proc.wait()
    finally:
        if proc.returncode is None:  # the test failed or was cancelled while sipp was still calling
            proc.kill()
            await proc.wait()
    return SippRun(returncode, errors.read_text(errors="replace") if errors.exists() else "")


class RtpSink(asyncio.DatagramProtocol):
    """The caller's side of the media: counts the RTP packets the gateway sends and keeps their payloads."""

    def __init__(self) -> None:
        self.packets = 0
        self.payloads: list[bytes] = []
        self.transport: asyncio.BaseTransport | None = None

    def datagram_received(self, data: bytes, addr: object) -> None:
        if len(data) > 12 and data[0] >> 6 == 2:
            self.packets += 1
            self.payloads.append(data[12:])

    @classmethod
    async def open(cls, port: int) -> RtpSink:
        sink = cls()
        transport, _ = await asyncio.get_running_loop().create_datagram_endpoint(
            lambda: sink, local_addr=("127.0.0.1", port)
        )
        sink.transport = transport
        return sink

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


def rms_of_ulaw(payloads: Sequence[bytes]) -> float:
    from app.phone.g711 import ulaw_to_pcm

    pcm = np.frombuffer(ulaw_to_pcm(b"".join(payloads)), dtype="<i2").astype(np.float64)
    return float(np.sqrt(np.mean(pcm**2))) if len(pcm) else 0.0


async def until(check: object, within_s: float, what: str) -> None:
    """Poll ``check()`` until true; fail naming ``what`` (a readiness wait, not a timing assertion)."""
    try:
        async with asyncio.timeout(within_s):
            while not check():  # type: ignore[operator]  # noqa: ASYNC110
                await asyncio.sleep(0.05)
    except TimeoutError:
        pytest.fail(f"timed out waiting for: {what}")
