"""Hostile model archives (issue 18, item 16): deep nesting, zip bombs, a full disk.

Each is refused with a clear message, through the real `madoguchi mt install` command where the finding was
made that way, and no staging folder (``.<pair>.new-*``) is ever left behind.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from model_factory import Entry, valid_entries, write_zip

from app.mt import InvalidModelPackage, Limits, install_package
from app.mt.package import remove_tree

TOP = "translate-en_ja-1_0"


def deep_entries(levels: int) -> list[Entry]:
    chain = "/".join(["d"] * levels)
    return [*valid_entries(TOP), Entry(f"{TOP}/{chain}/"), Entry(f"{TOP}/{chain}/leaf.txt", b"x")]


def leftovers(models: Path) -> list[str]:
    return sorted(p.name for p in models.iterdir() if p.name != ".install.lock") if models.exists() else []


def test_cli_install_of_a_2100_level_archive__clear_error_and_nothing_left(tmp_path: Path) -> None:
    archive = write_zip(tmp_path / "deep.argosmodel", deep_entries(2100))
    models = tmp_path / "models"

    run = subprocess.run(  # noqa: S603 (our own interpreter and paths)
        [sys.executable, "-m", "app.cli", "mt", "install", str(archive), "--models-dir", str(models)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert run.returncode == 1
    assert "Traceback" not in run.stderr and "RecursionError" not in run.stderr
    assert "error: refused model package" in run.stderr and "folders deep" in run.stderr
    assert leftovers(models) == []


def test_extraction_that_fails_deep_down__staging_removed_however_deep(tmp_path: Path) -> None:
    # The depth and path checks lifted: the file system refuses the path (ENAMETOOLONG) ~2,000 levels down,
    # after that many folders were made; rmtree would hit RecursionError cleaning up, remove_tree does not.
    archive = write_zip(tmp_path / "deep.argosmodel", deep_entries(2100))
    models = tmp_path / "models"

    with pytest.raises(InvalidModelPackage, match="cannot be unpacked"):
        install_package(archive, models, Limits(max_depth=10_000, max_path_chars=100_000))

    assert leftovers(models) == []


def test_remove_tree__a_folder_2100_levels_deep(tmp_path: Path) -> None:
    root = tmp_path / "deep"
    root.mkdir()
    fd = os.open(root, os.O_RDONLY)
    try:
        for _ in range(2100):  # relative to the last folder: no path grows past PATH_MAX
            os.mkdir("d", dir_fd=fd)
            inner = os.open("d", os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
        os.close(os.open("leaf", os.O_CREAT | os.O_WRONLY, dir_fd=fd))
    finally:
        os.close(fd)

    remove_tree(root)

    assert not root.exists()


def test_zip_bomb_member__refused_by_its_compression_ratio(tmp_path: Path) -> None:
    zeros = Entry(f"{TOP}/model/zeros.bin", b"\0" * 8_000_000)
    archive = write_zip(tmp_path / "bomb.argosmodel", [*valid_entries(TOP), zeros])
    with zipfile.ZipFile(archive) as zf:
        assert zf.getinfo(f"{TOP}/model/zeros.bin").compress_size < 20_000  # really ~1000:1

    with pytest.raises(InvalidModelPackage, match=r"expands \d+:1") as refused:
        install_package(archive, tmp_path / "models")

    assert "compression ratio of at most 200:1" in refused.value.accepted
    assert leftovers(tmp_path / "models") == []


def test_not_enough_free_space__refused_before_anything_is_written(tmp_path: Path) -> None:
    archive = write_zip(tmp_path / "ok.argosmodel", valid_entries(TOP))
    models = tmp_path / "models"
    everything = 2**62  # more than any disk has free: the real free-space figure cannot cover it

    with pytest.raises(InvalidModelPackage, match="not enough free space"):
        install_package(archive, models, Limits(reserve_bytes=everything))

    assert leftovers(models) == []
    assert install_package(archive, models).package.path == models / "en_ja"  # the default reserve fits


def test_too_many_members__refused(tmp_path: Path) -> None:
    entries = [*valid_entries(TOP), *(Entry(f"{TOP}/extra/{n}.txt", b"x") for n in range(30))]
    archive = write_zip(tmp_path / "many.argosmodel", entries)

    with pytest.raises(InvalidModelPackage, match="entries"):
        install_package(archive, tmp_path / "models", Limits(max_entries=20))
