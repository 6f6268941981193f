"""Recording audit events; callers pass the principal, so every read of a record names its reader."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.models import AuditEvent
from app.auth.principal import Principal


async def record(
    session: AsyncSession,
    actor: Principal | None,
    action: str,
    entity_type: str,
    entity_id: str | int | None,
    detail: dict[str, Any] | None = None,
    client_ip: str | None = None,
    *,
    anonymous: bool = False,
) -> None:
    """`anonymous`: no account acted (a resident with a ticket, a failed sign-in); otherwise no actor is the
    system itself."""
    session.add(
        AuditEvent(
            actor_kind=actor.actor_kind if actor else ("anonymous" if anonymous else "system"),
            actor_id=actor.actor_id if actor else None,
            action=action,
            entity_type=entity_type,
            entity_id=None if entity_id is None else str(entity_id),
            detail=detail,
            client_ip=client_ip,
        )
    )
    await session.flush()
