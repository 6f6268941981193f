"""Remembering, listing and revoking resident links. A revoked link answers 410 like an expired one; links
made before this registry existed are not listed and cannot be revoked (they still expire)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import record
from app.auth.principal import Principal
from app.errors import Conflict, NotFound
from app.resident.link_models import ResidentLinkRecord
from app.resident.links import ResidentLink


async def remember(session: AsyncSession, link: ResidentLink, actor: Principal) -> ResidentLinkRecord:
    """Store a link just issued (and audit who made it)."""
    row = ResidentLinkRecord(
        link_id=link.link_id,
        kind=link.kind.value,
        municipality_code=link.municipality,
        site_code=link.site,
        language=link.language,
        issued_at=link.issued_at,
        expires_at=link.expires_at,
        issued_by=actor.actor_id,
    )
    session.add(row)
    await session.flush()
    await record(session, actor, "resident_link.issued", "resident_link", link.link_id, {"kind": row.kind})
    return row


async def is_revoked(session: AsyncSession, link_id: str) -> bool:
    revoked_at = await session.scalar(
        select(ResidentLinkRecord.revoked_at).where(ResidentLinkRecord.link_id == link_id)
    )
    return revoked_at is not None


async def listing(
    session: AsyncSession, now: datetime, *, municipality: str | None, include_inactive: bool
) -> list[ResidentLinkRecord]:
    """Links newest first; by default only those still usable (neither expired nor revoked)."""
    query = select(ResidentLinkRecord).order_by(ResidentLinkRecord.issued_at.desc())
    if municipality is not None:
        query = query.where(ResidentLinkRecord.municipality_code == municipality)
    if not include_inactive:
        query = query.where(ResidentLinkRecord.revoked_at.is_(None), ResidentLinkRecord.expires_at > now)
    return list(await session.scalars(query))


async def revoke(
    session: AsyncSession, link_id: str, actor: Principal, now: datetime, client_ip: str | None = None
) -> ResidentLinkRecord:
    """Withdraw a link at once; revoking twice is a conflict (the first revocation stands)."""
    row = await session.get(ResidentLinkRecord, link_id)
    if row is None:
        raise NotFound(f"no resident link {link_id!r}")
    if row.revoked_at is not None:
        raise Conflict(f"resident link {link_id!r} was already revoked at {row.revoked_at.isoformat()}")
    row.revoked_at, row.revoked_by = now, actor.actor_id
    await record(
        session, actor, "resident_link.revoked", "resident_link", link_id, {"kind": row.kind}, client_ip
    )
    return row
