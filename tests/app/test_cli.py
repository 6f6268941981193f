"""The `madoguchi` command, run as operators run it: in a subprocess against a real database.

Commands run on the real time; in dev mode the tests start their clock at TEST_NOW (MADOGUCHI_CLOCK_START), so
`serve --demo`'s year of history and its links are the same on any day the suite runs.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from app import migrate
from tests.conftest import TEST_NOW

pytestmark = pytest.mark.slow  # every test starts the CLI in a subprocess: seconds each
CLOCK_START = {"MADOGUCHI_CLOCK_START": TEST_NOW.isoformat()}


def _run(args: list[str], cwd: Path, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
    """Dev mode at TEST_NOW unless `env` says otherwise (production refuses a moved clock)."""
    full_env = {**os.environ, "MADOGUCHI_MODE": "dev", **CLOCK_START, **env}
    if full_env["MADOGUCHI_MODE"] == "production":
        full_env.pop("MADOGUCHI_CLOCK_START")
    return subprocess.run(  # noqa: S603 - our own CLI
        [sys.executable, "-m", "app.cli", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        env=full_env,
        timeout=120,
        check=False,
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    # the package must be importable from a directory that is not the checkout
    return tmp_path


@pytest.mark.parametrize("demo", [False, True], ids=["plain", "demo"])
def test_serve__fresh_directory_serves_readyz_and_municipalities(workdir: Path, demo: bool) -> None:
    port = _free_port()
    env = {**os.environ, "MADOGUCHI_MODE": "dev", "PYTHONUNBUFFERED": "1", **CLOCK_START}
    env.pop("MADOGUCHI_DATABASE_URL", None)
    log = (workdir / "serve.log").open("w")
    process = subprocess.Popen(  # noqa: S603 - our own CLI
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port), *(["--demo"] if demo else [])],
        cwd=workdir,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        ready = None
        while time.monotonic() < deadline:
            try:
                ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2)
                break
            except httpx.TransportError:
                assert process.poll() is None, (workdir / "serve.log").read_text()
                time.sleep(0.2)
        assert ready is not None and ready.status_code == 200, ready
        municipalities = httpx.get(f"http://127.0.0.1:{port}/api/v1/municipalities", timeout=5).json()
        assert len([m for m in municipalities if m["kind"] != "outside"]) == 10
        assert (workdir / "var" / "madoguchi.db").exists()
        printed = (workdir / "serve.log").read_text()
        link = re.search(rf"(http://127\.0\.0\.1:{port}/r/\S+)", printed)
        if demo:  # the demo prints a resident's poster link that opens the resident page
            assert link is not None, printed
            page = httpx.get(link.group(1), timeout=10)
            assert page.status_code == 200 and 'lang="' in page.text
        else:
            assert link is None
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


def test_serve__refuses_default_secret_in_production(workdir: Path) -> None:
    result = _run(["serve"], workdir, MADOGUCHI_MODE="production")
    assert result.returncode != 0
    assert "MADOGUCHI_SECRET_KEY" in result.stderr
    assert "Traceback" not in result.stderr


def test_admin_commands__create_user_and_register_device(workdir: Path) -> None:
    url = f"sqlite+aiosqlite:///{workdir / 'cli.db'}"
    assert _run(["migrate"], workdir, MADOGUCHI_DATABASE_URL=url).returncode == 0
    seeded = _run(["seed"], workdir, MADOGUCHI_DATABASE_URL=url)
    assert "11 municipalities, 10 sites, 15 languages, 16 topics added" in seeded.stdout
    again = _run(["seed"], workdir, MADOGUCHI_DATABASE_URL=url)
    assert "0 municipalities, 0 sites, 0 languages, 0 topics added" in again.stdout

    made = _run(
        [
            "create-user",
            "--username",
            "yamada",
            "--role",
            "coordinator",
            "--municipality",
            "33208",
            "--password-stdin",
        ],
        workdir,
        stdin="a long enough password\n",
        MADOGUCHI_DATABASE_URL=url,
    )
    assert made.returncode == 0, made.stderr
    assert "created coordinator 'yamada'" in made.stdout
    dup = _run(
        ["create-user", "--username", "yamada", "--role", "admin", "--password-stdin"],
        workdir,
        stdin="a long enough password\n",
        MADOGUCHI_DATABASE_URL=url,
    )
    assert dup.returncode != 0 and "already exists" in dup.stderr
    short = _run(
        ["create-user", "--username", "x", "--role", "admin", "--password-stdin"],
        workdir,
        stdin="short\n",
        MADOGUCHI_DATABASE_URL=url,
    )
    assert short.returncode != 0 and "at least 10 characters" in short.stderr

    device = _run(
        ["register-device", "--site", "soja-counter", "--name", "tab-1"], workdir, MADOGUCHI_DATABASE_URL=url
    )
    assert device.returncode == 0
    token = device.stdout.strip().splitlines()[-1]
    assert token.startswith("mdv_")
    assert "It expires in 365 days" in device.stdout  # device tokens expire by default (issue 18, Medium 9)
    bad_site = _run(["register-device", "--site", "mars", "--name", "t"], workdir, MADOGUCHI_DATABASE_URL=url)
    assert bad_site.returncode != 0 and "soja-counter" in bad_site.stderr

    down = _run(["downgrade", "base"], workdir, MADOGUCHI_DATABASE_URL=url)
    assert down.returncode == 0
    assert migrate.head_revision(url) is not None
