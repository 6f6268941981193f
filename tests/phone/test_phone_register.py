"""The gateway registers at the PBX as an extension (digest auth), here a sipp registrar."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import pytest

from app.phone.sip import LineConfig, PhoneLine
from tests.phone.phone_sip_support import free_udp_port, free_udp_range, need_sipp, render, until

pytestmark = pytest.mark.slow


def _bound(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


async def _register(tmp_path: Path, password: str) -> tuple[PhoneLine, int]:
    sipp = need_sipp()
    registrar_port = free_udp_port()
    scenario = render(
        "uas_registrar.xml", tmp_path / "registrar.xml", USER="desk-phone", PASSWORD="s3cret-pw"
    )
    pbx = await asyncio.create_subprocess_exec(
        sipp, "-sf", str(scenario), "-i", "127.0.0.1", "-p", str(registrar_port), "-m", "1",
        "-timeout", "20s", "-nostdin",
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    await until(lambda: _bound(registrar_port), 10, "sipp listening as the registrar")
    line = PhoneLine(
        LineConfig(
            bind_port=0,
            rtp_ports=free_udp_range(20),
            registrar=("127.0.0.1", registrar_port),
            user="desk-phone",
            password=password,
            domain="pbx.example",
        ),
        lambda call: asyncio.sleep(0),
    )
    await line.start()
    try:
        await until(lambda: line.registration_status is not None, 10, "the registrar's answer")
        returncode = await asyncio.wait_for(pbx.wait(), 10)
    finally:
        if pbx.returncode is None:
            pbx.kill()
            await pbx.wait()
        await line.stop()
    return line, returncode


async def test_register__answers_the_digest_challenge_and_is_registered(tmp_path: Path) -> None:
    line, returncode = await _register(tmp_path, "s3cret-pw")
    assert returncode == 0
    assert line.registration_status == "registered"


async def test_register__a_wrong_password_is_reported_not_hidden(tmp_path: Path) -> None:
    line, _ = await _register(tmp_path, "wrong-password")
    assert line.registration_status == "failed: 403 Forbidden"
    assert not line.registered.is_set()
