"""Shared fixtures: a migrated database per test on SQLite and PostgreSQL, an app, clients per role."""

from __future__ import annotations

import functools
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app import migrate
from app.auth.service import issue_api_token, register_device
from app.clock import ControlledClock
from app.config import Mode, Settings
from app.db import create_engine, create_sessionmaker
from app.enums import Role
from app.geography.models import Site
from app.main import create_app
from app.security.passwords import hash_password
from app.seed.service import seed_reference_data
from app.staff.service import create_user

POSTGRES_ADMIN_URL = os.environ.get(
    "MADOGUCHI_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
TEST_SECRET = "test-secret-" + "x" * 40


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests are slow by nature (a Chromium, a served app): `-m "not slow"` is the quick tier."""
    for item in items:
        if item.get_closest_marker("browser") is not None:
            item.add_marker(pytest.mark.slow)


def postgres_available() -> bool:
    import asyncio

    async def probe() -> bool:
        engine = create_engine(POSTGRES_ADMIN_URL)
        try:
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
            return True
        except Exception:
            return False
        finally:
            await engine.dispose()

    return asyncio.run(probe())


def need_postgres() -> None:
    """PostgreSQL tests fail loudly in CI when the server is missing, and skip only on a laptop without it."""
    if not postgres_available():
        if IN_CI:
            pytest.fail(f"PostgreSQL is required in CI but {POSTGRES_ADMIN_URL} does not answer")
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL} (set MADOGUCHI_TEST_POSTGRES_URL)")


def _async_run(coro):  # type: ignore[no-untyped-def]
    import asyncio

    return asyncio.run(coro)


async def _seed(url: str) -> None:
    engine = create_engine(url)
    try:
        async with create_sessionmaker(engine)() as session:
            await seed_reference_data(session)
            await session.commit()
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrate and seed once; each test gets a copy of the file (a real, committed database)."""
    path = tmp_path_factory.mktemp("db") / "template.db"
    url = f"sqlite+aiosqlite:///{path}"
    migrate.upgrade(url)
    _async_run(_seed(url))
    return path


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A throw-away PostgreSQL database for this test run, migrated and seeded once."""
    need_postgres()
    name = f"madoguchi_test_{uuid.uuid4().hex[:10]}"

    async def admin(sql: str) -> None:
        engine = create_engine(POSTGRES_ADMIN_URL)
        try:
            async with engine.connect() as connection:
                await connection.execution_options(isolation_level="AUTOCOMMIT")
                await connection.execute(text(sql))
        finally:
            await engine.dispose()

    _async_run(admin(f'CREATE DATABASE "{name}"'))
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        migrate.upgrade(url)
        _async_run(_seed(url))
        yield url
    finally:
        _async_run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


TRANSIENT_TABLES = (
    "desk_calendar",
    "resident_link",
    "routing_lease",
    "cluster_process",
    "routing_checkpoint",
    "routing_policy",
    "routing_decision",
    "routing_event",
    "audit_event",
    "report_monthly_case",
    "report_monthly_interpreter",
    "report_rollup_month",
    "report_stale_hour",
    "consultation_media_change",
    "call_leg",
    "consultation_topic",
    "chat_message",
    "case_summary",
    "consultation",
    "sign_in_lock",
    "staff_session",
    "api_token",
    "interpreter_language",
    "interpreter",
    "vendor",
    "device",
    "staff_user_language",
    "staff_user",
)


async def _truncate_postgres(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text(f"TRUNCATE {', '.join(TRANSIENT_TABLES)} RESTART IDENTITY CASCADE"))
    finally:
        await engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, sqlite_template: Path, tmp_path: Path) -> str:
    """A fresh, migrated, seeded database for one test; every test using it runs on both backends."""
    if request.param == "sqlite":
        path = tmp_path / "madoguchi.db"
        shutil.copyfile(sqlite_template, path)
        return f"sqlite+aiosqlite:///{path}"
    url: str = request.getfixturevalue("postgres_database")
    _async_run(_truncate_postgres(url))
    _async_run(_seed(url))
    return url


ALL_DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
NO_CLOSURES = '{"desk_hours": {"holiday_country": null, "annual_closures": []}, ' + (
    '"interpreter_hours": {"holiday_country": null, "annual_closures": []}}'
)


JST = ZoneInfo("Asia/Tokyo")
# The instant every test starts at, whatever the wall clock says: a Wednesday at 11:00 in Japan, no holiday,
# mid-month and mid-fiscal-year. Tests that care about another instant set the clock there themselves.
TEST_NOW = datetime(2026, 11, 18, 11, 0, tzinfo=JST)


def pinned_clock(start: datetime = TEST_NOW, *, running: bool = True) -> ControlledClock:
    """A clock pinned to `start`; running at real speed from there (offers and heartbeats time out) unless
    frozen. Tests move it with set/advance/freeze."""
    return ControlledClock(start, running=running)


@pytest.fixture
def clock() -> ControlledClock:
    """The one clock of the test's app and of its `db` session: starts at TEST_NOW, never the wall clock."""
    return pinned_clock()


def open_desk_settings(database_url: str, **overrides: object) -> Settings:
    """Desk and interpreter vendor open at the test's instant (TEST_NOW, 11:00 in Japan on a weekday).

    `clock_start` makes an app (or a `madoguchi serve` process) built from these settings start its clock at
    TEST_NOW too, so nothing depends on the hour the suite runs.
    """
    values: dict[str, object] = {
        "mode": Mode.dev,
        "database_url": database_url,
        "secret_key": TEST_SECRET,
        "timezone": "Asia/Tokyo",
        "clock_start": TEST_NOW,
        "desk_hours": "06:00-20:00",
        "desk_days": ALL_DAYS,
        "vendor_hours": "06:00-20:00",
        "vendor_days": ALL_DAYS,
        "routing_policy_json": NO_CLOSURES,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def settings(database_url: str) -> Settings:
    return open_desk_settings(database_url)


@pytest.fixture
async def app_and_client(
    settings: Settings, clock: ControlledClock
) -> AsyncIterator[tuple[object, AsyncClient]]:
    app = create_app(settings, clock=clock)
    async with (
        app.router.lifespan_context(app),
        AsyncClient(transport=ASGITransport(app=app), base_url="http://testserver") as client,
    ):
        yield app, client


@pytest.fixture
async def client(app_and_client: tuple[object, AsyncClient]) -> AsyncClient:
    return app_and_client[1]


@pytest.fixture
async def db(settings: Settings, clock: ControlledClock) -> AsyncIterator[AsyncSession]:
    """A session on the test database for arranging data and checking what the API wrote (same clock)."""
    engine = create_engine(settings.database_url, clock=clock)
    try:
        async with create_sessionmaker(engine)() as session:
            yield session
    finally:
        await engine.dispose()


ROLE_ACCOUNTS: dict[str, dict[str, object]] = {
    "admin": {"role": Role.admin},
    "counselor": {"role": Role.counselor, "language_codes": ("ja", "en")},
    "desk_staff": {"role": Role.counter_staff, "site_code": "kurashiki-desk"},
    "soja_staff": {"role": Role.counter_staff, "site_code": "soja-counter"},
    "coordinator": {"role": Role.coordinator},
    "soja_coordinator": {"role": Role.coordinator, "municipality_code": "33208"},
    "kasaoka_coordinator": {"role": Role.coordinator, "municipality_code": "33205"},
    "interpreter": {"role": Role.interpreter, "language_codes": ("ne",)},
}
DEVICES = {"desk_device": "kurashiki-desk", "soja_device": "soja-counter"}
PASSWORD = "correct horse battery"


@functools.cache
def _hashed(password: str) -> str:
    return hash_password(password)


@pytest.fixture
async def auth(db: AsyncSession, monkeypatch: pytest.MonkeyPatch) -> dict[str, dict[str, str]]:
    """Bearer headers for one account of every role, plus a device at the desk and one at Soja."""
    monkeypatch.setattr("app.staff.service.hash_password", _hashed)  # Argon2 once per run, not per user
    headers: dict[str, dict[str, str]] = {}
    for name, spec in ROLE_ACCOUNTS.items():
        user = await create_user(db, username=name, password=PASSWORD, **spec)  # type: ignore[arg-type]
        token = await issue_api_token(db, user, "tests")
        headers[name] = {"Authorization": f"Bearer {token}"}
    for name, site_code in DEVICES.items():
        site = await db.scalar(select(Site).where(Site.code == site_code))
        assert site is not None
        token, _ = await register_device(db, site.id, name)
        headers[name] = {"Authorization": f"Bearer {token}"}
    await db.commit()
    return headers


def resident_link(municipality: str | None = None, site: str | None = None, now: datetime = TEST_NOW) -> str:
    """A poster link signed with the test secret, as the resident page sends it with a request."""
    from app.resident.links import LinkClaims, LinkKind, issue_link

    signing = Settings(mode=Mode.dev, secret_key=TEST_SECRET, database_url="sqlite+aiosqlite://")
    return issue_link(signing, LinkClaims(LinkKind.poster, municipality, site), now)
