"""Validation, safe installation and listing of .argosmodel packages."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from model_factory import Entry, build_fixed_output_package, lie_about_size, valid_entries, write_zip

from app.mt import InvalidModelPackage, Limits, install_package, list_installed, validate_package

TOP = "translate-en_ja-1_0"


def refusal(tmp_path: Path, entries: list[Entry], limits: Limits = Limits()) -> InvalidModelPackage:
    archive = write_zip(tmp_path / "bad.argosmodel", entries)
    with pytest.raises(InvalidModelPackage) as caught:
        install_package(archive, tmp_path / "models", limits)
    return caught.value


def assert_nothing_installed(models: Path) -> None:
    assert not models.exists() or [p.name for p in models.iterdir()] in ([], [".install.lock"])


def test_install__valid_package_then_list_shows_pair(tmp_path: Path, packages: dict[str, Path]) -> None:
    models = tmp_path / "models"

    result = install_package(packages["en_ja"], models)

    assert result.replaced is None
    assert result.package.path == models / "en_ja"
    assert (models / "en_ja" / "model" / "model.bin").is_file()
    assert (models / "en_ja" / "sentencepiece.model").is_file()
    [listed] = list_installed(models)
    assert listed.pair == ("en", "ja")
    assert listed.metadata.package_version == "1.0"
    assert listed.metadata.to_name == "Japanese"


def test_install__reinstall_replaces_previous(tmp_path: Path) -> None:
    models = tmp_path / "models"
    old = build_fixed_output_package(tmp_path / "v1", "en", "ja", "こんにちは", package_version="1.0")
    new = build_fixed_output_package(tmp_path / "v2", "en", "ja", "ありがとう", package_version="2.0")
    install_package(old, models)

    result = install_package(new, models)

    assert result.replaced is not None and result.replaced.package_version == "1.0"
    [listed] = list_installed(models)
    assert listed.metadata.package_version == "2.0"
    assert sorted(p.name for p in models.iterdir()) == [".install.lock", "en_ja"]  # no staging or old copies


def test_validate__returns_metadata_without_installing(tmp_path: Path, packages: dict[str, Path]) -> None:
    metadata = validate_package(packages["ne_en"])

    assert metadata.pair == ("ne", "en")
    assert metadata.argos_version == "1.9.0"


def test_validate__structurally_valid_zip_passes(tmp_path: Path) -> None:
    archive = write_zip(tmp_path / "ok.argosmodel", valid_entries(TOP))

    assert validate_package(archive).pair == ("en", "ja")


def test_validate__refuses_not_a_zip(tmp_path: Path) -> None:
    archive = tmp_path / "model.argosmodel"
    archive.write_text("this is not a zip")

    with pytest.raises(InvalidModelPackage, match="not a zip archive") as caught:
        install_package(archive, tmp_path / "models")

    assert "Accepted: a zip archive" in str(caught.value)
    assert_nothing_installed(tmp_path / "models")


def test_validate__refuses_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidModelPackage, match="no such file"):
        validate_package(tmp_path / "absent.argosmodel")


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        (f"{TOP}/../../evil.py", "escapes the package folder"),
        ("../evil.py", "escapes the package folder"),
        (f"{TOP}/model/../../../etc/cron.d/x", "escapes the package folder"),
        ("/etc/passwd", "absolute path"),
        (f"/{TOP}/model/extra.bin", "absolute path"),
        ("C:/Windows/evil.dll", "absolute path"),
        (f"{TOP}\\..\\evil.py", "backslash"),
        (f"{TOP}//model/x", "empty or '.' path component"),
        (f"{TOP}/./model/x", "empty or '.' path component"),
    ],
)
def test_validate__refuses_path_escape(tmp_path: Path, name: str, problem: str) -> None:
    error = refusal(tmp_path, [*valid_entries(TOP), Entry(name, b"x")])

    assert problem in error.problem
    assert_nothing_installed(tmp_path / "models")


def test_validate__refuses_symlink(tmp_path: Path) -> None:
    link = Entry(f"{TOP}/model/link", b"/etc/passwd", mode=stat.S_IFLNK | 0o777)

    error = refusal(tmp_path, [*valid_entries(TOP), link])

    assert "symbolic link" in error.problem


def test_validate__refuses_special_file(tmp_path: Path) -> None:
    fifo = Entry(f"{TOP}/model/pipe", b"", mode=stat.S_IFIFO | 0o644)

    assert "special file" in refusal(tmp_path, [*valid_entries(TOP), fifo]).problem


def test_validate__refuses_two_top_folders(tmp_path: Path) -> None:
    entries = [*valid_entries(TOP), *valid_entries("translate-ne_en-1_0")]

    assert "2 top folders" in refusal(tmp_path, entries).problem


def test_validate__refuses_file_outside_top_folder(tmp_path: Path) -> None:
    entries = [*valid_entries(TOP), Entry("README.md", b"hi")]

    assert "outside the top folder" in refusal(tmp_path, entries).problem


def test_validate__refuses_unpacked_layout_without_top_folder(tmp_path: Path) -> None:
    entries = [Entry(e.name.removeprefix(f"{TOP}/"), e.data) for e in valid_entries(TOP)[1:]]

    assert "outside the top folder" in refusal(tmp_path, entries).problem


def test_validate__refuses_duplicate_entries(tmp_path: Path) -> None:
    entries = [*valid_entries(TOP), Entry(f"{TOP}/sentencepiece.model", b"other")]

    with pytest.warns(UserWarning, match="Duplicate name"):
        archive = write_zip(tmp_path / "dup.argosmodel", entries)
    with pytest.raises(InvalidModelPackage, match="appears twice"):
        validate_package(archive)


def test_validate__refuses_file_and_folder_of_the_same_name(tmp_path: Path) -> None:
    entries = [*valid_entries(TOP), Entry(f"{TOP}/model/model.bin/inner", b"x")]

    assert "both a file and a folder" in refusal(tmp_path, entries).problem


@pytest.mark.parametrize(
    ("missing", "problem"),
    [
        ("metadata.json", "metadata.json is missing"),
        ("model/model.bin", "model/model.bin) is missing"),
        ("sentencepiece.model", "sentencepiece.model is missing"),
    ],
)
def test_validate__refuses_missing_required_file(tmp_path: Path, missing: str, problem: str) -> None:
    entries = [e for e in valid_entries(TOP) if e.name != f"{TOP}/{missing}"]

    assert problem in refusal(tmp_path, entries).problem


@pytest.mark.parametrize(
    ("metadata", "problem"),
    [
        (b'{"to_code": "ja"}', "from_code is missing"),
        (b'{"from_code": "en"}', "to_code is missing"),
        (b'{"from_code": "../x", "to_code": "ja"}', "is not a language code"),
        (b'{"from_code": "en_US", "to_code": "ja"}', "is not a language code"),
        (b'{"from_code": "en\\n", "to_code": "ja"}', "is not a language code"),
        (b'{"from_code": 3, "to_code": "ja"}', "is not a language code"),
        (b'{"from_code": "en", "to_code": "en"}', "are the same"),
        (b'{"from_code": "en", "to_code": "ja", "type": "sbd"}', "only 'translate' packages"),
        (b'{"from_code": "en", "to_code": "ja", "package_version": ["1"]}', "is not a string"),
        (b'["en", "ja"]', "not a JSON object"),
        (b"{from_code: en}", "not valid UTF-8 JSON"),
        (b"\xff\xfe", "not valid UTF-8 JSON"),
    ],
)
def test_validate__refuses_bad_metadata(tmp_path: Path, metadata: bytes, problem: str) -> None:
    error = refusal(tmp_path, valid_entries(TOP, metadata))

    assert "bad metadata.json" in error.problem
    assert problem in error.problem


def test_validate__refuses_oversize_package(tmp_path: Path) -> None:
    entries = [*valid_entries(TOP), Entry(f"{TOP}/model/big.bin", b"\0" * 100_000)]

    error = refusal(tmp_path, entries, Limits(max_total_bytes=50_000))

    assert "expands to" in error.problem
    assert "at most 10000 entries, 16 folder levels" in error.accepted
    assert "and 48.8 KiB uncompressed in total" in error.accepted


def test_validate__refuses_too_many_entries(tmp_path: Path) -> None:
    entries = [*valid_entries(TOP), *(Entry(f"{TOP}/extra/{i}", b"") for i in range(20))]

    assert "26 entries" in refusal(tmp_path, entries, Limits(max_entries=10)).problem


def test_install__refuses_entry_larger_than_declared(tmp_path: Path) -> None:
    archive = write_zip(
        tmp_path / "bomb.argosmodel", [*valid_entries(TOP), Entry(f"{TOP}/model/pad.bin", b"\0" * 200_000)]
    )
    lie_about_size(archive, f"{TOP}/model/pad.bin", 10)

    with pytest.raises(InvalidModelPackage, match="corrupt"):
        install_package(archive, tmp_path / "models")

    assert_nothing_installed(tmp_path / "models")


def test_install__refused_package_keeps_existing_install(tmp_path: Path, packages: dict[str, Path]) -> None:
    models = tmp_path / "models"
    install_package(packages["en_ja"], models)
    bad = write_zip(tmp_path / "bad.argosmodel", [*valid_entries(TOP), Entry("../evil", b"x")])

    with pytest.raises(InvalidModelPackage):
        install_package(bad, models)

    assert [p.pair for p in list_installed(models)] == [("en", "ja")]
    assert sorted(p.name for p in models.iterdir()) == [".install.lock", "en_ja"]


def test_list_installed__skips_incomplete_and_hidden_folders(
    tmp_path: Path, packages: dict[str, Path]
) -> None:
    models = tmp_path / "models"
    install_package(packages["ne_en"], models)
    (models / ".en_ja.new-abc").mkdir()
    (models / "en_ja").mkdir()  # no metadata.json
    mismatch = models / "en_vi"
    mismatch.mkdir()
    (mismatch / "metadata.json").write_text('{"from_code": "en", "to_code": "ja"}')

    assert [p.pair for p in list_installed(models)] == [("ne", "en")]


def test_list_installed__missing_folder_is_empty(tmp_path: Path) -> None:
    assert list_installed(tmp_path / "nowhere") == []
