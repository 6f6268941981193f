"""static/i18n.js renders catalog_json the way the server renders the catalogues (run under Node)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

import app.ui
from app.i18n import catalog_json, translator

SCRIPT = Path(app.ui.__file__).parent / "shared" / "static" / "i18n.js"
NODE = shutil.which("node")
CASES = [
    ("uk", "n", "waiting.minutes", 1, {}),
    ("uk", "n", "waiting.minutes", 2, {}),
    ("uk", "n", "waiting.minutes", 5, {}),
    ("uk", "n", "waiting.minutes", 21, {}),
    ("ru", "n", "phone.wait_minutes", 22, {}),
    ("fil", "n", "waiting.minutes", 4, {}),
    ("en", "n", "waiting.position", 1200, {}),
    ("hi", "t", "ended.phone", None, {"phone": "086-426-3111"}),
    ("zh", "t", "call.connecting", None, {}),
]


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_browser_helper__gives_the_same_text_as_the_server(tmp_path: Path) -> None:
    catalogs = {lang: catalog_json(lang) for lang in {case[0] for case in CASES}}
    (tmp_path / "catalogs.json").write_text(json.dumps(catalogs, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "cases.json").write_text(json.dumps(CASES), encoding="utf-8")
    runner = tmp_path / "run.js"
    runner.write_text(
        f"""
        const fs = require("fs");
        const i18n = require({json.dumps(str(SCRIPT))});
        const catalogs = JSON.parse(fs.readFileSync({json.dumps(str(tmp_path / "catalogs.json"))}, "utf8"));
        const cases = JSON.parse(fs.readFileSync({json.dumps(str(tmp_path / "cases.json"))}, "utf8"));
        const out = cases.map(([lang, fn, key, count, params]) => {{
          const tr = i18n.create(catalogs[lang]);
          return fn === "n" ? tr.n(key, count, params) : tr.t(key, params);
        }});
        out.push(i18n.create(catalogs.uk).t("no.such_key"));
        process.stdout.write(JSON.stringify(out));
        """,
        encoding="utf-8",
    )
    assert NODE is not None
    result = subprocess.run([NODE, str(runner)], capture_output=True, text=True, check=True, timeout=30)  # noqa: S603
    expected = [
        translator(lang).n(key, count, **params)
        if fn == "n" and count is not None
        else translator(lang).t(key, **params)
        for lang, fn, key, count, params in CASES
    ] + ["no.such_key"]
    assert json.loads(result.stdout) == expected
