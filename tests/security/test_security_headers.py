"""Security finding 11: every answer carries the security headers; the screens need no inline script or style
(so the Content-Security-Policy can forbid them); /docs is served from local files, not a CDN."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from httpx import ASGITransport, AsyncClient

from app.clock import ControlledClock
from app.main import create_app
from app.security.headers import CONTENT_SECURITY_POLICY
from tests.conftest import open_desk_settings

UI = Path(__file__).resolve().parents[2] / "app" / "ui"
TEMPLATES = sorted(UI.glob("*/templates/*.html"))


@pytest.mark.parametrize(
    "path", ["/login", "/healthz", "/api/v1/languages", "/assets/shared/api.js", "/nope"]
)
async def test_every_answer_carries_the_security_headers(client: AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert (
        "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
        and "script-src 'self';" in CONTENT_SECURITY_POLICY
    )
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY and "unsafe-eval" not in CONTENT_SECURITY_POLICY
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] in ("no-referrer", "same-origin")
    assert "strict-transport-security" not in response.headers  # plain HTTP in tests


async def test_hsts_only_when_served_securely(database_url: str, clock: ControlledClock) -> None:
    settings = open_desk_settings(database_url, cookie_secure=True, hsts_max_age_seconds=600)
    app = create_app(settings, clock=clock)
    async with AsyncClient(transport=ASGITransport(app=app), base_url="https://t") as client:
        response = await client.get("/healthz")
    assert response.headers["strict-transport-security"] == "max-age=600; includeSubDomains"


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_templates_have_no_inline_script_or_style(template: Path) -> None:
    html = template.read_text()
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag  # data blocks are not run
    assert "<style" not in html
    assert not re.search(r"\sstyle\s*=", html)
    assert not re.search(r"\son[a-z]+\s*=", html)  # onclick= and friends


async def test_docs__swagger_ui_from_local_files_only(client: AsyncClient) -> None:
    page = await client.get("/docs")
    assert page.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources and all(s.startswith("/") or s.startswith("data:") for s in sources), sources
    assert "<script>" not in page.text  # no inline script: the policy for scripts stays strict here too
    assert "script-src 'self';" in page.headers["content-security-policy"]
    for source in (s for s in sources if s.startswith("/")):
        served = await client.get(source)
        assert served.status_code == 200 and served.content, source
    assert "SwaggerUIBundle" in (await client.get("/assets/docs/swagger-ui-bundle.js")).text
    assert (await client.get("/redoc")).status_code == 200
    assert (await client.get("/openapi.json")).status_code == 200


async def test_plotly_styles__a_file_made_from_the_locked_plotly_not_an_inline_style(
    client: AsyncClient,
) -> None:
    css = await client.get("/reports/assets/plotly.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert ".js-plotly-plot .plotly .main-svg{" in css.text and "X" not in css.text.replace("X,X", "")
    dashboard = (UI / "report" / "templates" / "dashboard.html").read_text()
    assert 'id="plotly.js-style-global" class="no-inline-styles"' in dashboard  # plotly.js then injects none
    # the map library inside plotly.min.js injects its stylesheet unless an element with its id exists
    script = (await client.get("/reports/assets/plotly.min.js")).text
    injected = set(re.findall(r'getElementById\("([0-9a-f]{64})"\)', script))
    assert injected and all(f'id="{element}"' in dashboard for element in injected)
