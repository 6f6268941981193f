"""The cluster fan-out on a real Redis: a push published in one process reaches subscribers in another, once;
a lost Redis connection is noticed and re-established."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable

import pytest
import redis.asyncio as redis

from app.cluster.fanout import RedisFanout
from app.live.hub import Hub, Subscriber
from tests.cluster.conftest import REDIS_URL

pytestmark = pytest.mark.redis

Processes = tuple[Hub, RedisFanout, Hub, RedisFanout, str]


class Screen:
    """A websocket stand-in: what a subscriber was sent."""

    def __init__(self, hub: Hub, topic: str) -> None:
        self.received: list[str] = []
        self.subscriber = Subscriber(self._send, self._close, "screen")
        self.subscriber.start()
        hub.subscribe(self.subscriber, [topic])

    async def _send(self, text: str) -> None:
        self.received.append(text)

    async def _close(self, _code: int, _reason: str) -> None:
        return None


async def _until(check: Callable[[], bool], what: str, within_s: float = 10.0) -> None:
    """Poll until `check` holds (a liveness bound, not a timing claim)."""
    for _ in range(int(within_s / 0.02)):
        if check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"never: {what}")


@pytest.fixture
async def two_processes(redis_url: str) -> AsyncIterator[Processes]:
    """Two hubs with their fan-outs, as two processes have; channels under a prefix of this test's own."""
    prefix = f"test-{uuid.uuid4().hex[:10]}"
    hubs, fanouts = [], []
    for name in ("a", "b"):
        hub = Hub()
        fanout = RedisFanout(REDIS_URL, prefix, f"{name}.{prefix}", hub.deliver)
        await fanout.start()
        hub.relay = fanout
        hubs.append(hub)
        fanouts.append(fanout)
    try:
        yield hubs[0], fanouts[0], hubs[1], fanouts[1], prefix
    finally:
        for hub, fanout in zip(hubs, fanouts, strict=True):
            await fanout.stop()
            await hub.close_all()


async def test_fanout__a_push_in_one_process_reaches_the_other_once(two_processes: Processes) -> None:
    hub_a, _fan_a, hub_b, _fan_b, _prefix = two_processes
    here, there = Screen(hub_a, "staff-7"), Screen(hub_b, "staff-7")
    elsewhere = Screen(hub_b, "staff-8")
    for n in range(3):
        hub_a.publish("staff-7", f'{{"n": {n}}}')
    await _until(lambda: len(there.received) == 3, "the other process's screen hears all three")
    hub_b.publish("staff-7", '{"n": "from b"}')
    await _until(lambda: len(here.received) == 4, "and back")
    await asyncio.sleep(0.2)  # a doubled frame would have arrived by now
    expected = ['{"n": 0}', '{"n": 1}', '{"n": 2}', '{"n": "from b"}']
    assert here.received == expected  # in order, each once: its own frames are not echoed back
    assert there.received == expected
    assert elsewhere.received == []  # topics stay apart across processes


async def test_fanout__a_lost_redis_connection_is_reported_and_recovered(two_processes: Processes) -> None:
    hub_a, _fan_a, hub_b, fan_b, prefix = two_processes
    there = Screen(hub_b, "desk")
    assert fan_b.connected and fan_b.reconnects == 0
    admin = redis.from_url(REDIS_URL)
    try:
        killed = 0
        for client in await admin.client_list():  # Redis drops process B's connections (this test's only)
            if str(client.get("name", "")).startswith(f"{prefix}:b."):
                await admin.client_kill_filter(_id=client["id"])
                killed += 1
        assert killed >= 1
    finally:
        await admin.aclose()
    await _until(lambda: fan_b.reconnects >= 1 and fan_b.connected, "B subscribes again")
    hub_a.publish("desk", '{"after": "recovery"}')
    await _until(lambda: there.received == ['{"after": "recovery"}'], "pushes flow again")


class ClosableScreen(Screen):
    """A screen that remembers how it was closed."""

    def __init__(self, hub: Hub, topics: list[str]) -> None:
        self.closes: list[tuple[int, str]] = []
        super().__init__(hub, topics[0])
        hub.subscribe(self.subscriber, topics[1:])

    async def _close(self, code: int, reason: str) -> None:
        self.closes.append((code, reason))


async def test_fanout__a_revocation_closes_the_sockets_in_every_process(two_processes: Processes) -> None:
    """Issue 18, High 2: disabling an account in one process closes its sockets on the others too."""
    hub_a, _fan_a, hub_b, _fan_b, _prefix = two_processes
    here = ClosableScreen(hub_a, ["staff-7", "auth:staff-7"])
    there = ClosableScreen(hub_b, ["staff-7", "auth:staff-7"])
    someone_else = ClosableScreen(hub_b, ["staff-8", "auth:staff-8"])
    hub_a.close_topics(["auth:staff-7"], "account disabled")
    await _until(lambda: there.closes == [(1008, "account disabled")], "the other process closes its socket")
    assert here.closes == [(1008, "account disabled")]
    hub_a.publish("staff-7", '{"after": true}')
    await asyncio.sleep(0.2)  # a frame to a closed screen would have arrived by now
    assert here.received == [] and there.received == []  # closed screens hear nothing more
    assert hub_b.subscribers("staff-7") == 0
    assert someone_else.closes == [] and hub_b.subscribers("auth:staff-8") == 1


async def test_fanout__a_step_is_handed_to_redis_before_its_local_sockets_and_reaches_the_other(
    two_processes: Processes, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub_a, fan_a, hub_b, _fan_b, _prefix = two_processes
    here, there = Screen(hub_a, "desk"), Screen(hub_b, "desk")
    executed: list[list[object]] = []  # what Redis answered each pipeline (subscriber counts per PUBLISH)
    pipeline = fan_a._client.pipeline

    class Spy:
        def __init__(self, **kwargs: object) -> None:
            self._pipe = pipeline(**kwargs)

        async def __aenter__(self) -> Spy:
            await self._pipe.__aenter__()
            return self

        async def __aexit__(self, *exc: object) -> None:
            await self._pipe.__aexit__(*exc)

        def publish(self, channel: str, payload: str) -> None:
            self._pipe.publish(channel, payload)

        async def execute(self) -> list[object]:
            answers = await self._pipe.execute()
            executed.append(answers)
            return answers

    monkeypatch.setattr(fan_a._client, "pipeline", Spy)
    await hub_a.publish_all([("desk", '{"n": 1}'), ("desk", '{"n": 2}')])
    # back only once Redis took both frames (B's subscription counted); this process's own sockets after
    assert sum(len(answers) for answers in executed) == 2 and all(executed[0])
    await _until(lambda: here.received == ['{"n": 1}', '{"n": 2}'], "this process's screen hears it")
    await _until(
        lambda: there.received == ['{"n": 1}', '{"n": 2}'], "the other process hears the step, in order"
    )


async def test_fanout__a_redis_failure_does_not_hold_back_this_process_s_sockets(
    two_processes: Processes, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub_a, fan_a, _hub_b, _fan_b, _prefix = two_processes
    here = Screen(hub_a, "desk")
    attempts: list[int] = []

    def broken_pipeline(**_kwargs: object) -> object:
        attempts.append(1)
        raise redis.ConnectionError("Redis is down (test)")

    monkeypatch.setattr(fan_a._client, "pipeline", broken_pipeline)
    await hub_a.publish_all([("desk", '{"n": 1}')])
    # back after the first failed try, not after the retries' back-off (0.1 s and more until the next try)
    assert attempts == [1]
    await asyncio.sleep(0)
    assert here.received == ['{"n": 1}']
