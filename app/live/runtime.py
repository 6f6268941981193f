"""Start and stop the live parts of one process: hub, rooms, routing desk, presence sweeper."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth.credential_sweep import AUTH_PREFIX, lapsed_credentials
from app.clock import Clock
from app.cluster.fanout import RedisFanout
from app.cluster.forwarding import Forwarding
from app.cluster.lease import Lease, default_node_id
from app.cluster.rooms import RedisRoomStore
from app.config import Settings
from app.live.desk import LiveDesk
from app.live.gateway import Gateway, RoomEventRecorder
from app.live.handover import PresenceHandover
from app.live.hub import Hub
from app.live.room_names import room_names
from realtime.presence import PresenceTracker, WatchTracker
from realtime.roles import Role
from realtime.rooms import InMemoryRoomStore, RoomRegistry, RoomStore
from realtime.signaling import IceServersFor, RoomSignaling
from realtime.turn import IceServer, ice_server_list

log = logging.getLogger(__name__)
SWEEP_SECONDS = 1.0


def ice_servers_for(settings: Settings) -> IceServersFor:
    def build(participant_id: str, _role: Role, now: datetime) -> Sequence[IceServer]:
        return ice_server_list(
            user=participant_id,
            now=now,
            stun_urls=settings.stun_urls,
            turn_urls=settings.turn_urls,
            turn_secret=settings.turn_secret,
            ttl_s=settings.turn_ttl_seconds,
        )

    return build


async def start_live_desk(
    app: FastAPI, settings: Settings, stack: contextlib.AsyncExitStack, call_legs: RoomEventRecorder
) -> None:
    hub = Hub()
    store: RoomStore = InMemoryRoomStore()
    if settings.cluster and settings.redis_url is not None:  # members of one call on different processes
        store = redis_rooms = RedisRoomStore(settings.redis_url, settings.redis_prefix)
        stack.push_async_callback(redis_rooms.close)
    rooms = RoomRegistry(store, settings.room_secret)
    lease = None
    if not settings.is_sqlite:  # on PostgreSQL the routing lease decides who leads, cluster or not
        lease = Lease(
            app.state.sessionmaker,
            node_id=settings.node_id or default_node_id(),
            ttl_s=settings.cluster_lease_seconds,
        )
    app.state.fanout = forwarding = None
    reannouncing: set[asyncio.Task[int]] = set()

    def reannounce() -> None:
        """Say to the (new) leader who is connected to this process; in the background, never blocking."""
        gateway = getattr(app.state, "gateway", None)
        if gateway is None:
            return
        task = asyncio.create_task(gateway.reannounce(app.state.clock.now()), name="presence-reannounce")
        reannouncing.add(task)
        task.add_done_callback(_reannounced(reannouncing))

    def relayed(topic: str, text: str) -> int:
        handover = getattr(app.state, "handover", None)
        if handover is not None and handover.relayed(topic, text, app.state.clock.now()):
            return 0  # a control message between processes (app/live/handover.py), never a socket's
        return hub.deliver(topic, text)

    if settings.cluster and settings.redis_url is not None and lease is not None:
        fanout = RedisFanout(settings.redis_url, settings.redis_prefix, lease.instance, relayed)
        await fanout.start()
        stack.push_async_callback(fanout.stop)
        hub.relay = app.state.fanout = fanout
        # a follower's event waits out a failover (one lease, a renewal, a rebuild) before it is refused
        forwarding = Forwarding(
            settings.redis_url, settings.redis_prefix, timeout_s=2 * settings.cluster_lease_seconds + 4
        )
        stack.push_async_callback(forwarding.close)
    desk = LiveDesk(settings, app.state.sessionmaker, hub, rooms, app.state.clock, lease, forwarding)
    timeout = timedelta(seconds=settings.heartbeat_timeout_seconds)
    rejoin = timedelta(seconds=settings.rejoin_grace_seconds)
    gateway = Gateway(
        desk,
        app.state.sessionmaker,
        RoomSignaling(rooms, ice_servers_for(settings), room_names(app.state.sessionmaker)),
        PresenceTracker(timeout=timeout, rejoin_grace=rejoin),
        PresenceTracker(timeout=timeout, rejoin_grace=rejoin),
        call_legs,
        WatchTracker(gone_after=timedelta(seconds=settings.resident_gone_seconds), silent_after=timeout),
        rejoin_grace=rejoin,
    )
    app.state.hub, app.state.desk, app.state.gateway = hub, desk, gateway
    fanout = app.state.fanout
    app.state.handover = handover = (
        PresenceHandover(gateway, fanout.send, reannounce) if fanout is not None else None
    )

    def led() -> None:
        """This process leads now (at start or after a failover): everyone, itself included, re-announces;
        members kept for something in progress lapse unless a console reconnects (or another process vouches
        for them), and interpreters of calls in progress have the rejoin grace."""
        now = app.state.clock.now()
        if handover is not None:  # asked again at each lease step until heard (app/live/handover.py)
            handover.led(now, lease.epoch if lease is not None else None)
        reannounce()
        gateway.expect_reconnect(now)
        gateway.expect_rejoin(now)

    def stepped() -> None:
        if handover is not None:
            handover.step(app.state.clock.now(), desk.role == "leader")

    desk.on_lead = led
    desk.on_step = stepped
    # nobody is connected yet: presence with nothing in progress is let go before anything routes (`led`)
    await desk.start()
    sweeper = asyncio.create_task(_sweep(gateway, app.state.clock), name="presence-sweeper")
    credentials = asyncio.create_task(
        _sweep_credentials(hub, app.state.sessionmaker, app.state.clock, settings.credential_sweep_seconds),
        name="credential-sweeper",
    )

    async def stop() -> None:
        for task in (sweeper, credentials, *reannouncing):
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sweeper
        with contextlib.suppress(asyncio.CancelledError):
            await credentials
        await desk.stop()
        await hub.close_all()

    stack.push_async_callback(stop)


def _reannounced(tasks: set[asyncio.Task[int]]) -> Callable[[asyncio.Task[int]], None]:
    def done(task: asyncio.Task[int]) -> None:
        tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("re-announcing presence to the new leader failed", exc_info=task.exception())
        elif not task.cancelled() and task.result():
            log.info("re-announced %d present members to the routing leader", task.result())

    return done


async def _sweep(gateway: Gateway, clock: Clock) -> None:
    while True:
        await asyncio.sleep(SWEEP_SECONDS)
        try:
            await gateway.sweep(clock.now())
        except Exception:  # keep sweeping: a dead connection must always leave routing
            log.exception("presence sweep failed")


async def _sweep_credentials(
    hub: Hub, sessionmaker: async_sessionmaker[AsyncSession], clock: Clock, every_s: float
) -> None:
    """Close this process's sockets whose credential lapsed where the hub could not hear it
    (app/auth/credential_sweep.py)."""
    while True:
        await asyncio.sleep(every_s)
        topics = hub.topics_starting(AUTH_PREFIX)
        if not topics:
            continue
        try:
            async with sessionmaker() as db:
                lapsed = await lapsed_credentials(db, topics, clock.now())
        except Exception:  # keep sweeping: the next sweep may reach the database again
            log.exception("credential sweep failed")
            continue
        for gone in lapsed:
            closed = hub.close_here(gone.topic, gone.reason)
            log.info("closed %d socket(s) on %s: %s", closed, gone.topic, gone.reason)
