"""Schemathesis against the app in-process (ASGI): every operation of the OpenAPI document, a few generated
requests each, as an admin and as a coordinator scoped to one municipality (Soja).

It fails on any 5xx, on an answer whose status the document does not list for that operation, and on an answer
whose body does not match the schema the document gives for its status. Bounded: a few examples per operation,
derandomised (the same requests on every run), no Hypothesis database.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.service import issue_api_token
from app.db import create_engine, create_sessionmaker
from app.enums import Role
from app.main import create_app
from app.staff.service import create_user
from tests.conftest import PASSWORD, _hashed, open_desk_settings, pinned_clock

pytestmark = pytest.mark.slow

ACCOUNTS: dict[str, dict[str, Any]] = {
    "admin": {"role": Role.admin},
    "soja_coordinator": {"role": Role.coordinator, "municipality_code": "33208"},
}
# Signing out would revoke the very token the run uses (sign-out is tested in tests/app/test_auth.py).
SKIPPED = {("POST", "/api/v1/auth/logout")}
EXAMPLES = 6
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


async def _tokens(url: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setattr("app.staff.service.hash_password", _hashed)
    engine = create_engine(url)
    try:
        async with create_sessionmaker(engine)() as session:
            tokens = {name: await _token(session, name, spec) for name, spec in ACCOUNTS.items()}
            await session.commit()
    finally:
        await engine.dispose()
    return tokens


async def _token(session: AsyncSession, name: str, spec: dict[str, Any]) -> str:
    user = await create_user(session, username=name, password=PASSWORD, **spec)
    return await issue_api_token(session, user, "schemathesis")


@pytest.fixture(scope="module")
def seeded(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Any, dict[str, str]]]:
    """A copy of the migrated, seeded SQLite database, two signed-in accounts and the app on it."""
    path = tmp_path_factory.mktemp("schemathesis") / "madoguchi.db"
    shutil.copyfile(sqlite_template, path)
    url = f"sqlite+aiosqlite:///{path}"
    with pytest.MonkeyPatch.context() as monkeypatch:
        tokens = asyncio.run(_tokens(url, monkeypatch))
    yield create_app(open_desk_settings(url), clock=pinned_clock()), tokens


def _exercise(operation: Any, mode: GenerationMode, tokens: dict[str, str], answered: set[str]) -> None:
    """A few generated requests for one operation, each sent as every account; `answered` collects the
    operations that answered an account with a success (so the tokens are known to work)."""

    @given(case=operation.as_strategy(mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        for account in sorted(tokens):
            headers = {"Authorization": f"Bearer {tokens[account]}"}
            response = case.call_and_validate(headers=headers, checks=CHECKS)
            if response.status_code < 300:
                answered.add(f"{account} {case.method} {case.path}")

    run()


def _modes(operation: Any) -> list[GenerationMode]:
    """Valid requests for every operation; invalid ones where a body or a query can be made invalid."""
    if operation.body or operation.query:
        return [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
    return [GenerationMode.POSITIVE]


def test_every_operation_answers_within_its_document(seeded: tuple[Any, dict[str, str]]) -> None:
    app, tokens = seeded
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: list[str] = []
    answered: set[str] = set()
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in SKIPPED:
            continue
        operations += 1
        for mode in _modes(operation):
            try:
                _exercise(operation, mode, tokens, answered)
            except Unsatisfiable:
                continue  # nothing of this operation can be made invalid by its schema alone
            except (Exception, BaseExceptionGroup) as exc:  # collected: one run names every failing operation
                failures.append(f"{operation.method.upper()} {operation.path} ({mode.value}): {exc}")
    assert operations > 50, "the document lists fewer operations than the app has"
    assert failures == [], "\n\n".join(failures)
    # Signed in for real: both accounts got past authentication to a success on many operations.
    for account in tokens:
        assert len([a for a in answered if a.startswith(f"{account} ")]) >= 15, sorted(answered)
    assert "soja_coordinator GET /api/v1/reports/dashboard" in answered
