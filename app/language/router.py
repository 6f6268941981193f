from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from app.deps import DbSession, SettingsDep
from app.enums import ServiceMode
from app.language.models import Language
from app.language.service import Availability, availability_now

router = APIRouter(tags=["reference data"])


class LanguageRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    native_name: str
    name_ja: str
    name_en: str
    service_mode: ServiceMode
    served_now: bool
    availability: Availability


@router.get("/languages", response_model=list[LanguageRead])
async def list_languages(db: DbSession, settings: SettingsDep) -> list[LanguageRead]:
    """Active languages with how each is served and whether it can be served right now."""
    rows = await db.scalars(select(Language).where(Language.active.is_(True)).order_by(Language.sort_order))
    result = []
    for lang in rows:
        availability = availability_now(settings, lang.service_mode)
        result.append(
            LanguageRead(
                code=lang.code,
                native_name=lang.native_name,
                name_ja=lang.name_ja,
                name_en=lang.name_en,
                service_mode=lang.service_mode,
                served_now=availability == "now",
                availability=availability,
            )
        )
    return result
