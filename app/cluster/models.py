"""The routing leader's lease and the roll call of the processes serving the desk (PostgreSQL only).

Times here are the database's own (`now()` on PostgreSQL), never a process's clock: a lease must expire at
the same instant for every process, and processes on different hosts need no synchronised clocks for that.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base


class RoutingLease(Base):
    """One row per lease (only "routing" today): who applies routing events, and the fencing token."""

    __tablename__ = "routing_lease"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64), comment="the process instance holding the lease")
    node_id: Mapped[str] = mapped_column(String(64), comment="that process's name (MADOGUCHI_NODE_ID)")
    epoch: Mapped[int] = mapped_column(BigInteger, comment="fencing token: one more at every new holder")
    expires_at: Mapped[datetime] = mapped_column(comment="database time after which another may take it")


class ClusterProcess(Base):
    """A process serving the desk, as it last reported itself (the admin's list of processes)."""

    __tablename__ = "cluster_process"

    instance: Mapped[str] = mapped_column(String(64), primary_key=True, comment="one per process start")
    node_id: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16), comment="leader or follower")
    started_at: Mapped[datetime] = mapped_column(comment="database time")
    seen_at: Mapped[datetime] = mapped_column(comment="database time of its last heartbeat")
