"""Liveness and readiness: readiness means the database answers and its schema is at the latest migration.

Readiness also says which routing policy version is in force and which journal checkpoint the live desk last
saved, so an operator can see a policy change took effect.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text

from app.migrate import current_revision, head_revision

router = APIRouter(tags=["health"])


class Migrations(BaseModel):
    current: str | None
    head: str | None


class RoutingJournal(BaseModel):
    """The live desk's routing state: whether this process leads routing, the policy it applies and how far
    its last checkpoint reaches. A follower's figures are those of its read model."""

    role: Literal["leader", "follower"]
    node_id: str | None  # this process's name; None for the embedded desk (SQLite, no lease)
    lease_epoch: int | None  # the fencing token while this process leads on PostgreSQL
    policy_version: str
    checkpoint_seq: int | None
    last_event_seq: int


class Readiness(BaseModel):
    """Whether this process may take traffic, and if not, what is missing (503 carries the same shape)."""

    status: Literal["ok", "unavailable"]
    database: str
    migrations: Migrations | None = None
    routing: RoutingJournal | None = None
    redis: Literal["ok", "unreachable"] | None = None  # a cluster's fan-out; absent for one process


def _answer(readiness: Readiness, request: Request) -> JSONResponse:
    fanout = getattr(request.app.state, "fanout", None)
    if fanout is not None:  # pushes would not cross processes: not ready until Redis is back
        readiness.redis = "ok" if fanout.connected else "unreachable"
        if not fanout.connected:
            readiness.status = "unavailable"
    code = 200 if readiness.status == "ok" else 503
    desk = getattr(request.app.state, "desk", None)
    if desk is not None and desk.journal_status.policy_version:
        status = desk.journal_status
        lease = desk.lease
        readiness.routing = RoutingJournal(
            role="leader" if desk.role == "leader" else "follower",
            node_id=lease.node_id if lease is not None else None,
            lease_epoch=lease.epoch if lease is not None else None,
            policy_version=status.policy_version,
            checkpoint_seq=status.checkpoint_seq,
            last_event_seq=status.last_seq,
        )
    # unknown parts (the database unreachable, no live desk in this process) are left out, not null
    absent = {name for name in ("migrations", "routing", "redis") if getattr(readiness, name) is None}
    return JSONResponse(readiness.model_dump(exclude=absent), code)


class Liveness(BaseModel):
    status: Literal["ok"]


@router.get("/healthz", response_model=Liveness)
async def healthz() -> Liveness:
    """The process is up."""
    return Liveness(status="ok")


@router.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness}})
async def readyz(request: Request) -> JSONResponse:
    """Ready to serve: database reachable and migrations at head."""
    engine = request.app.state.engine
    settings = request.app.state.settings
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        current = await current_revision(engine)
    except Exception as exc:  # any driver error means not ready; say which
        return _answer(
            Readiness(status="unavailable", database=f"unreachable: {type(exc).__name__}"), request
        )
    head = head_revision(settings.database_url)
    if current != head:
        return _answer(
            Readiness(status="unavailable", database="ok", migrations=Migrations(current=current, head=head)),
            request,
        )
    ready = Readiness(status="ok", database="ok", migrations=Migrations(current=current, head=head))
    return _answer(ready, request)
