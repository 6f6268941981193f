"""`madoguchi demo-data`, `refresh-reports` and `purge-personal-data`, run as operators run them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def _run(args: list[str], database_url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MADOGUCHI_MODE": "dev", "MADOGUCHI_DATABASE_URL": database_url}
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
