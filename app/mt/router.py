"""Translation model packages in the admin API: what is installed, and installing a pair from the Argos
package index (admins; the download runs in a worker thread, the running translator picks the pair up)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request, status
from pydantic import BaseModel, ConfigDict, Field

from app.audit.service import record
from app.deps import Admin, DbSession, ReportReader, SettingsDep
from app.errors import InvalidField
from app.mt.exceptions import InvalidModelPackage
from app.mt.index import FetchFailed, fetch_and_install, parse_pair
from app.mt.package import list_installed

router = APIRouter(prefix="/admin/models", tags=["admin"])


class InstalledPair(BaseModel):
    from_code: str
    to_code: str
    package_version: str


class ModelsRead(BaseModel):
    index_url: str
    installed: list[InstalledPair]


class ModelInstall(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    pair: str = Field(max_length=16, examples=["en-ja"], description="source-target language codes")


class ModelInstalled(BaseModel):
    from_code: str
    to_code: str
    package_version: str
    url: str
    sha256_checked: bool
    replaced: str | None = Field(description="the package version it replaced, if any")


def _installed(models_dir: Path) -> list[InstalledPair]:
    return [
        InstalledPair(from_code=p.pair[0], to_code=p.pair[1], package_version=p.metadata.package_version)
        for p in list_installed(models_dir)
    ]


@router.get("", response_model=ModelsRead)
async def installed_models(_reader: ReportReader, settings: SettingsDep) -> ModelsRead:
    """The installed pairs and the index new ones come from."""
    pairs = await asyncio.to_thread(_installed, settings.mt_models_dir)
    return ModelsRead(index_url=settings.mt_index_url, installed=pairs)


@router.post("/install", response_model=ModelInstalled, status_code=status.HTTP_201_CREATED)
async def install_model(
    body: ModelInstall, request: Request, admin: Admin, db: DbSession, settings: SettingsDep
) -> ModelInstalled:
    """Fetch the newest package of the pair from the index, check it, install it (audited). 502 when the index
    or the download fails its checks; nothing is installed then."""
    pair = parse_pair(body.pair)
    if pair is None:
        raise InvalidField(("body", "pair"), f"expected a pair such as en-ja, got {body.pair!r}")
    try:
        fetched = await asyncio.to_thread(
            fetch_and_install, pair, settings.mt_models_dir, settings.mt_index_url
        )
    except (FetchFailed, InvalidModelPackage) as exc:
        raise HTTPException(status.HTTP_502_BAD_GATEWAY, detail=str(exc)) from None
    meta = fetched.result.package.metadata
    replaced = fetched.result.replaced.package_version if fetched.result.replaced is not None else None
    await record(
        db,
        admin,
        "mt_model.installed",
        "mt_model",
        f"{pair[0]}-{pair[1]}",
        {"url": fetched.entry.url, "version": meta.package_version, "sha256_checked": fetched.verified},
        request.client.host if request.client else None,
    )
    return ModelInstalled(
        from_code=meta.from_code,
        to_code=meta.to_code,
        package_version=meta.package_version,
        url=fetched.entry.url,
        sha256_checked=fetched.verified,
        replaced=replaced,
    )
