"""Call legs are written in the order the rooms produced their events, whichever task writes first."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.call.legs import CallLegRecorder
from app.clock import ControlledClock
from app.config import Settings
from app.consultation.models import CallLeg, Consultation
from app.db import create_engine, create_sessionmaker
from app.enums import Channel, ConsultationStatus
from realtime.rooms import ParticipantJoined, ParticipantLeft


class _FirstCommitLate:
    """A sessionmaker whose first session commits late: the join's writer is overtaken by the leave's."""

    def __init__(self, maker: async_sessionmaker[AsyncSession]) -> None:
        self._maker = maker
        self.sessions = 0

    def __call__(self) -> AsyncSession:
        session = self._maker()
        self.sessions += 1
        if self.sessions == 1:
            commit = session.commit

            async def late_commit() -> None:
                await asyncio.sleep(0.2)
                await commit()

            session.commit = late_commit  # type: ignore[method-assign]
        return session


async def test_a_leave_written_by_another_task__closes_the_leg_its_join_opened(
    settings: Settings, clock: ControlledClock, db: AsyncSession
) -> None:
    case = Consultation(channel=Channel.satellite, language_code="ne", status=ConsultationStatus.connected)
    db.add(case)
    await db.commit()
    joined_at = clock.now()
    left_at = joined_at + timedelta(minutes=7)
    joined = ParticipantJoined("room-1", case.public_id, "tablet-soja", "counter_tablet", "conn-1", joined_at)
    left = ParticipantLeft(
        "room-1", case.public_id, "tablet-soja", "counter_tablet", "conn-1", joined_at, left_at, "closed", ()
    )
    engine = create_engine(settings.database_url, clock=clock)
    try:
        maker = _FirstCommitLate(create_sessionmaker(engine))
        recorder = CallLegRecorder(maker)  # type: ignore[arg-type]
        join_task = asyncio.create_task(recorder.record([joined]))
        await asyncio.sleep(0.05)  # the join is written, its commit not yet done
        await recorder.record([left])
        await join_task
    finally:
        await engine.dispose()
    assert maker.sessions == 2
    legs = (await db.scalars(select(CallLeg).where(CallLeg.consultation_id == case.id))).all()
    assert [(leg.role, leg.joined_at, leg.left_at, leg.leave_reason) for leg in legs] == [
        ("counter_tablet", joined_at, left_at, "closed")
    ]
