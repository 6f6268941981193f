"""The routing leader's lease on PostgreSQL, with a fencing token, and the processes' heartbeat.

Exactly one process applies routing events. It holds the `routing` row of `routing_lease` until the row's
`expires_at`; it renews it with a conditional UPDATE well before then. Another process may take the row only
once it has expired, and taking it adds one to `epoch`, the fencing token. Every journal write first reads the
row FOR SHARE in its own transaction and checks that it still carries this process's instance and epoch
(`fence`): a deposed leader (paused, partitioned, or simply late) cannot write, because the new holder changed
the epoch, and a takeover waits for a journal write in flight to commit (the row lock), so the journal never
holds events of two leaders interleaved.

Expiry is database time (`now()`), not a process's clock: every process compares against the same clock, so
processes on different hosts need no synchronised clocks, and the service's one clock (which tests freeze and
demos move) stays the routing clock. Only the renewal cadence is the process's own (`asyncio.sleep`).
"""

from __future__ import annotations

import os
import secrets
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.sql.elements import ColumnElement

from app.cluster.models import ClusterProcess, RoutingLease
from app.errors import ServiceUnavailable

ROUTING = "routing"
FORGET_PROCESSES_AFTER_S = 24 * 3600  # the roll call keeps a day of departed processes for the admin


class NotLeader(ServiceUnavailable):
    """This process does not lead routing (any more): the event was not applied; retry shortly."""


class LeaseHeldElsewhere(RuntimeError):
    """A process that is not part of a cluster found the routing lease held by another process."""


def default_node_id() -> str:
    """The host's name and the process id: unique enough to tell processes apart in the admin's list."""
    return f"{socket.gethostname()[:48]}-{os.getpid()}"


@dataclass(frozen=True, slots=True)
class LeaseView:
    """The lease as the database holds it now."""

    node_id: str
    holder: str
    epoch: int
    expires_at: datetime
    expired: bool


def _seconds(value: float) -> ColumnElement[timedelta]:
    """A SQL interval of `value` seconds."""
    return func.make_interval(0, 0, 0, 0, 0, 0, value)


class Lease:
    """This process's side of the routing lease: take, renew, release, fence, and report itself."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        node_id: str,
        ttl_s: float,
        instance: str | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self.node_id = node_id
        self.instance = instance or f"{node_id[:40]}.{secrets.token_hex(8)}"
        self.ttl_s = ttl_s
        self.epoch: int | None = None  # the fencing token while this process holds the lease

    @property
    def held(self) -> bool:
        return self.epoch is not None

    async def try_take(self) -> bool:
        """Take the lease if nobody holds it or its holder let it expire; the epoch goes up by one."""
        expires = func.now() + _seconds(self.ttl_s)
        statement = (
            insert(RoutingLease)
            .values(name=ROUTING, holder=self.instance, node_id=self.node_id, epoch=1, expires_at=expires)
            .on_conflict_do_update(
                index_elements=[RoutingLease.name],
                set_={
                    "holder": self.instance,
                    "node_id": self.node_id,
                    "epoch": RoutingLease.epoch + 1,
                    "expires_at": expires,
                },
                where=RoutingLease.expires_at <= func.now(),
            )
            .returning(RoutingLease.epoch)
        )
        async with self._sessionmaker() as session:
            epoch = await session.scalar(statement)
            await session.commit()
        self.epoch = int(epoch) if epoch is not None else None
        return self.held

    async def renew(self) -> bool:
        """Push the expiry on, if the lease is still this process's; False: it was lost (step down)."""
        if self.epoch is None:
            return False
        statement = (
            update(RoutingLease)
            .where(
                RoutingLease.name == ROUTING,
                RoutingLease.holder == self.instance,
                RoutingLease.epoch == self.epoch,
            )
            .values(expires_at=func.now() + _seconds(self.ttl_s))
            .returning(RoutingLease.epoch)
        )
        async with self._sessionmaker() as session:
            renewed = await session.scalar(statement)
            await session.commit()
        if renewed is None:
            self.epoch = None
        return renewed is not None

    async def release(self) -> None:
        """A clean stop lets the lease go at once, so a follower need not wait for it to expire."""
        if self.epoch is None:
            return
        async with self._sessionmaker() as session:
            await session.execute(
                update(RoutingLease)
                .where(
                    RoutingLease.name == ROUTING,
                    RoutingLease.holder == self.instance,
                    RoutingLease.epoch == self.epoch,
                )
                .values(expires_at=func.now())
            )
            await session.commit()
        self.epoch = None

    def forget(self) -> None:
        """Step down without touching the database (the lease was lost)."""
        self.epoch = None

    async def fence(self, session: AsyncSession) -> None:
        """In the caller's transaction: raise NotLeader unless the lease still carries this holder and epoch.

        FOR SHARE holds the row until the transaction ends, so no takeover can slip between this check and the
        journal row written after it.
        """
        if self.epoch is None:
            raise NotLeader("routing is led by another process; the event was not applied")
        row = (
            await session.execute(
                select(RoutingLease.holder, RoutingLease.epoch)
                .where(RoutingLease.name == ROUTING)
                .with_for_update(read=True)
            )
        ).one_or_none()
        if row is None or row.holder != self.instance or row.epoch != self.epoch:
            self.epoch = None
            raise NotLeader("this process lost the routing lease; the event was not applied")

    async def view(self) -> LeaseView | None:
        """Who holds the lease now (None: nobody ever took it)."""
        async with self._sessionmaker() as session:
            row = (
                await session.execute(
                    select(
                        RoutingLease.node_id,
                        RoutingLease.holder,
                        RoutingLease.epoch,
                        RoutingLease.expires_at,
                        (RoutingLease.expires_at <= func.now()).label("expired"),
                    ).where(RoutingLease.name == ROUTING)
                )
            ).one_or_none()
        if row is None:
            return None
        return LeaseView(row.node_id, row.holder, int(row.epoch), row.expires_at, bool(row.expired))

    async def heartbeat(self, role: str) -> None:
        """Report this process in the roll call (database time), and forget processes gone for a day."""
        statement = insert(ClusterProcess).values(
            instance=self.instance, node_id=self.node_id, role=role, started_at=func.now(), seen_at=func.now()
        )
        statement = statement.on_conflict_do_update(
            index_elements=[ClusterProcess.instance], set_={"role": role, "seen_at": func.now()}
        )
        async with self._sessionmaker() as session:
            await session.execute(statement)
            await session.execute(
                delete(ClusterProcess).where(
                    ClusterProcess.seen_at < func.now() - _seconds(FORGET_PROCESSES_AFTER_S)
                )
            )
            await session.commit()

    async def leave(self) -> None:
        """A clean stop takes this process off the roll call."""
        async with self._sessionmaker() as session:
            await session.execute(delete(ClusterProcess).where(ClusterProcess.instance == self.instance))
            await session.commit()


@dataclass(frozen=True, slots=True)
class ProcessSeen:
    node_id: str
    instance: str
    role: str
    started_at: datetime
    seen_at: datetime
    alive: bool


async def list_processes(session: AsyncSession, alive_within_s: float) -> list[ProcessSeen]:
    """Every process on the roll call, newest first; `alive` if it reported within `alive_within_s`."""
    rows = await session.execute(
        select(
            ClusterProcess,
            (ClusterProcess.seen_at > func.now() - _seconds(alive_within_s)).label("alive"),
        ).order_by(ClusterProcess.started_at.desc(), ClusterProcess.instance)
    )
    return [
        ProcessSeen(p.node_id, p.instance, p.role, p.started_at, p.seen_at, bool(alive)) for p, alive in rows
    ]
