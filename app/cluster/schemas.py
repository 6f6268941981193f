"""What the admin sees of the processes serving the desk."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel


class ProcessRead(BaseModel):
    node_id: str | None  # None: the embedded desk (SQLite), which has no name
    role: Literal["leader", "follower"]
    alive: bool  # reported within two leases (database time)
    this_process: bool
    started_at: datetime | None
    seen_at: datetime | None


class ProcessList(BaseModel):
    """Every process on the roll call (PostgreSQL); the embedded desk lists itself alone."""

    cluster: bool
    lease_epoch: int | None  # the current fencing token (None: no lease, or never taken)
    leader: str | None  # node id of the lease holder while its lease runs
    processes: list[ProcessRead]
