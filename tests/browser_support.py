"""Reusable pieces for browser tests: Debian's Chromium through Playwright, and a real uvicorn on 127.0.0.1.

Use from a test module:

    from tests.browser_support import chromium_browser, live_server, sign_in  # noqa: F401 (fixtures)

`live_server(app)` is a context manager (the app is served from a background thread); `chromium_browser`
is a fixture that skips the test when Chromium or Playwright is missing on a laptop, and fails in CI. Tests
that use them are marked `@pytest.mark.browser`. Never run `playwright install`: we drive /usr/bin/chromium.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn

CHROMIUM_PATH = os.environ.get("MADOGUCHI_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# For calls: a fake camera and microphone, no permission prompt, loopback ICE candidates.
MEDIA_ARGS = [
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    "--allow-loopback-in-peer-connection",
    "--disable-features=WebRtcHideLocalIpsWithMdns",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """uvicorn serving an ASGI app on 127.0.0.1 from a daemon thread (its own event loop)."""

    def __init__(self, app: Any, port: int | None = None, ws: str = "auto") -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", ws=ws, lifespan="on"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name=f"uvicorn-{self.port}", daemon=True)

    def start(self, timeout: float = 30) -> None:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"uvicorn did not start on {self.url}")
            time.sleep(0.05)

    def stop(self, timeout: float = 30) -> None:
        self.server.should_exit = True
        self.thread.join(timeout)


@contextmanager
def live_server(app: Any, port: int | None = None, ws: str = "auto") -> Iterator[LiveServer]:
    server = LiveServer(app, port, ws)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"browser tests need {reason} in CI")
    pytest.skip(reason)


@pytest.fixture
def chromium_browser() -> Iterator[Any]:
    """A headless Chromium (Debian's) driven by Playwright's sync API; closed after the test."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright Python package (pip install playwright; never `playwright install`)")
    if not (Path(CHROMIUM_PATH).exists() or shutil.which(CHROMIUM_PATH)):
        _unavailable(f"Chromium at {CHROMIUM_PATH} (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM_PATH, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def media_browser() -> Iterator[Any]:
    """Like `chromium_browser`, with a fake camera and microphone (MEDIA_ARGS) for call tests."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright Python package (pip install playwright; never `playwright install`)")
    if not (Path(CHROMIUM_PATH).exists() or shutil.which(CHROMIUM_PATH)):
        _unavailable(f"Chromium at {CHROMIUM_PATH} (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM_PATH, headless=True, args=CHROMIUM_ARGS + MEDIA_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


def sign_in(page: Any, base_url: str, username: str, password: str) -> None:
    """Through the real /login form (it sets its own CSRF cookie), like a person would."""
    page.goto(f"{base_url}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    with page.expect_navigation():
        page.click("button[type=submit]")
