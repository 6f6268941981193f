"""`madoguchi demo-data`, `refresh-reports` and `purge-personal-data`, run as operators run them.

The commands run on the real time; here they run at TEST_NOW (18 November 2026 in Japan): a subprocess gets it
through MADOGUCHI_CLOCK_START (dev mode), an in-process call through `main(..., clock=...)`. So "the past
months" and "the current month" are the same on any day the suite runs.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.auth.principal import Principal, Via
from app.cli import main
from app.clock import Clock
from app.config import Settings
from app.db import create_engine, create_sessionmaker
from app.report import service
from app.report.service import RawFilters
from tests.conftest import TEST_NOW, open_desk_settings, pinned_clock

pytestmark = pytest.mark.slow  # migrations, synthetic loads and subprocesses: seconds each
ADMIN = Principal(role="admin", via=Via.bearer, display_name="admin", staff_user_id=1)


def _run(args: list[str], database_url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The command in dev mode at TEST_NOW."""
    env = {
        **os.environ,
        "MADOGUCHI_MODE": "dev",
        "MADOGUCHI_DATABASE_URL": database_url,
        "MADOGUCHI_CLOCK_START": TEST_NOW.isoformat(),
    }
    return subprocess.run(  # noqa: S603 - our own CLI
        [sys.executable, "-m", "app.cli", *args], cwd=cwd, env=env, capture_output=True, text=True,
        timeout=300, check=False,
    )  # fmt: skip


def test_cli__demo_data_then_purge(database_url: str, tmp_path: Path) -> None:
    repo = Path(__file__).resolve().parents[2]
    done = _run(
        ["demo-data", "--cases", "300", "--seed", "4", "--months", "3", "--until", "2026-10"],
        database_url,
        repo,
    )
    assert done.returncode == 0, done.stderr
    assert "300 synthetic cases (2026-08 to 2026-10, seed 4)" in done.stdout
    assert "report rollup: 3 months" in done.stdout
    again = _run(["refresh-reports"], database_url, repo)
    assert again.returncode == 0, again.stderr
    assert "none needed" in again.stdout
    dry = _run(["purge-personal-data", "--older-than-days", "1", "--dry-run"], database_url, repo)
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.startswith("would purge personal data of ")
    purge = _run(["purge-personal-data"], database_url, repo)
    assert purge.returncode == 0 and "(1095 days)" in purge.stdout


async def _dashboard_cases(settings: Settings, clock: Clock, raw: RawFilters) -> tuple[int, list[str]]:
    """Total cases on the dashboard for `raw`, and the months it read from the rollup."""
    engine = create_engine(settings.database_url, clock=clock)
    try:
        async with create_sessionmaker(engine)() as session:
            ctx = await service.prepare(session, ADMIN, raw, settings.zone, clock.now())
            dashboard = await service.dashboard(session, ctx)
            return dashboard.service.total.cases, [str(m) for m in ctx.plan.rollup_months]
    finally:
        await engine.dispose()


def test_cli__demo_data_on_rolled_up_months_refreshes_them(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A second load into months that are already rolled up must not leave the dashboard on the old totals.
    monkeypatch.setenv("MADOGUCHI_MODE", "dev")
    monkeypatch.setenv("MADOGUCHI_DATABASE_URL", database_url)
    monkeypatch.delenv("MADOGUCHI_CLOCK_START", raising=False)
    clock = pinned_clock()
    period = ["--months", "3", "--until", "2026-10"]
    main(["demo-data", "--cases", "300", "--seed", "4", *period], clock=clock)
    assert "report rollup: 3 months" in capsys.readouterr().out
    main(["demo-data", "--cases", "200", "--seed", "5", *period], clock=clock)
    second = capsys.readouterr().out
    assert "200 synthetic cases (2026-08 to 2026-10, seed 5)" in second
    assert "report rollup: 3 months" in second  # the months it touched, rolled up again
    main(["refresh-reports"], clock=clock)
    assert "none needed" in capsys.readouterr().out

    settings = open_desk_settings(database_url)
    total, rolled_up = asyncio.run(_dashboard_cases(settings, clock, RawFilters("2026-08", "2026-10")))
    assert rolled_up == ["2026-08", "2026-09", "2026-10"]  # read from the rollup, not live
    assert total == 500
