"""The cluster tests' Redis: MADOGUCHI_TEST_REDIS_URL (db 15 of the local server by default); every test names
its own channels (a prefix), so tests and runs never hear each other."""

from __future__ import annotations

import asyncio
import os

import pytest
import redis.asyncio as redis

from tests.conftest import IN_CI

REDIS_URL = os.environ.get("MADOGUCHI_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def need_redis() -> None:
    """Redis tests fail loudly in CI when the server is missing, and skip only on a laptop without it."""

    async def probe() -> bool:
        client = redis.from_url(REDIS_URL)
        try:
            await client.ping()
            return True
        except (redis.RedisError, OSError):
            return False
        finally:
            await client.aclose()

    if not asyncio.run(probe()):
        if IN_CI:
            pytest.fail(f"Redis is required in CI but {REDIS_URL} does not answer")
        pytest.skip(f"Redis not reachable at {REDIS_URL} (set MADOGUCHI_TEST_REDIS_URL)")


@pytest.fixture
def redis_url() -> str:
    need_redis()
    return REDIS_URL
