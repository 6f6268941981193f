"""Fixtures for the aiortc tests: loopback-only ICE, and a check that no peer or task outlives a test."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import pytest

from realtime.peers.rtc import PeerRegistry, loopback_candidates


@pytest.fixture
def loopback() -> Iterator[None]:
    """aiortc gathers only 127.0.0.1, so no packet leaves the machine (and loopback calls connect at all)."""
    with loopback_candidates():
        yield


async def settle_tasks(within_s: float = 2.0) -> set[asyncio.Task[object]]:
    """Wait briefly for background tasks to finish; returns the ones still running."""
    me = asyncio.current_task()
    deadline = asyncio.get_running_loop().time() + within_s
    while True:
        left = {t for t in asyncio.all_tasks() if t is not me and not t.done()}
        if not left or asyncio.get_running_loop().time() > deadline:
            return left
        await asyncio.sleep(0.02)


@pytest.fixture
def settle() -> Callable[..., Awaitable[set[asyncio.Task[object]]]]:
    """The leak check, for tests that manage their own peers."""
    return settle_tasks


@pytest.fixture
async def peers(loopback: None) -> AsyncIterator[PeerRegistry]:
    """A peer registry that must be empty, with no task left behind, when the test ends."""
    registry = PeerRegistry()
    yield registry
    await registry.close_all()
    assert len(registry) == 0
    left = await settle_tasks()
    assert not left, f"tasks left running: {left}"
