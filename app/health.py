"""Liveness and readiness: readiness means the database answers and its schema is at the latest migration."""

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


class Readiness(BaseModel):
    """Whether this process may take traffic, and if not, what is missing (503 carries the same shape)."""

    status: Literal["ok", "unavailable"]
    database: str
    migrations: Migrations | None = None


def _answer(readiness: Readiness) -> JSONResponse:
    code = 200 if readiness.status == "ok" else 503
    # migrations are unknown when the database cannot be reached: the key is left out, not null
    absent = {"migrations"} if readiness.migrations is None else set()
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
        return _answer(Readiness(status="unavailable", database=f"unreachable: {type(exc).__name__}"))
    head = head_revision(settings.database_url)
    if current != head:
        return _answer(
            Readiness(status="unavailable", database="ok", migrations=Migrations(current=current, head=head))
        )
    return _answer(Readiness(status="ok", database="ok", migrations=Migrations(current=current, head=head)))
