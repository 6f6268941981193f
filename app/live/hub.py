"""Fan-out of live messages to websocket connections by topic (staff, interpreter, device, consultation).

Publishers never wait on a slow client: each connection has a bounded outbox drained by its own task; a
client that falls too far behind is closed (it reconnects and gets a fresh snapshot). A websocket subscriber
is eager: a frame for a socket with nothing queued is written at once, in the publisher's turn, and only a
socket that cannot take it now (its transport paused) finishes it, and what follows, in its own task. Waking
one task per socket for every frame was most of the cost of a push to thousands of consoles; a write that
does not wait costs a few microseconds (BENCHMARKS.md, cluster).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Callable, Coroutine, Generator, Iterable, Sequence
from typing import Any, Protocol

log = logging.getLogger(__name__)

OUTBOX_LIMIT = 256
CLOSE_TOO_SLOW = 1013  # "try again later"
CLOSE_REVOKED = 1008  # "policy violation": the permission behind the socket was taken away
CLOSE_PREFIX = "close!"  # a relayed "topic" that closes the subscribers of the topic after it

Sender = Callable[[str], Coroutine[Any, Any, None]]
Closer = Callable[[int, str], Coroutine[Any, Any, None]]


class _Resume:
    """The rest of a send that began in the publisher's turn and had to wait: awaited by the subscriber's
    task, it carries on the same coroutine from where it stopped (what ``yield from`` does)."""

    def __init__(self, coro: Coroutine[Any, Any, None], pending: Any) -> None:
        self._coro = coro
        self._pending = pending

    def __await__(self) -> Generator[Any, Any, None]:
        coro, pending = self._coro, self._pending
        while True:
            try:
                sent = yield pending
            except GeneratorExit:
                coro.close()
                raise
            except BaseException as exc:  # a cancellation goes on into the send, as with ``await``
                try:
                    pending = coro.throw(exc)
                except StopIteration:
                    return
            else:
                try:
                    pending = coro.send(sent)
                except StopIteration:
                    return


class Subscriber:
    """One websocket connection: a bounded outbox and the task that writes it to the socket.

    `eager`: a frame is written at once when nothing is queued or being written (see the module's docstring);
    for sockets only, whose send never runs the application's code.
    """

    def __init__(self, send_text: Sender, close: Closer, label: str, *, eager: bool = False) -> None:
        self.label = label
        self._send_text = send_text
        self._close = close
        self._eager = eager
        self._outbox: asyncio.Queue[str | _Resume | None] = asyncio.Queue(maxsize=OUTBOX_LIMIT)
        self._task: asyncio.Task[None] | None = None
        self._writing = False  # the task took a frame and is writing it
        self.closed = False

    def start(self) -> None:
        self._task = asyncio.create_task(self._drain(), name=f"ws-out:{self.label}")

    def offer(self, text: str) -> bool:
        if self.closed:
            return False
        if self._eager and not self._writing and self._outbox.empty() and self._task is not None:
            return self._send_now(text)
        try:
            self._outbox.put_nowait(text)
        except asyncio.QueueFull:
            log.warning("closing %s: %d messages behind", self.label, OUTBOX_LIMIT)
            self.closed = True
            asyncio.create_task(self._close(CLOSE_TOO_SLOW, "too slow; reconnect"))  # noqa: RUF006
            return False
        return True

    def revoke(self, reason: str) -> None:
        """Stop sending at once and close the socket (its receive loop then cleans up)."""
        if self.closed:
            return
        self.closed = True
        asyncio.create_task(self._close(CLOSE_REVOKED, reason[:120]))  # noqa: RUF006

    def _send_now(self, text: str) -> bool:
        """Write in the caller's turn; a send that must wait is finished by the task, before what follows."""
        coro = self._send_text(text)
        try:
            pending = coro.send(None)
        except StopIteration:
            return True
        except Exception:  # the socket is gone; the receive loop will clean up
            self.closed = True
            return False
        self._outbox.put_nowait(_Resume(coro, pending))
        return True

    async def _drain(self) -> None:
        while True:
            item = await self._outbox.get()
            if item is None:
                return
            self._writing = True
            try:
                await (item if isinstance(item, _Resume) else self._send_text(item))
            except Exception:  # the socket is gone; the receive loop will clean up
                self.closed = True
                return
            finally:
                self._writing = False

    async def stop(self) -> None:
        self.closed = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


class Relay(Protocol):
    """Carries what this hub publishes to the other processes of a cluster (app/cluster/fanout.py)."""

    def send(self, topic: str, text: str) -> None: ...

    async def handed_off(self) -> None:
        """Back once what was sent so far has had its first try at the other processes (never longer)."""


class Hub:
    """Topic registry in one process; in a cluster a relay carries every publish to the other processes, and
    their publishes arrive through `deliver`."""

    def __init__(self) -> None:
        self._topics: dict[str, set[Subscriber]] = defaultdict(set)
        self._by_subscriber: dict[Subscriber, set[str]] = defaultdict(set)
        self.relay: Relay | None = None

    def subscribe(self, subscriber: Subscriber, topics: Iterable[str]) -> None:
        for topic in topics:
            self._topics[topic].add(subscriber)
            self._by_subscriber[subscriber].add(topic)

    def unsubscribe(self, subscriber: Subscriber, topics: Iterable[str] | None = None) -> None:
        chosen = set(self._by_subscriber.get(subscriber, ())) if topics is None else set(topics)
        for topic in chosen:
            members = self._topics.get(topic)
            if members is not None:
                members.discard(subscriber)
                if not members:
                    del self._topics[topic]
            self._by_subscriber[subscriber].discard(topic)
        if not self._by_subscriber.get(subscriber):
            self._by_subscriber.pop(subscriber, None)

    def publish(self, topic: str, text: str) -> int:
        """Queue an encoded frame (``realtime.protocol.encode`` of a typed message) for its subscribers, here
        and (through the relay) in every other process; returns how many local subscribers took it."""
        if self.relay is not None:
            self.relay.send(topic, text)
        return self.deliver(topic, text)

    async def publish_all(self, frames: Sequence[tuple[str, str]]) -> None:
        """A routing step's frames (topic, encoded text): the other processes get them first, then this one.

        Why: writing to this process's own sockets takes the publisher's whole turn (a few hundred sockets),
        and the relay only runs after it, so a follower's sockets would wait for the leader's. Handing the
        frames to the relay first lets the other processes deliver while this one does.
        """
        if self.relay is not None and frames:
            for topic, text in frames:
                self.relay.send(topic, text)
            await self.relay.handed_off()
        for topic, text in frames:
            self.deliver(topic, text)

    def close_topics(self, topics: Iterable[str], reason: str) -> int:
        """Close every socket subscribed to any of `topics`, here and (through the relay) in every other
        process: how sign-out, a disabled account or a revoked device end the sockets they opened."""
        closed = 0
        for topic in topics:
            if self.relay is not None:
                self.relay.send(CLOSE_PREFIX + topic, reason)
            closed += self._close_local(topic, reason)
        return closed

    def topics_starting(self, prefix: str) -> list[str]:
        """The topics this process's sockets listen on that start with `prefix` (the credential sweep reads
        the `auth:` ones)."""
        return [topic for topic in self._topics if topic.startswith(prefix)]

    def close_here(self, topic: str, reason: str) -> int:
        """Close this process's sockets on `topic` only: each process sweeps its own sockets."""
        return self._close_local(topic, reason)

    def _close_local(self, topic: str, reason: str) -> int:
        members = list(self._topics.get(topic, ()))
        for subscriber in members:
            subscriber.revoke(reason)
            self.unsubscribe(subscriber)
        return len(members)

    def deliver(self, topic: str, text: str) -> int:
        """Queue a frame for this process's subscribers only (a relayed close closes them instead)."""
        if topic.startswith(CLOSE_PREFIX):
            return self._close_local(topic.removeprefix(CLOSE_PREFIX), text)
        members = self._topics.get(topic)
        if not members:
            return 0
        return sum(1 for subscriber in list(members) if subscriber.offer(text))

    def subscribers(self, topic: str) -> int:
        return len(self._topics.get(topic, ()))

    async def close_all(self) -> None:
        for subscriber in list(self._by_subscriber):
            await subscriber.stop()
        self._topics.clear()
        self._by_subscriber.clear()
