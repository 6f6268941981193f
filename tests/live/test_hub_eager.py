"""An eager subscriber (a websocket) writes a frame in the publisher's turn when nothing is queued, and a
send that has to wait (the socket's transport paused) is finished by its task before anything after it."""

from __future__ import annotations

import asyncio

from app.live.hub import Hub, Subscriber


class Socket:
    """A socket whose writes wait while `paused` is clear (as uvicorn's do while the transport is paused)."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.started: list[str] = []
        self.writable = asyncio.Event()
        self.writable.set()
        self.closed: list[int] = []

    async def send(self, text: str) -> None:
        self.started.append(text)
        await self.writable.wait()
        if text == "boom":
            raise ConnectionResetError("gone")
        self.sent.append(text)

    async def close(self, code: int, _reason: str) -> None:
        self.closed.append(code)


def subscribed(socket: Socket, *, eager: bool = True) -> tuple[Hub, Subscriber]:
    hub, subscriber = Hub(), Subscriber(socket.send, socket.close, "screen", eager=eager)
    subscriber.start()
    hub.subscribe(subscriber, ["desk"])
    return hub, subscriber


async def test_a_frame_for_an_idle_socket_is_written_in_the_publishers_turn() -> None:
    socket = Socket()
    hub, subscriber = subscribed(socket)
    assert hub.publish("desk", "one") == 1
    assert socket.sent == ["one"]  # no task had to run for it
    await subscriber.stop()


async def test_a_queued_subscriber_waits_for_its_task() -> None:
    socket = Socket()
    hub, subscriber = subscribed(socket, eager=False)
    hub.publish("desk", "one")
    assert socket.sent == []
    await asyncio.sleep(0)
    assert socket.sent == ["one"]
    await subscriber.stop()


async def test_a_send_that_must_wait_is_finished_by_the_task_and_keeps_the_order() -> None:
    socket = Socket()
    hub, subscriber = subscribed(socket)
    socket.writable.clear()  # the transport is paused
    hub.publish("desk", "one")
    hub.publish("desk", "two")
    hub.publish("desk", "three")
    for _ in range(5):
        await asyncio.sleep(0)
    assert socket.started == ["one"] and socket.sent == []  # the later frames wait behind the first
    socket.writable.set()
    for _ in range(10):
        await asyncio.sleep(0)
    assert socket.sent == ["one", "two", "three"]
    hub.publish("desk", "four")  # idle again: written at once
    assert socket.sent[-1] == "four"
    await subscriber.stop()


async def test_a_socket_gone_in_the_publishers_turn_takes_nothing_more() -> None:
    socket = Socket()
    hub, subscriber = subscribed(socket)
    assert hub.publish("desk", "boom") == 0
    assert subscriber.closed
    assert hub.publish("desk", "after") == 0
    assert socket.sent == []
    await subscriber.stop()


async def test_stopping_a_subscriber_cancels_a_send_left_waiting() -> None:
    socket = Socket()
    hub, subscriber = subscribed(socket)
    socket.writable.clear()
    hub.publish("desk", "one")
    await asyncio.sleep(0)
    await subscriber.stop()  # returns: the waiting send was cancelled with the task
    socket.writable.set()
    await asyncio.sleep(0)
    assert socket.sent == []
