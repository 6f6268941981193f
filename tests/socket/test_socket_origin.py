"""``/ws`` refuses pages from other sites and closes on binary frames with 1003 (issue 18, item 17).

Against a real uvicorn, as the finding was made: a socket opened from another origin is refused before it is
accepted (HTTP 403), the service's own origin and a configured one are let in, and a binary frame closes the
socket with 1003 (unsupported data) rather than a traceback and 1011.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import websockets
from websockets.exceptions import ConnectionClosed, InvalidStatus

from app.main import create_app
from app.socket.origin import origin_allowed
from tests.browser_support import LiveServer, live_server
from tests.conftest import open_desk_settings

PARTNER = "https://kiosk.city.example"


@pytest.fixture
def server(sqlite_template: Path, tmp_path: Path) -> Iterator[LiveServer]:
    path = tmp_path / "origin.db"
    shutil.copyfile(sqlite_template, path)
    settings = open_desk_settings(f"sqlite+aiosqlite:///{path}", ws_allowed_origins=PARTNER)
    with live_server(create_app(settings)) as running:
        yield running


def _ws(server: LiveServer) -> str:
    return server.url.replace("http://", "ws://") + "/ws"


@pytest.mark.slow
@pytest.mark.parametrize("origin", ["https://evil.example", "http://127.0.0.1:1", "null"])
async def test_a_page_of_another_site__refused_before_accept(server: LiveServer, origin: str) -> None:
    with pytest.raises(InvalidStatus) as refused:
        async with websockets.connect(_ws(server), origin=origin):  # type: ignore[arg-type]
            pass
    assert refused.value.response.status_code == 403


@pytest.mark.slow
async def test_own_and_configured_origins_and_no_origin__welcomed(server: LiveServer) -> None:
    for origin in (server.url, PARTNER, None):
        async with websockets.connect(_ws(server), origin=origin) as ws:  # type: ignore[arg-type]
            assert json.loads(await ws.recv())["type"] == "hello", origin


@pytest.mark.slow
async def test_binary_frame__closed_with_1003_not_1011(server: LiveServer) -> None:
    async with websockets.connect(_ws(server), origin=server.url) as ws:  # type: ignore[arg-type]
        assert json.loads(await ws.recv())["type"] == "hello"
        await ws.send(b"\x00\x01binary")
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                await ws.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1003


@pytest.mark.parametrize(
    ("origin", "host", "allowed"),
    [
        (None, "desk.city.example", True),  # no browser page: a tablet app or an API client
        ("https://desk.city.example", "desk.city.example", True),  # behind a TLS proxy (we see http)
        ("http://desk.city.example:8000", "desk.city.example:8000", True),
        ("HTTPS://Desk.City.Example:443", "desk.city.example", True),
        ("https://desk.city.example.evil.example", "desk.city.example", False),
        ("https://desk.city.example:8443", "desk.city.example", False),
        ("http://desk.city.example:8001", "desk.city.example:8000", False),
        ("null", "desk.city.example", False),
        ("file://", "desk.city.example", False),
        ("https://user@desk.city.example", "desk.city.example", False),
        ("not an origin", "desk.city.example", False),
        ("https://desk.city.example", None, False),
        (PARTNER, "desk.city.example", True),
        (PARTNER + ":443", "desk.city.example", True),
        ("http://kiosk.city.example", "desk.city.example", False),  # not the configured scheme
    ],
)
def test_origin_rules(origin: str | None, host: str | None, allowed: bool) -> None:
    assert origin_allowed(origin, host, [PARTNER]) is allowed
