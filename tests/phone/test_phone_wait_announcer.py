"""On hold the caller hears the estimated wait in their language: once known, then when it changes a lot."""

from __future__ import annotations

import asyncio
from typing import Any

from app.phone.gateway import WaitAnnouncer
from app.phone.prompts import WAIT_MINUTES, PromptLibrary
from tests.conftest import pinned_clock

LIBRARY = PromptLibrary(
    {lang: {f"wait.{m}": f"{lang}:{m}".encode() for m in WAIT_MINUTES} for lang in ("ko", "en")}, {}
)


class RecordingBridge:
    def __init__(self) -> None:
        self.prompts: list[bytes] = []

    def play_hold_music(self, pcm: bytes | None = None) -> None: ...

    def play_prompt(self, pcm: bytes) -> asyncio.Future[None]:
        self.prompts.append(pcm)
        return asyncio.get_running_loop().create_future()

    async def join(self, consultation_id: str) -> Any: ...

    async def wait_ended(self) -> str:
        return "hung_up"

    async def close(self) -> None: ...


async def test_estimate_before_the_hold_prompt_is_said_once_ready_in_the_callers_language() -> None:
    bridge = RecordingBridge()
    announcer = WaitAnnouncer(LIBRARY, "ko", pinned_clock())
    announcer.bridge = bridge
    announcer.on_queue(1, 250)  # routing's first estimate arrives while the bridge is being set up
    assert bridge.prompts == []
    announcer.ready()
    assert bridge.prompts == [b"ko:5"]  # 250 s is said as "about 5 minutes"


async def test_small_changes_are_not_announced_and_no_estimate_says_nothing() -> None:
    bridge = RecordingBridge()
    announcer = WaitAnnouncer(LIBRARY, "en", pinned_clock())
    announcer.bridge = bridge
    announcer.ready()
    announcer.on_queue(2, 600)
    announcer.on_queue(2, 630)  # 10 -> 11 minutes, a moment later: not worth interrupting the music
    announcer.on_queue(1, None)
    assert bridge.prompts == [b"en:10"]
