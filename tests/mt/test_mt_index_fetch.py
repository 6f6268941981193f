"""`madoguchi mt install en-ja`: the newest package of the pair from an Argos package index, downloaded with
its size and SHA-256 checked and progress shown, then validated and installed like a file. The index is served
on loopback from packages built in the test; nothing is downloaded from the internet."""

from __future__ import annotations

import hashlib
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from app.mt.index import FetchFailed, fetch_and_install, parse_pair
from app.mt.package import Limits, find_installed


class _Server:
    """A loopback HTTP server over one folder, counting the requests it answered."""

    def __init__(self, root: Path) -> None:
        handler = _handler(root, self)
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.paths: list[str] = []
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"


def _handler(root: Path, server: _Server) -> type[http.server.SimpleHTTPRequestHandler]:
    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(root), **kwargs)

        def do_GET(self) -> None:
            server.paths.append(self.path)
            super().do_GET()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def served(tmp_path: Path, packages: dict[str, Path]) -> Iterator[tuple[_Server, Path]]:
    root = tmp_path / "served"
    root.mkdir()
    for name, package in packages.items():
        (root / f"{name}.argosmodel").write_bytes(package.read_bytes())
    server = _Server(root)
    server.thread.start()
    try:
        yield server, root
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()
        server.thread.join()


def _entry(
    server: _Server, root: Path, name: str, src: str, dst: str, version: str, **extra: Any
) -> dict[str, Any]:
    data = (root / f"{name}.argosmodel").read_bytes()
    entry: dict[str, Any] = {
        "type": "translate",
        "from_code": src,
        "to_code": dst,
        "package_version": version,
        "argos_version": "1.9.0",
        "links": [f"{server.url}/{name}.argosmodel"],
        "sha256": hashlib.sha256(data).hexdigest(),
        "size": len(data),
    }
    entry.update(extra)
    return entry


def _index(root: Path, entries: list[dict[str, Any]]) -> None:
    (root / "index.json").write_text(json.dumps(entries), encoding="utf-8")


def test_pairs_are_told_from_file_names() -> None:
    assert parse_pair("en-ja") == ("en", "ja") and parse_pair("NE_EN") == ("ne", "en")
    assert parse_pair("en-ja.argosmodel") is None and parse_pair("translate-en_ja-1_0") is None


def test_cli_fetches_the_newest_package_checks_it_shows_progress_and_installs_it(
    served: tuple[_Server, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server, root = served
    _index(
        root,
        [
            _entry(server, root, "ja_en", "en", "ja", "0.9", links=[f"{server.url}/missing.argosmodel"]),
            _entry(server, root, "en_ja", "en", "ja", "1.10"),
            _entry(server, root, "ne_en", "ne", "en", "1.0"),
        ],
    )
    models = tmp_path / "models"
    main(["mt", "install", "en-ja", "--models-dir", str(models), "--index-url", f"{server.url}/index.json"])
    out, err = capsys.readouterr()
    installed = find_installed(models, "en", "ja")
    assert installed is not None and installed.metadata.pair == ("en", "ja")
    assert "installed en -> ja" in out and "SHA-256 checked" in out
    assert "downloading en-ja: 0%" in err and "downloading en-ja: 100%" in err
    assert server.paths == ["/index.json", "/en_ja.argosmodel"]  # the newest (1.10 > 0.9), nothing else


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"sha256": "0" * 64}, "SHA-256"),
        ({"size": 10}, "passed 10 bytes"),
        ({"size": 10**9}, "bytes; the index says"),
    ],
)
def test_a_download_that_fails_its_checks_installs_nothing(
    served: tuple[_Server, Path], tmp_path: Path, change: dict[str, Any], message: str
) -> None:
    server, root = served
    _index(root, [_entry(server, root, "en_ja", "en", "ja", "1.0", **change)])
    models = tmp_path / "models"
    with pytest.raises(FetchFailed, match=message):
        fetch_and_install(("en", "ja"), models, f"{server.url}/index.json")
    assert find_installed(models, "en", "ja") is None


def test_the_install_limit_caps_a_download_without_a_size(
    served: tuple[_Server, Path], tmp_path: Path
) -> None:
    server, root = served
    _index(root, [_entry(server, root, "en_ja", "en", "ja", "1.0", size=None, sha256=None)])
    with pytest.raises(FetchFailed, match=r"allowed|passed"):
        fetch_and_install(
            ("en", "ja"), tmp_path / "m", f"{server.url}/index.json", limits=Limits(max_total_bytes=100)
        )


def test_a_package_holding_another_pair_is_refused(served: tuple[_Server, Path], tmp_path: Path) -> None:
    server, root = served
    _index(root, [_entry(server, root, "ne_en", "en", "ja", "1.0")])  # the index lies about its contents
    with pytest.raises(FetchFailed, match="holds ne-en"):
        fetch_and_install(("en", "ja"), tmp_path / "m", f"{server.url}/index.json")
    assert find_installed(tmp_path / "m", "ne", "en") is None


def test_unknown_pair_unreadable_index_and_plain_http_are_clear_errors(
    served: tuple[_Server, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server, root = served
    _index(root, [_entry(server, root, "en_ja", "en", "ja", "1.0")])
    with pytest.raises(SystemExit, match="no th -> ja package"):
        main(
            [
                "mt",
                "install",
                "th-ja",
                "--models-dir",
                str(tmp_path / "m"),
                "--index-url",
                f"{server.url}/index.json",
            ]
        )
    (root / "broken.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(FetchFailed, match="not JSON"):
        fetch_and_install(("en", "ja"), tmp_path / "m", f"{server.url}/broken.json")
    with pytest.raises(FetchFailed, match="cannot read"):
        fetch_and_install(("en", "ja"), tmp_path / "m", f"{server.url}/absent.json")
    with pytest.raises(FetchFailed, match="HTTPS"):
        fetch_and_install(("en", "ja"), tmp_path / "m", "http://example.org/index.json")
    assert server.paths.count("/index.json") == 1  # the plain-HTTP index was never asked


def test_a_file_path_still_installs_offline(packages: dict[str, Path], tmp_path: Path) -> None:
    models = tmp_path / "models"
    main(["mt", "install", str(packages["en_ja"]), "--models-dir", str(models)])
    assert find_installed(models, "en", "ja") is not None
