from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from app.enums import MunicipalityKind, SiteKind


class MunicipalityRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name_ja: str
    name_en: str
    kind: MunicipalityKind


class SiteRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name_ja: str
    name_en: str
    kind: SiteKind
    municipality_code: str
    active: bool
