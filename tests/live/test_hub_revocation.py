"""The hub closes the sockets on a revocation topic, in this process and (through its relay) elsewhere."""

from __future__ import annotations

import asyncio

from app.live.hub import CLOSE_PREFIX, CLOSE_REVOKED, Hub, Subscriber


class Screen:
    def __init__(self, hub: Hub, topics: list[str]) -> None:
        self.received: list[str] = []
        self.closes: list[tuple[int, str]] = []
        self.subscriber = Subscriber(self._send, self._close, "screen")
        self.subscriber.start()
        hub.subscribe(self.subscriber, topics)

    async def _send(self, text: str) -> None:
        self.received.append(text)

    async def _close(self, code: int, reason: str) -> None:
        self.closes.append((code, reason))


class Relay:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def send(self, topic: str, text: str) -> None:
        self.sent.append((topic, text))


async def test_close_topics__closes_local_sockets_and_relays_the_close() -> None:
    hub, relay = Hub(), Relay()
    hub.relay = relay
    revoked = Screen(hub, ["desk", "auth:device-3"])
    kept = Screen(hub, ["desk", "auth:device-4"])
    assert hub.close_topics(["auth:device-3"], "device revoked") == 1
    await asyncio.sleep(0)  # the close runs as its own task
    assert revoked.closes == [(CLOSE_REVOKED, "device revoked")] and kept.closes == []
    assert relay.sent == [(CLOSE_PREFIX + "auth:device-3", "device revoked")]
    hub.publish("desk", "after")
    await asyncio.sleep(0)
    assert revoked.received == [] and kept.received == ["after"]
    await hub.close_all()


async def test_deliver__a_relayed_close_closes_instead_of_being_sent() -> None:
    hub = Hub()
    screen = Screen(hub, ["auth:session-9"])
    assert hub.deliver(CLOSE_PREFIX + "auth:session-9", "signed out") == 1
    await asyncio.sleep(0)
    assert screen.closes == [(CLOSE_REVOKED, "signed out")] and screen.received == []
    assert hub.subscribers("auth:session-9") == 0
    await hub.close_all()
