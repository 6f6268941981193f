"""Journal housekeeping: routing journal rows no rebuild needs, and that may name a purged case, are deleted.

The desk rebuilds from its newest checkpoint (the older kept ones cover a corrupt newest one), so journal rows
up to the oldest kept checkpoint are history only. They are deleted when nothing still reads them:
- rows about no consultation (presence of counselors and interpreters, ticks) go at once;
- rows that name a consultation go with its personal data (the retention rule), never before it: the chat
  and fallback screens read a live case's FallbackAccepted / FallbackOffered rows.
So the journal never keeps a case's routing facts (language, safety flags, gender wish) longer than the case
keeps its personal data. Statistics never read the journal (app/report reads the consultation rows).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.consultation.models import Consultation
from app.live.models import RoutingCheckpoint, RoutingDecision, RoutingEvent


async def rebuild_floor(session: AsyncSession) -> int:
    """The newest journal seq no rebuild needs: the oldest kept checkpoint's (0 without checkpoints)."""
    return int(await session.scalar(select(func.min(RoutingCheckpoint.event_seq))) or 0)


def _deletable(floor: int, purging: ColumnElement[bool] | None) -> ColumnElement[bool]:
    keeps: ColumnElement[bool] = Consultation.personal_data_purged_at.is_(None)
    if purging is not None:
        keeps = keeps & ~purging
    kept_cases = select(Consultation.public_id).where(keeps)
    still_read = select(RoutingDecision.event_seq).where(
        RoutingDecision.event_seq <= floor, RoutingDecision.request_id.in_(kept_cases)
    )
    return (
        (RoutingEvent.seq <= floor)
        & or_(RoutingEvent.request_id.is_(None), RoutingEvent.request_id.not_in(kept_cases))
        & RoutingEvent.seq.not_in(still_read)
    )


async def prune_journal(session: AsyncSession, *, purging: ColumnElement[bool] | None = None) -> int:
    """Delete the journal events, with their decisions, that no one needs any more.

    With `purging` (the cases a dry run of the purge would purge), count what would go instead.
    """
    floor = await rebuild_floor(session)
    if floor == 0:
        return 0
    doomed = select(RoutingEvent.seq).where(_deletable(floor, purging))
    if purging is not None:
        return int(await session.scalar(select(func.count()).select_from(doomed.subquery())) or 0)
    seqs = list((await session.scalars(doomed)).all())
    for start in range(0, len(seqs), 1000):  # bounded statements (SQLite's parameter limit)
        chunk = seqs[start : start + 1000]
        await session.execute(delete(RoutingDecision).where(RoutingDecision.event_seq.in_(chunk)))
        await session.execute(delete(RoutingEvent).where(RoutingEvent.seq.in_(chunk)))
    return len(seqs)
