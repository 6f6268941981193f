"""Security finding 11: /docs renders Swagger UI from this service's own files under the
Content-Security-Policy (no CDN request, no policy violation)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from app.main import create_app
from tests.a11y_support import RECORD_CSP_VIOLATIONS, csp_problems
from tests.browser_support import chromium_browser, live_server  # noqa: F401 (fixture)
from tests.conftest import open_desk_settings

pytestmark = pytest.mark.browser


def test_docs__swagger_ui_renders_locally_under_the_policy(
    chromium_browser: Any,  # noqa: F811
    sqlite_template: Path,
    tmp_path: Path,
) -> None:
    shutil.copyfile(sqlite_template, tmp_path / "docs.db")
    app = create_app(open_desk_settings(f"sqlite+aiosqlite:///{tmp_path / 'docs.db'}"))
    with live_server(app) as server:
        context = chromium_browser.new_context()
        context.add_init_script(RECORD_CSP_VIOLATIONS)
        page = context.new_page()
        requested: list[str] = []
        page.on("request", lambda r: requested.append(r.url))
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{server.url}/docs")
        try:
            page.locator(".swagger-ui .info .title").wait_for(timeout=30_000)
        except Exception:
            raise AssertionError(f"{errors} {csp_problems(page)} ") from None
        assert "Madoguchi" in page.locator(".swagger-ui .info .title").inner_text()
        assert page.locator(".opblock").count() > 10  # the operations are listed
        assert all(url.startswith(server.url) or url.startswith("data:") for url in requested), requested
        assert csp_problems(page) == []
        context.close()
