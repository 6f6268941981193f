"""Followers hand routing events to the leader through Redis and wait for its decisions.

Why Redis and not HTTP to the leader: every process already holds a Redis connection, a follower needs no
address of the leader (which changes at a failover), and a request sent while nobody leads simply waits in the
list for the next leader. Each request has a claim key that expires with the follower's patience: the leader
applies a request only if it deletes that key first, and a follower that gives up deletes it too. Exactly one
of them succeeds, so a request is either applied and answered, or known not applied (NotLeader, 503) and never
applied later behind the client's back. Nothing is acknowledged that the leader has not journalled: it answers
after its journal transaction committed.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from collections.abc import Awaitable, Callable

import redis.asyncio as redis
from redis.exceptions import RedisError

from app.cluster.lease import NotLeader
from app.errors import ServiceUnavailable
from routing import (
    Decision,
    Event,
    RoutingConflict,
    decision_from_dict,
    decision_to_dict,
    event_from_dict,
    event_to_dict,
)

log = logging.getLogger(__name__)

REPLY_TTL_S = 30
APPLYING_GRACE_S = 10.0  # the leader claimed the request: how long its answer may still take

Submit = Callable[[Event], Awaitable[list[Decision]]]


class ForwardedConflict(RoutingConflict):
    """The leader refused the event (a RoutingConflict there), with the leader's code and message."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


class Forwarding:
    """Both sides of the hand-over: `forward` (follower) and `serve` (leader)."""

    def __init__(self, url: str, prefix: str, *, timeout_s: float) -> None:
        # blocking pops wait longer than redis-py's default socket timeout (5 s)
        self._client: redis.Redis = redis.from_url(url, socket_timeout=timeout_s + APPLYING_GRACE_S + 5)
        self._prefix = prefix
        self.requests = f"{prefix}:routing:requests"
        self.timeout_s = timeout_s

    async def close(self) -> None:
        await self._client.aclose()

    def _claim(self, request_id: str) -> str:
        return f"{self._prefix}:routing:claim:{request_id}"

    def _reply(self, request_id: str) -> str:
        return f"{self._prefix}:routing:reply:{request_id}"

    async def forward(self, event: Event) -> list[Decision]:
        """Send `event` to whichever process leads; its decisions, or its RoutingConflict, come back."""
        request_id = secrets.token_hex(12)
        claim, reply_key = self._claim(request_id), self._reply(request_id)
        body = json.dumps({"id": request_id, "event": event_to_dict(event)})
        try:
            async with self._client.pipeline(transaction=True) as pipe:
                pipe.set(claim, 1, px=int((self.timeout_s + APPLYING_GRACE_S) * 1000))
                pipe.rpush(self.requests, body)
                await pipe.execute()
            reply = await self._client.blpop([reply_key], timeout=self.timeout_s)
            if reply is None:
                if await self._client.delete(claim):  # nobody took it, and now nobody will
                    raise NotLeader("no process leads routing right now; the event was not applied, retry")
                reply = await self._client.blpop([reply_key], timeout=APPLYING_GRACE_S)
                if reply is None:
                    raise ServiceUnavailable(
                        "the leading process took the event but did not answer (it may have stopped); "
                        "check the case before retrying"
                    )
        except RedisError as exc:
            raise NotLeader(
                f"the routing leader cannot be reached (Redis: {type(exc).__name__}); retry"
            ) from None
        answer = json.loads(reply[1])
        if "decisions" in answer:
            return [decision_from_dict(item) for item in answer["decisions"]]
        if "conflict" in answer:
            raise ForwardedConflict(str(answer["conflict"]), str(answer.get("code", "conflict")))
        raise NotLeader(str(answer.get("unavailable", "routing is unavailable; retry")))

    async def serve(self, submit: Submit, leading: Callable[[], bool]) -> None:
        """The leader's loop: claim each waiting request, apply it, answer it; ends when it stops leading."""
        while leading():
            try:
                item = await self._client.blpop([self.requests], timeout=1)
            except RedisError as exc:
                log.error("routing requests from followers unreadable (%s); retrying", exc)
                await asyncio.sleep(0.5)
                continue
            if item is None:
                continue
            if not leading():  # stepped down while waiting: the request is the next leader's
                await self._client.lpush(self.requests, item[1])
                return
            try:
                request = json.loads(item[1])
                request_id = str(request["id"])
                event = event_from_dict(request["event"])
            except (ValueError, KeyError, TypeError):
                log.error("an unreadable routing request from a follower was dropped")
                continue
            if not await self._client.delete(self._claim(request_id)):
                continue  # its follower gave up: it told its client "not applied"
            answer: dict[str, object]
            try:
                answer = {"decisions": [decision_to_dict(d) for d in await submit(event)]}
            except RoutingConflict as exc:
                answer = {"conflict": str(exc), "code": exc.code}
            except NotLeader as exc:
                answer = {"unavailable": exc.message}
            except Exception:  # the desk rebuilt itself from the journal; the event was not applied
                log.exception("a forwarded routing event failed")
                answer = {"unavailable": "routing failed to record the event; it was not applied, retry"}
            reply_key = self._reply(request_id)
            async with self._client.pipeline(transaction=True) as pipe:
                pipe.rpush(reply_key, json.dumps(answer))
                pipe.expire(reply_key, REPLY_TTL_S)
                await pipe.execute()
