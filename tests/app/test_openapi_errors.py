"""The OpenAPI document lists the errors each route can answer (401/403/404/409/422/429/503), each with a
typed body, and those bodies are what app/errors.py really sends."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient

from app.errors import ErrorRead, ThrottledRead
from app.main import create_app
from tests.conftest import open_desk_settings, resident_link

ERROR = {"$ref": "#/components/schemas/ErrorRead"}
THROTTLED = {"$ref": "#/components/schemas/ThrottledRead"}
VALIDATION = {"$ref": "#/components/schemas/HTTPValidationError"}


@pytest.fixture(scope="module")
def paths() -> dict[str, Any]:
    app = create_app(open_desk_settings("sqlite+aiosqlite:///:memory:"))
    return dict(app.openapi()["paths"])


def _errors(paths: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    responses = paths[path][method]["responses"]
    return {
        code: answer["content"]["application/json"]["schema"]
        for code, answer in responses.items()
        if code.startswith(("4", "5"))
    }


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("get", "/api/v1/consultations", {"401": ERROR, "403": ERROR, "422": VALIDATION}),
        (
            "get",
            "/api/v1/consultations/{consultation_id}",
            {"401": ERROR, "403": ERROR, "404": ERROR, "422": VALIDATION},
        ),
        (
            "post",
            "/api/v1/consultations/{consultation_id}/end",
            {"401": ERROR, "403": ERROR, "404": ERROR, "409": ERROR, "422": VALIDATION, "503": ERROR},
        ),
        (
            "post",
            "/api/v1/resident/consultations",
            {"400": ERROR, "401": ERROR, "409": ERROR, "422": VALIDATION, "429": THROTTLED, "503": ERROR},
        ),
        (
            "post",
            "/api/v1/auth/login",
            {"400": ERROR, "401": ERROR, "422": VALIDATION, "429": THROTTLED},
        ),
        ("get", "/api/v1/resident/reservation-slots", {"403": ERROR, "422": VALIDATION}),
        ("get", "/api/v1/queue", {"401": ERROR, "403": ERROR, "503": ERROR}),
        ("post", "/api/v1/device-check", {"400": ERROR, "422": VALIDATION, "429": THROTTLED, "503": ERROR}),
    ],
)
def test_routes_list_the_errors_they_can_answer(
    paths: dict[str, Any], method: str, path: str, expected: dict[str, Any]
) -> None:
    assert _errors(paths, method, path) == expected


def test_every_route_with_an_id_lists_404_and_every_error_is_typed(paths: dict[str, Any]) -> None:
    """(/readyz answers its own Readiness body when not ready: tests/app/test_openapi_models.py.)"""
    problems: list[str] = []
    for path, methods in paths.items():
        for method, operation in methods.items():
            if "{" in path and "404" not in operation["responses"]:
                problems.append(f"{method.upper()} {path}: no 404")
            for code, schema in _errors(paths, method, path).items():
                if schema not in (ERROR, THROTTLED, VALIDATION) and (path, code) != ("/readyz", "503"):
                    problems.append(f"{method.upper()} {path} {code}: untyped {schema}")
    assert problems == []


def test_reference_data_lists_no_errors_it_cannot_answer(paths: dict[str, Any]) -> None:
    assert _errors(paths, "get", "/api/v1/languages") == {}
    assert _errors(paths, "get", "/healthz") == {}


async def test_the_documented_bodies_are_what_the_app_answers(
    client: AsyncClient, auth: dict[str, dict[str, str]]
) -> None:
    unauthenticated = await client.get("/api/v1/consultations")
    forbidden = await client.get("/api/v1/consultations", headers=auth["interpreter"])
    missing = await client.get("/api/v1/consultations/NOPE", headers=auth["admin"])
    assert [r.status_code for r in (unauthenticated, forbidden, missing)] == [401, 403, 404]
    for answer in (unauthenticated, forbidden, missing):
        assert ErrorRead.model_validate(answer.json()).detail


async def test_the_documented_throttle_body_is_what_the_app_answers(database_url: str) -> None:
    from httpx import ASGITransport

    app = create_app(open_desk_settings(database_url, resident_intake_limit=1))
    async with (
        app.router.lifespan_context(app),
        AsyncClient(transport=ASGITransport(app=app), base_url="http://testserver") as client,
    ):
        answers = [
            await client.post(
                "/api/v1/resident/consultations",
                json={"language": "pt", "link": resident_link()},
                headers={"Idempotency-Key": f"throttle-key-{n}"},
            )
            for n in range(3)
        ]
    throttled = [a for a in answers if a.status_code == 429]
    assert throttled, [a.status_code for a in answers]
    body = ThrottledRead.model_validate(throttled[0].json())
    assert body.retry_after_s == int(throttled[0].headers["retry-after"])
