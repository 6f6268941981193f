"""The functions behind `madoguchi mt install` and `madoguchi mt list`."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.mt import InvalidModelPackage
from app.mt.cli import install_command, list_command

DESK = ["en", "zh", "vi", "ne", "fil", "ja"]


def test_install_command__reports_pair_and_replacement(tmp_path: Path, packages: dict[str, Path]) -> None:
    models = tmp_path / "models"

    first = install_command(packages["en_ja"], models)
    again = install_command(packages["en_ja"], models)

    assert first == (
        f"installed en -> ja (English -> Japanese, package 1.0, Argos 1.9.0) into {models / 'en_ja'}"
    )
    assert again == first + "; replaced package 1.0"


def test_install_command__refuses_bad_file(tmp_path: Path) -> None:
    bogus = tmp_path / "x.argosmodel"
    bogus.write_bytes(b"PK\x03\x04 broken")

    with pytest.raises(InvalidModelPackage, match="not a zip archive"):
        install_command(bogus, tmp_path / "models")


def test_list_command__shows_pairs_and_reachability(shared_models_dir: Path) -> None:
    report = list_command(shared_models_dir, DESK)

    assert report.splitlines() == [
        f"Installed model pairs ({shared_models_dir}):",
        "  en -> ja  English -> Japanese, package 1.0, Argos 1.9.0",
        "  ja -> en  Japanese -> English, package 1.0, Argos 1.9.0",
        "  ne -> en  Nepali -> English, package 1.0, Argos 1.9.0",
        "Desk languages, machine translation to and from Japanese (pivot: en):",
        "  en   ok       to ja: en -> ja (direct); from ja: ja -> en (direct)",
        "  zh   MISSING  to ja: not available; from ja: not available",
        "  vi   MISSING  to ja: not available; from ja: not available",
        "  ne   MISSING  to ja: ne -> en -> ja (via en); from ja: not available",
        "  fil  MISSING  to ja: not available; from ja: not available",
        "  ja   Japanese itself: no translation needed",
    ]


def test_list_command__empty_models_folder(tmp_path: Path) -> None:
    report = list_command(tmp_path / "models", ["en"])

    assert report.splitlines()[0].startswith(f"No model pairs installed in {tmp_path / 'models'}")
    assert report.splitlines()[-1] == "  en  MISSING  to ja: not available; from ja: not available"
