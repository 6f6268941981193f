"""`madoguchi mt install FILE` validates and installs; `madoguchi mt list` shows pairs and reach."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main
from tests.mt.model_factory import Entry, valid_entries, write_zip

pytestmark = pytest.mark.slow  # a real server or subprocess: seconds, not milliseconds


def test_chat_cli__install_then_list_shows_the_pivot(
    chat_packages: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    models = tmp_path / "models"
    for name in ("ne_en", "en_ja"):
        main(["mt", "install", str(chat_packages[name]), "--models-dir", str(models)])
    out = capsys.readouterr().out
    assert "installed ne -> en (Nepali -> English, package 1.0" in out
    assert "installed en -> ja" in out

    main(["mt", "list", "--models-dir", str(models)])
    listing = capsys.readouterr().out
    assert "ne -> en" in listing and "en -> ja" in listing
    ne = next(line for line in listing.splitlines() if line.strip().startswith("ne ") and "to ja:" in line)
    assert "to ja: ne -> en -> ja (via en)" in ne
    assert "from ja: not available" in ne and "MISSING" in ne
    th = next(line for line in listing.splitlines() if line.strip().startswith("th ") and "to ja:" in line)
    assert "to ja: not available" in th


def test_chat_cli__models_dir_comes_from_the_setting(
    chat_packages: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    models = tmp_path / "configured"
    monkeypatch.setenv("MADOGUCHI_MODE", "dev")
    monkeypatch.setenv("MADOGUCHI_MT_MODELS_DIR", str(models))
    main(["mt", "install", str(chat_packages["ja_en"])])
    assert (models / "ja_en" / "metadata.json").is_file()


def test_chat_cli__path_escape_is_refused_with_a_clear_message_and_exit_code(tmp_path: Path) -> None:
    evil = write_zip(
        tmp_path / "evil.argosmodel",
        [*valid_entries(), Entry("translate-en_ja-1_0/../../escaped.txt", b"gotcha")],
    )
    models = tmp_path / "models"
    env = {**os.environ, "MADOGUCHI_MODE": "dev"}
    result = subprocess.run(  # noqa: S603 - our own CLI
        [sys.executable, "-m", "app.cli", "mt", "install", str(evil), "--models-dir", str(models)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=60,
    )
    assert result.returncode != 0
    assert "refused model package" in result.stderr
    assert ".." in result.stderr
    assert not (tmp_path / "escaped.txt").exists()
    assert not any(models.glob("*_*")) if models.exists() else True

    with pytest.raises(SystemExit) as refused:
        main(["mt", "install", str(tmp_path / "missing.argosmodel"), "--models-dir", str(models)])
    assert "error:" in str(refused.value.code)
