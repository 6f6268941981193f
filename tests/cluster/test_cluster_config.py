"""Configuration that refuses nonsense: a cluster needs PostgreSQL and Redis; one SQLite file, one process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from app.cluster.sqlite_guard import DatabaseInUse, hold_sqlite_database, lock_path
from app.config import Settings, describe_settings_error
from tests.conftest import TEST_NOW

POSTGRES = "postgresql://madoguchi@db.example/desk"


def _settings(**values: object) -> Settings:
    return Settings(mode="dev", **values)  # type: ignore[arg-type]


def test_one_process_on_sqlite__is_the_embedded_default() -> None:
    settings = _settings()
    assert settings.is_sqlite and not settings.cluster and settings.redis_url is None


def test_cluster_on_sqlite__refused_saying_to_set_postgresql() -> None:
    with pytest.raises(ValidationError) as raised:
        _settings(cluster=True, redis_url="redis://127.0.0.1:6379/0")
    message = describe_settings_error(raised.value)
    assert "MADOGUCHI_DATABASE_URL=postgresql://" in message
    assert "SQLite is one process's database" in message


def test_cluster_without_redis__refused_saying_to_set_redis_url() -> None:
    with pytest.raises(ValidationError) as raised:
        _settings(cluster=True, database_url=POSTGRES)
    assert "MADOGUCHI_REDIS_URL=redis://" in describe_settings_error(raised.value)


def test_cluster_on_postgresql_and_redis__accepted() -> None:
    settings = _settings(cluster=True, database_url=POSTGRES, redis_url="redis://cache:6379/2")
    assert settings.cluster and settings.database_url.startswith("postgresql+asyncpg://")
    assert settings.redis_url == "redis://cache:6379/2"


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"redis_url": "http://cache:6379"}, "MADOGUCHI_REDIS_URL"),
        ({"node_id": "a b/c"}, "MADOGUCHI_NODE_ID"),
        ({"cluster_lease_seconds": 0.5}, "MADOGUCHI_CLUSTER_LEASE_SECONDS"),
    ],
)
def test_bad_cluster_values__name_the_setting(values: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        _settings(**values)
    assert field in describe_settings_error(raised.value)


def test_renewal_slower_than_half_the_lease__refused() -> None:
    with pytest.raises(ValidationError) as raised:
        _settings(database_url=POSTGRES, cluster_lease_seconds=3, cluster_renew_seconds=2)
    assert "MADOGUCHI_CLUSTER_RENEW_SECONDS" in describe_settings_error(raised.value)


def test_sqlite_guard__a_second_holder_is_refused_until_the_first_lets_go(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'desk.db'}"
    first = hold_sqlite_database(url)
    assert first is not None
    with pytest.raises(DatabaseInUse, match="MADOGUCHI_CLUSTER=true"):
        hold_sqlite_database(url)
    first.close()
    again = hold_sqlite_database(url)  # the lock went with its holder
    assert again is not None
    again.close()


def test_sqlite_guard__postgresql_and_memory_databases_need_no_lock() -> None:
    assert lock_path("postgresql+asyncpg://u@h/db") is None
    assert lock_path("sqlite+aiosqlite:///:memory:") is None


@pytest.mark.slow
def test_serve__a_second_process_on_one_sqlite_file_fails_at_start_saying_what_to_set(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'desk.db'}"
    held = hold_sqlite_database(url)  # stands for the first process, serving
    try:
        result = subprocess.run(
            [sys.executable, "-m", "app.cli", "serve", "--no-migrate", "--port", "1"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            env={
                **os.environ,
                "MADOGUCHI_MODE": "dev",
                "MADOGUCHI_CLOCK_START": TEST_NOW.isoformat(),
                "MADOGUCHI_DATABASE_URL": url,
            },
            timeout=60,
            check=False,
        )
    finally:
        assert held is not None
        held.close()
    assert result.returncode != 0
    assert "another Madoguchi process already serves the SQLite database" in result.stderr
    assert "MADOGUCHI_REDIS_URL" in result.stderr and "Traceback" not in result.stderr
