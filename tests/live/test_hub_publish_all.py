"""A routing step's frames go to the relay (the other processes) before this process's own sockets."""

from __future__ import annotations

import asyncio

from app.live.hub import Hub, Subscriber


class Screen:
    def __init__(self, hub: Hub, topics: list[str]) -> None:
        self.received: list[str] = []
        self.subscriber = Subscriber(self._send, self._close, "screen", eager=True)  # as a websocket is
        self.subscriber.start()
        hub.subscribe(self.subscriber, topics)

    async def _send(self, text: str) -> None:
        self.received.append(text)

    async def _close(self, _code: int, _reason: str) -> None:
        return None


class Relay:
    """Records what it was sent, and what the local screen had already been sent when asked to hand off."""

    def __init__(self, screen: Screen | None = None) -> None:
        self.sent: list[tuple[str, str]] = []
        self.screen = screen
        self.local_at_handoff: list[list[str]] = []

    def send(self, topic: str, text: str) -> None:
        self.sent.append((topic, text))

    async def handed_off(self) -> None:
        self.local_at_handoff.append(list(self.screen.received) if self.screen else [])
        await asyncio.sleep(0)


async def test_publish_all__the_relay_has_every_frame_before_a_local_socket_is_written() -> None:
    hub = Hub()
    desk = Screen(hub, ["desk"])
    relay = Relay(desk)
    hub.relay = relay
    frames = [("desk", '{"n": 1}'), ("staff-3", '{"n": 2}'), ("desk", '{"n": 3}')]
    await hub.publish_all(frames)
    assert relay.sent == frames
    assert relay.local_at_handoff == [[]]  # one hand-off for the step, before any local write
    await asyncio.sleep(0)
    assert desk.received == ['{"n": 1}', '{"n": 3}']  # then here, in order, its own topics only
    await hub.close_all()


async def test_publish_all__without_a_relay_delivers_here_and_an_empty_step_asks_nothing() -> None:
    hub = Hub()
    desk = Screen(hub, ["desk"])
    await hub.publish_all([("desk", "one"), ("desk", "two")])
    await asyncio.sleep(0)
    assert desk.received == ["one", "two"]
    relay = Relay(desk)
    hub.relay = relay
    await hub.publish_all([])
    assert relay.sent == [] and relay.local_at_handoff == []
    await hub.close_all()
