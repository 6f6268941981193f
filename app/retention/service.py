"""The retention rule: personal data of closed cases is removed after a period; statistics are untouched.

Only the encrypted personal columns are cleared (and the routing journal rows that name those cases, once no
rebuild needs them: app/retention/journal.py). Everything the reports count (timestamps, channel, language,
municipality, topics, outcome, attributes, call legs) stays, so every figure is the same before and after.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import record
from app.auth.principal import Principal
from app.chat.service import purge_texts
from app.consultation.models import Consultation
from app.enums import ConsultationStatus
from app.reservation.retention import purge_contacts
from app.retention.journal import prune_journal

CLOSED = (
    ConsultationStatus.ended,
    ConsultationStatus.cancelled,
    ConsultationStatus.abandoned,
    ConsultationStatus.fallback,
)


@dataclass(frozen=True, slots=True)
class PurgeReport:
    purged: int
    cutoff: datetime
    dry_run: bool
    journal_rows: int = 0  # routing journal events deleted with them (app/retention/journal.py)


def _due(cutoff: datetime) -> ColumnElement[bool]:
    return and_(
        Consultation.status.in_(CLOSED),
        func.coalesce(Consultation.ended_at, Consultation.requested_at) < cutoff,
        Consultation.personal_data_purged_at.is_(None),
    )


async def purge_personal_data(
    session: AsyncSession,
    older_than_days: int,
    *,
    now: datetime,
    actor: Principal | None = None,
    dry_run: bool = False,
) -> PurgeReport:
    """Null the encrypted name, contact, notes, chat and summary texts of long-closed cases; audited.

    `now` comes from the caller's clock (the CLI's, or a test's); the cutoff is `older_than_days` before it.
    """
    if older_than_days < 1:
        raise ValueError("older_than_days must be at least 1")
    cutoff = now - timedelta(days=older_than_days)
    condition = _due(cutoff)
    if dry_run:
        count = int(
            await session.scalar(select(func.count()).select_from(Consultation).where(condition)) or 0
        )
        return PurgeReport(
            count, cutoff, dry_run=True, journal_rows=await prune_journal(session, purging=condition)
        )
    await purge_texts(session, condition)  # chat lines and summaries first, while the condition holds
    await purge_contacts(session, cutoff, now, actor)  # reservation contacts follow the same rule
    result = await session.execute(
        update(Consultation)
        .where(condition)
        .values(
            resident_name_enc=None, resident_contact_enc=None, notes_enc=None, personal_data_purged_at=now
        )
        .execution_options(synchronize_session=False)
    )
    count = int(getattr(result, "rowcount", 0) or 0)
    journal_rows = await prune_journal(session)  # after the purge: rows of the cases just purged go too
    await record(
        session,
        actor,
        "consultation.purge_personal",
        "consultation",
        None,
        {"purged": count, "cutoff": cutoff.isoformat(), "older_than_days": older_than_days},
    )
    if journal_rows:
        await record(
            session, actor, "routing_journal.prune", "routing_event", None, {"deleted": journal_rows}
        )
    return PurgeReport(count, cutoff, dry_run=False, journal_rows=journal_rows)
