"""Fan-out of hub pushes between the processes of a cluster, through Redis pub/sub (redis-py, asyncio).

Every process publishes what its hub publishes, (topic, encoded frame), on one channel; every process relays
what the others published to its own local subscribers. A websocket may be connected to any process and
still hear the desk. Why redis-py: it is the maintained client of Redis itself, with an asyncio API, pub/sub
and pipelines; the fan-out needs nothing more, so no broadcast library sits between.

Publishing never waits on Redis: frames go into a bounded outbox that one task sends in pipelined batches. A
lost connection is reported (`connected`, on /readyz) and re-established with back-off; frames published
while it is down reach the local subscribers only (screens that reconnect fetch a fresh snapshot).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from typing import Any

import redis.asyncio as redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

OUTBOX_LIMIT = 10_000
BATCH = 200
HEALTH_CHECK_S = 2
BACKOFF_S = (0.1, 0.25, 0.5, 1.0, 2.0)
HANDOFF_WAIT_S = 0.05  # the most a publisher's own sockets wait for the relay's first try (Redis stuck)

Deliver = Callable[[str, str], int]


class RedisFanout:
    """One process's side of the cluster fan-out channel."""

    def __init__(self, url: str, prefix: str, instance: str, deliver: Deliver) -> None:
        self.channel = f"{prefix}:hub"
        self.instance = instance
        self._deliver = deliver
        # a ping every few quiet seconds tells a dead connection from a quiet channel
        self._client: redis.Redis = redis.from_url(
            url, client_name=f"{prefix}:{instance}"[:120], health_check_interval=HEALTH_CHECK_S
        )
        self._outbox: asyncio.Queue[tuple[str, str]] = asyncio.Queue(maxsize=OUTBOX_LIMIT)
        self._tasks: list[asyncio.Task[None]] = []
        self.connected = False
        self.reconnects = 0  # times the subscription was re-established after a loss
        self._subscribed = asyncio.Event()
        self._queued = 0  # frames taken into the outbox
        self._tried = 0  # of those, frames whose first publish attempt has ended (sent or failed)
        self._handoffs: list[tuple[int, asyncio.Future[None]]] = []

    async def start(self) -> None:
        """Subscribe, then publish; returns once subscribed (or raises if Redis cannot be reached at all)."""
        await self._client.ping()
        self._tasks = [
            asyncio.create_task(self._listen(), name="fanout-listen"),
            asyncio.create_task(self._send(), name="fanout-send"),
        ]
        await asyncio.wait_for(self._subscribed.wait(), timeout=10)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        await self._client.aclose()

    def send(self, topic: str, text: str) -> None:
        """Queue a frame for the other processes (never blocks the publisher)."""
        try:
            self._outbox.put_nowait((topic, text))
            self._queued += 1
        except asyncio.QueueFull:
            log.error(
                "cluster fan-out outbox full (%d): a frame for %s reached this process only",
                OUTBOX_LIMIT,
                topic,
            )

    async def handed_off(self) -> None:
        """Back once every frame sent so far has had its first publish attempt, or after HANDOFF_WAIT_S."""
        if self._tried >= self._queued or not self._tasks:
            return
        waiter = asyncio.get_running_loop().create_future()
        self._handoffs.append((self._queued, waiter))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(waiter), HANDOFF_WAIT_S)

    def _tried_up_to(self, count: int) -> None:
        self._tried = count
        waiting = []
        for target, waiter in self._handoffs:
            if target <= count:
                if not waiter.done():
                    waiter.set_result(None)
            else:
                waiting.append((target, waiter))
        self._handoffs = waiting

    async def _send(self) -> None:
        while True:
            batch = [await self._outbox.get()]
            while len(batch) < BATCH and not self._outbox.empty():
                batch.append(self._outbox.get_nowait())
            payloads = [json.dumps({"o": self.instance, "t": topic, "f": text}) for topic, text in batch]
            tried = self._tried + len(batch)
            for attempt, pause in enumerate((0.0, *BACKOFF_S)):
                if pause:
                    await asyncio.sleep(pause)
                try:
                    async with self._client.pipeline(transaction=False) as pipe:
                        for payload in payloads:
                            pipe.publish(self.channel, payload)
                        await pipe.execute()
                    break
                except (RedisError, OSError):
                    if attempt == len(BACKOFF_S):
                        log.error("cluster fan-out: %d frames not sent (Redis unreachable)", len(payloads))
                finally:
                    if attempt == 0:
                        self._tried_up_to(tried)

    async def _listen(self) -> None:
        attempt = 0
        while True:
            try:
                async with self._client.pubsub(ignore_subscribe_messages=True) as pubsub:
                    await pubsub.subscribe(self.channel)
                    if self._subscribed.is_set():
                        self.reconnects += 1
                        log.warning("cluster fan-out: Redis subscription re-established")
                    self.connected, attempt = True, 0
                    self._subscribed.set()
                    while True:
                        message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                        if message is not None:
                            self._relay(message)
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as exc:
                if self.connected:
                    log.error("cluster fan-out: lost the Redis connection (%s); reconnecting", exc)
                self.connected = False
            await asyncio.sleep(BACKOFF_S[min(attempt, len(BACKOFF_S) - 1)])
            attempt += 1

    def _relay(self, message: dict[str, Any]) -> None:
        try:
            body = json.loads(message["data"])
            if body["o"] != self.instance:  # this process delivered its own frames already
                self._deliver(str(body["t"]), str(body["f"]))
        except (ValueError, KeyError, TypeError):
            log.error("cluster fan-out: an unreadable message on %s was dropped", self.channel)
