"""Reservation contact details follow the same retention rule as the personal data of cases."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import record
from app.auth.principal import Principal
from app.reservation.models import Reservation, ReservationStatus


async def purge_contacts(
    session: AsyncSession, cutoff: datetime, now: datetime, actor: Principal | None = None
) -> int:
    """Null the encrypted name, phone and email of reservations whose slot ended before `cutoff`; audited."""
    result = await session.execute(
        update(Reservation)
        .where(
            Reservation.status != ReservationStatus.booked,
            Reservation.ends_at < cutoff,
            Reservation.personal_data_purged_at.is_(None),
        )
        .values(
            contact_name_enc=None, contact_phone_enc=None, contact_email_enc=None, personal_data_purged_at=now
        )
        .execution_options(synchronize_session=False)
    )
    count = int(getattr(result, "rowcount", 0) or 0)
    await record(
        session,
        actor,
        "reservation.purge_personal",
        "reservation",
        None,
        {"purged": count, "cutoff": cutoff.isoformat()},
    )
    return count
