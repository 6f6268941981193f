"""Upgrade, downgrade to base, upgrade again, and no drift between models and migrations, on both backends."""

from __future__ import annotations

import asyncio

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from app import migrate
from app.db import create_engine
from app.models import Base


async def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))
    finally:
        await engine.dispose()


async def _drift(url: str) -> list[object]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:

            def compare(sync):  # type: ignore[no-untyped-def]
                context = MigrationContext.configure(
                    sync, opts={"compare_type": True, "compare_server_default": True}
                )
                return compare_metadata(context, Base.metadata)

            return list(await connection.run_sync(compare))
    finally:
        await engine.dispose()


async def test_migrations__round_trip_and_no_drift(database_url: str) -> None:
    assert await _drift(database_url) == []
    await asyncio.to_thread(migrate.downgrade, database_url, "base")
    assert await _tables(database_url) <= {"alembic_version"}
    await asyncio.to_thread(migrate.upgrade, database_url)
    assert set(Base.metadata.tables) <= await _tables(database_url)
    assert await _drift(database_url) == []


def test_migrations__file_names_are_date_slugs() -> None:
    import re

    names = [p.name for p in (migrate.MIGRATIONS_DIR / "versions").glob("*.py") if p.name != "__init__.py"]
    assert names, "no migrations found"
    assert all(re.fullmatch(r"\d{4}_\d{2}_\d{2}_[a-z0-9_]+\.py", n) for n in names), names
