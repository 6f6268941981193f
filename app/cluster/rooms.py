"""Call rooms shared by the processes of a cluster: `realtime.rooms.RoomStore` on Redis.

Members of one call may be connected to different processes (and reconnect to any of them), so a room's
participants live where every process sees them. Each room is one JSON value; `update` is atomic per room by
Redis's optimistic transaction (WATCH the room, read it, MULTI the new value and its indexes, EXEC; a
concurrent change makes EXEC fail and the update is run again on the fresh value). Frames to a participant go
to its connection's hub topic, which the fan-out already carries to the process holding that socket.

Indexes kept in the same transaction: the open room of each consultation, the rooms of each connection (to
leave them when a socket closes) and the closed rooms by closing time. Every key expires (`ROOM_TTL_S` after
its last change, `CLOSED_TTL_S` once closed), so the rooms of a process killed mid-call never pile up.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, TypeVar

import redis.asyncio as redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError, WatchError
from redis.exceptions import TimeoutError as RedisTimeoutError

from realtime.protocol import ErrorCode
from realtime.rooms import Participant, Room, RoomError, RoomStore, Updater

T = TypeVar("T")

ROOM_TTL_S = 24 * 3600  # an open room untouched for a day is forgotten (its call ended long ago)
CLOSED_TTL_S = 3600  # a closed room answers late joiners "room closed" for an hour
MAX_ATTEMPTS = 50  # optimistic retries of one update under contention (four members at most)


def room_to_json(room: Room) -> str:
    return json.dumps(
        {
            "room_id": room.room_id,
            "consultation_id": room.consultation_id,
            "opened_at": room.opened_at.isoformat(),
            "closed_at": room.closed_at.isoformat() if room.closed_at else None,
            "participants": [
                {
                    "participant_id": p.participant_id,
                    "role": p.role,
                    "connection_id": p.connection_id,
                    "joined_at": p.joined_at.isoformat(),
                    "mode": p.mode,
                }
                for p in room.participants
            ],
        }
    )


def room_from_json(text: str | bytes) -> Room:
    data: dict[str, Any] = json.loads(text)
    return Room(
        room_id=str(data["room_id"]),
        consultation_id=str(data["consultation_id"]),
        opened_at=datetime.fromisoformat(data["opened_at"]),
        closed_at=datetime.fromisoformat(data["closed_at"]) if data["closed_at"] else None,
        participants=tuple(
            Participant(
                participant_id=str(p["participant_id"]),
                role=p["role"],
                connection_id=str(p["connection_id"]),
                joined_at=datetime.fromisoformat(p["joined_at"]),
                mode=p["mode"],
            )
            for p in data["participants"]
        ),
    )


def _text(value: object) -> str:
    """A key or member as Redis returned it (bytes: this client does not decode responses)."""
    return value.decode() if isinstance(value, bytes) else str(value)


def _unreachable(exc: RedisError) -> RoomError:
    message = f"call rooms are unreachable right now ({type(exc).__name__}); retry"
    return RoomError(ErrorCode.INTERNAL, message)


class RedisRoomStore(RoomStore):
    """Rooms every process of the cluster shares; a lost connection is retried, then refused (no crash)."""

    def __init__(self, url: str, prefix: str) -> None:
        self._client: redis.Redis = redis.from_url(
            url,
            retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), 3),
            retry_on_error=[RedisConnectionError, RedisTimeoutError],
        )
        self._prefix = f"{prefix}:rooms"
        self._closed = f"{self._prefix}:closed"

    async def close(self) -> None:
        await self._client.aclose()

    def _room(self, room_id: str) -> str:
        return f"{self._prefix}:room:{room_id}"

    def _open(self, consultation_id: str) -> str:
        return f"{self._prefix}:open:{consultation_id}"

    def _connection(self, connection_id: str) -> str:
        return f"{self._prefix}:connection:{connection_id}"

    async def get(self, room_id: str) -> Room | None:
        try:
            raw = await self._client.get(self._room(room_id))
        except RedisError as exc:
            raise _unreachable(exc) from None
        return None if raw is None else room_from_json(raw)

    async def update(self, room_id: str, fn: Updater[T]) -> T:
        key = self._room(room_id)
        try:
            async with self._client.pipeline(transaction=True) as pipe:
                for _ in range(MAX_ATTEMPTS):
                    try:
                        await pipe.watch(key)
                        raw = await pipe.get(key)
                        old = None if raw is None else room_from_json(raw)
                        new, result = fn(old)  # a RoomError leaves the room as it was
                        pipe.multi()  # type: ignore[no-untyped-call]
                        self._write(pipe, room_id, old, new)
                        await pipe.execute()
                        return result
                    except WatchError:
                        continue  # another process changed the room meanwhile: again, on its value
        except RedisError as exc:
            raise _unreachable(exc) from None
        raise RoomError(ErrorCode.INTERNAL, f"room {room_id!r} is too busy to change; retry")

    def _write(self, pipe: Any, room_id: str, old: Room | None, new: Room | None) -> None:
        """Queue the new value and its index changes in the transaction."""
        if old is not None:
            if old.is_open and (new is None or not new.is_open):
                pipe.delete(self._open(old.consultation_id))
            for p in old.participants:
                pipe.srem(self._connection(p.connection_id), room_id)
        if new is None:
            pipe.delete(self._room(room_id))
            pipe.zrem(self._closed, room_id)
            return
        ttl = ROOM_TTL_S if new.is_open else CLOSED_TTL_S
        pipe.set(self._room(room_id), room_to_json(new), ex=ttl)
        if new.is_open:
            pipe.set(self._open(new.consultation_id), room_id, ex=ROOM_TTL_S)
        else:
            assert new.closed_at is not None
            pipe.zadd(self._closed, {room_id: new.closed_at.timestamp()})
            # rooms closed long before this one have expired: their index entries go too
            pipe.zremrangebyscore(self._closed, "-inf", new.closed_at.timestamp() - CLOSED_TTL_S)
        for p in new.participants:
            pipe.sadd(self._connection(p.connection_id), room_id)
            pipe.expire(self._connection(p.connection_id), ROOM_TTL_S)

    async def open_room_of(self, consultation_id: str) -> Room | None:
        try:
            room_id = await self._client.get(self._open(consultation_id))
        except RedisError as exc:
            raise _unreachable(exc) from None
        if room_id is None:
            return None
        room = await self.get(_text(room_id))
        return room if room is not None and room.is_open else None

    async def rooms_of_connection(self, connection_id: str) -> list[str]:
        try:
            members = await self._client.smembers(self._connection(connection_id))
        except RedisError as exc:
            raise _unreachable(exc) from None
        return sorted(_text(member) for member in members)

    async def closed_before(self, before: datetime) -> list[str]:
        try:
            ids = await self._client.zrangebyscore(self._closed, "-inf", f"({before.timestamp()}")
        except RedisError as exc:
            raise _unreachable(exc) from None
        return [_text(room_id) for room_id in ids]
