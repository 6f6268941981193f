"""Liveness and readiness: readiness means the database answers and its schema is at the latest migration."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from app.migrate import current_revision, head_revision

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    """Ready to serve: database reachable and migrations at head."""
    engine = request.app.state.engine
    settings = request.app.state.settings
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        current = await current_revision(engine)
    except Exception as exc:  # any driver error means not ready; say which
        return JSONResponse({"status": "unavailable", "database": f"unreachable: {type(exc).__name__}"}, 503)
    head = head_revision(settings.database_url)
    if current != head:
        return JSONResponse(
            {"status": "unavailable", "database": "ok", "migrations": {"current": current, "head": head}}, 503
        )
    return JSONResponse({"status": "ok", "database": "ok", "migrations": {"current": current, "head": head}})
