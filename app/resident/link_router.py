"""Staff make resident links: a poster link for an office or site (printed as a QR code), or a short-lived
personal invitation for one resident. A coordinator of one municipality makes links for it only."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from fastapi import APIRouter, Request, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from app.auth.principal import Principal
from app.config import Settings
from app.deps import Admin, ClockDep, DbSession, Office, ReportReader, SettingsDep
from app.errors import Forbidden, InvalidField
from app.geography.models import Municipality, Site
from app.i18n import SUPPORTED
from app.resident import link_registry
from app.resident.link_models import ResidentLinkRecord
from app.resident.links import MAX_VALIDITY, LinkClaims, LinkKind, issue_link, read_link
from app.resident.qr import qr_svg

router = APIRouter(prefix="/resident", tags=["residents"])
admin_router = APIRouter(prefix="/admin/resident-links", tags=["admin"])


class ResidentLinkCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: Literal["poster", "invite"] = Field(
        description="poster: for a municipality's office or site, long validity; invite: for one resident"
    )
    municipality: str | None = Field(default=None, description="JIS code; a coordinator's own by default")
    site: str | None = Field(default=None, description="site code, e.g. soja-counter")
    language: str | None = Field(default=None, description="the page opens in this language")
    valid_days: int | None = Field(
        default=None,
        ge=1,
        le=MAX_VALIDITY[LinkKind.poster].days,
        description="default: 365 (poster), 3 (invite); at most 732 (poster), 14 (invite)",
    )


class ResidentLinkRead(BaseModel):
    url: str
    token: str
    kind: LinkKind
    municipality: str | None
    site: str | None
    language: str | None
    expires_at: datetime
    qr_svg: str = Field(description="the URL as a QR code, an SVG document")


def link_url(request: Request, token: str) -> str:
    """Where the link points: this service's own address (behind a proxy, run uvicorn with proxy headers)."""
    return f"{str(request.base_url).rstrip('/')}/r/{token}"


async def _scope(
    db: DbSession, principal: Principal, link_in: ResidentLinkCreate
) -> tuple[str | None, str | None]:
    """The municipality and site of the new link, checked against what exists and the maker's scope."""
    municipality = link_in.municipality or principal.municipality_code
    if principal.municipality_code is not None and municipality != principal.municipality_code:
        raise Forbidden(f"you make links for municipality {principal.municipality_code} only")
    if municipality is not None and await db.get(Municipality, municipality) is None:
        raise InvalidField(("body", "municipality"), f"unknown municipality {municipality!r}")
    if link_in.site is None:
        return municipality, None
    site = await db.scalar(select(Site).where(Site.code == link_in.site, Site.active.is_(True)))
    if site is None:
        raise InvalidField(("body", "site"), f"unknown site {link_in.site!r}")
    if municipality is None:
        municipality = site.municipality_code
    elif site.municipality_code != municipality:
        if principal.municipality_code is not None:
            raise Forbidden(f"site {site.code!r} is not in your municipality")
        raise InvalidField(("body", "site"), f"site {site.code!r} is not in municipality {municipality}")
    return municipality, site.code


def make_link(
    settings: Settings, link_in: ResidentLinkCreate, scope: tuple[str | None, str | None], now: datetime
) -> str:
    """The signed link token, issued at `now`."""
    kind = LinkKind(link_in.kind)
    expires_at = None
    if link_in.valid_days is not None:
        if timedelta(days=link_in.valid_days) > MAX_VALIDITY[kind]:
            raise InvalidField(
                ("body", "valid_days"),
                f"a {kind} link may be valid for at most {MAX_VALIDITY[kind].days} days",
            )
        expires_at = now + timedelta(days=link_in.valid_days)
    claims = LinkClaims(kind, scope[0], scope[1], link_in.language, expires_at=expires_at)
    return issue_link(settings, claims, now)


@router.post("/links", response_model=ResidentLinkRead, status_code=status.HTTP_201_CREATED)
async def create_resident_link(
    link_in: ResidentLinkCreate,
    request: Request,
    db: DbSession,
    settings: SettingsDep,
    clock: ClockDep,
    principal: Office,
) -> ResidentLinkRead:
    """A signed link (and its QR code) that opens the resident video page; remembered, to list and revoke."""
    if link_in.language is not None and link_in.language not in SUPPORTED:
        raise InvalidField(("body", "language"), f"unknown language {link_in.language!r}", list(SUPPORTED))
    scope = await _scope(db, principal, link_in)
    now = clock.now()
    token = make_link(settings, link_in, scope, now)
    url = link_url(request, token)
    link = read_link(settings, token, now)
    await link_registry.remember(db, link, principal)
    return ResidentLinkRead(
        url=url,
        token=token,
        kind=link.kind,
        municipality=link.municipality,
        site=link.site,
        language=link.language,
        expires_at=link.expires_at,
        qr_svg=qr_svg(url),
    )


class ResidentLinkEntry(BaseModel):
    link_id: str
    kind: str
    municipality: str | None
    site: str | None
    language: str | None
    issued_at: datetime
    expires_at: datetime
    issued_by: str | None
    revoked_at: datetime | None
    revoked_by: str | None
    state: Literal["active", "expired", "revoked"]


class ResidentLinkList(BaseModel):
    links: list[ResidentLinkEntry]


def _entry(row: ResidentLinkRecord, now: datetime) -> ResidentLinkEntry:
    state: Literal["active", "expired", "revoked"] = (
        "revoked" if row.revoked_at is not None else "expired" if row.expires_at <= now else "active"
    )
    return ResidentLinkEntry(
        link_id=row.link_id,
        kind=row.kind,
        municipality=row.municipality_code,
        site=row.site_code,
        language=row.language,
        issued_at=row.issued_at,
        expires_at=row.expires_at,
        issued_by=row.issued_by,
        revoked_at=row.revoked_at,
        revoked_by=row.revoked_by,
        state=state,
    )


@admin_router.get("", response_model=ResidentLinkList)
async def list_resident_links(
    db: DbSession, clock: ClockDep, reader: ReportReader, include_inactive: bool = False
) -> ResidentLinkList:
    """Posters and invitations made by staff, newest first (a coordinator sees their municipality's)."""
    now = clock.now()
    rows = await link_registry.listing(
        db, now, municipality=reader.municipality_code, include_inactive=include_inactive
    )
    return ResidentLinkList(links=[_entry(row, now) for row in rows])


@admin_router.post("/{link_id}/revoke", response_model=ResidentLinkEntry)
async def revoke_resident_link(
    link_id: str, request: Request, db: DbSession, clock: ClockDep, admin: Admin
) -> ResidentLinkEntry:
    """Withdraw a link at once: its page answers 410 in the resident's language from now on."""
    now = clock.now()
    client_ip = request.client.host if request.client else None
    row = await link_registry.revoke(db, link_id, admin, now, client_ip)
    return _entry(row, now)
