from __future__ import annotations

from fastapi import APIRouter

from app.deps import DbSession
from app.geography import repository
from app.geography.schemas import MunicipalityRead, SiteRead

router = APIRouter(tags=["reference data"])


@router.get("/municipalities", response_model=list[MunicipalityRead])
async def list_municipalities(db: DbSession) -> list[MunicipalityRead]:
    """The ten municipalities of the wide area, and 'outside' for residents from elsewhere."""
    return [MunicipalityRead.model_validate(m) for m in await repository.list_municipalities(db)]


@router.get("/sites", response_model=list[SiteRead])
async def list_sites(db: DbSession) -> list[SiteRead]:
    """The central desk and the satellite counters at the other municipalities' offices."""
    return [SiteRead.model_validate(s) for s in await repository.list_sites(db)]
