"""A counselor's own recent cases, for the console's list (no personal data)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from app.consultation import own_cases
from app.consultation.schemas import OwnCasePage
from app.deps import Counselor, DbSession

router = APIRouter(tags=["consultations"])


@router.get("/console/own-cases", response_model=OwnCasePage)
async def list_own_cases(
    request: Request,
    db: DbSession,
    principal: Counselor,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> OwnCasePage:
    """Your own recent cases, newest first: calls you took and phone consultations you logged."""
    client_ip = request.client.host if request.client else None
    return OwnCasePage(items=await own_cases.list_own_cases(db, principal, limit, client_ip))
