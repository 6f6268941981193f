"""Test fixtures for app.mt: tiny fixed-output packages (from app.mt.testing) and hand-made hostile zips."""

from __future__ import annotations

import stat
import struct
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from app.mt.testing import build_fixed_output_package, write_package_folder, zip_package_folder

# What each fixture package's model always says.
EN_JA = "こんにちは"
NE_EN = "hello world"
JA_EN = "thank you"

__all__ = [
    "EN_JA",
    "JA_EN",
    "NE_EN",
    "Entry",
    "build_fixed_output_package",
    "lie_about_size",
    "valid_entries",
    "write_package_folder",
    "write_zip",
    "zip_package_folder",
]


@dataclass(frozen=True)
class Entry:
    """One zip member, written as-is (no sanitising), so tests can build hostile archives."""

    name: str
    data: bytes = b""
    mode: int | None = None  # unix st_mode, e.g. stat.S_IFLNK | 0o777 for a symlink


def valid_entries(top: str = "translate-en_ja-1_0", metadata: bytes | None = None) -> list[Entry]:
    """The members of a structurally valid package (the model bytes are dummies: validation does not load)."""
    if metadata is None:
        metadata = b'{"from_code": "en", "to_code": "ja", "package_version": "1.0", "argos_version": "1.9.0"}'
    return [
        Entry(f"{top}/"),
        Entry(f"{top}/metadata.json", metadata),
        Entry(f"{top}/model/"),
        Entry(f"{top}/model/model.bin", b"\0" * 64),
        Entry(f"{top}/model/config.json", b"{}"),
        Entry(f"{top}/sentencepiece.model", b"sp"),
    ]


def write_zip(path: Path, entries: Iterable[Entry]) -> Path:
    """Write entries into a zip without any of zipfile's or the OS's path clean-up."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for entry in entries:
            info = zipfile.ZipInfo(entry.name)
            info.compress_type = zipfile.ZIP_DEFLATED
            mode = entry.mode
            if mode is None:
                mode = (stat.S_IFDIR | 0o755) if entry.name.endswith("/") else (stat.S_IFREG | 0o644)
            info.external_attr = (mode & 0xFFFF) << 16
            info.create_system = 3
            zf.writestr(info, entry.data)
    return path


def lie_about_size(path: Path, member: str, declared: int) -> Path:
    """Patch the local and central headers of one member so that it claims `declared` uncompressed bytes."""
    raw = bytearray(path.read_bytes())
    name = member.encode()
    for signature, size_offset, name_offset in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        start = 0
        while (start := raw.find(signature, start)) != -1:
            if raw[start + name_offset : start + name_offset + len(name)] == name:
                struct.pack_into("<I", raw, start + size_offset, declared)
            start += 4
    path.write_bytes(bytes(raw))
    return path
