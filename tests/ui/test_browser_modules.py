"""The browser code keeps one `$`, one websocket client, one CSRF convention, one device check."""

from __future__ import annotations

from pathlib import Path

import pytest

import app.ui

UI = Path(app.ui.__file__).parent
SHARED = UI / "shared" / "static"
SCRIPTS = sorted(UI.glob("*/static/*.js"))


@pytest.mark.parametrize(
    ("needle", "home"),
    [
        ("const $ =", SHARED / "dom.js"),
        ("new WebSocket(", SHARED / "live_socket.js"),
        ('"X-CSRF-Token"', SHARED / "api.js"),
        ('"/api/v1/device-check"', SHARED / "device_check.js"),
    ],
)
def test_one_home__for_each_shared_piece(needle: str, home: Path) -> None:
    found = [path for path in SCRIPTS if needle in path.read_text(encoding="utf-8")]
    assert found == [home]


def test_modules__import_shared_code_by_one_address() -> None:
    """A module imported under two URLs would run twice (two sockets, two clocks); shared code has one."""
    for path in SCRIPTS:
        text = path.read_text(encoding="utf-8")
        for name in ("dom.js", "api.js", "live_socket.js", "device_check.js"):
            for line in text.splitlines():
                if line.startswith(("import ", "export ")) and f"/{name}" in line:
                    assert f'"/assets/shared/{name}"' in line, (path.name, line)
