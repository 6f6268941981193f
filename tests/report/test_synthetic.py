"""Synthetic cases: deterministic for a seed, with the desk's proportions from DOMAIN.md."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.consultation.models import CallLeg, Consultation, consultation_topic
from app.consultation.record_models import ConsultationMediaChange
from app.enums import CallRole, ConsultationStatus
from app.report.period import Month
from app.report.synthetic import generate_cases

NOW = datetime(2026, 11, 24, tzinfo=UTC)


async def _generate(db: AsyncSession, settings: Settings, cases: int, seed: int) -> None:
    zone = settings.zone
    await generate_cases(
        db,
        cases,
        seed=seed,
        start=Month(2025, 11).start(zone),
        end=Month(2026, 10).end(zone),
        zone=zone,
        now=NOW,
    )
    await db.commit()


async def _digest(db: AsyncSession) -> str:
    rows = (
        await db.execute(
            select(
                Consultation.public_id, Consultation.channel, Consultation.language_code,
                Consultation.resident_municipality_code, Consultation.requested_at, Consultation.connected_at,
                Consultation.ended_at, Consultation.status,
            ).order_by(Consultation.requested_at, Consultation.public_id)
        )
    ).all()  # fmt: skip
    topics = (await db.execute(select(consultation_topic).order_by(*consultation_topic.c))).all()
    return hashlib.sha256(repr((rows, len(topics))).encode()).hexdigest()


async def _wipe(db: AsyncSession) -> None:
    for table in (
        ConsultationMediaChange.__table__,
        CallLeg.__table__,
        consultation_topic,
        Consultation.__table__,
    ):
        await db.execute(delete(table))
    await db.commit()


async def test_synthetic__same_seed_same_cases(db: AsyncSession, settings: Settings) -> None:
    await _generate(db, settings, 400, seed=7)
    first = await _digest(db)
    await _wipe(db)
    await _generate(db, settings, 400, seed=7)
    assert await _digest(db) == first
    await _wipe(db)
    await _generate(db, settings, 400, seed=8)
    assert await _digest(db) != first


async def test_synthetic__proportions_follow_the_domain_figures(db: AsyncSession, settings: Settings) -> None:
    await _generate(db, settings, 3000, seed=3)
    cases = (await db.scalars(select(Consultation))).all()
    n = len(cases)
    assert n == 3000
    municipality = Counter(c.resident_municipality_code for c in cases)
    assert 0.74 < municipality["33202"] / n < 0.86  # ~80% Kurashiki residents
    channel = Counter(c.channel.value for c in cases)
    assert 0.50 < channel["counter"] / n < 0.62 and 0.32 < channel["phone"] / n < 0.44
    assert channel["satellite"] > 0 and channel["video"] > 0
    assert {lang for lang, _ in Counter(c.language_code for c in cases).most_common(3)} == {"vi", "zh", "en"}
    topics = Counter(code for (_, code) in (await db.execute(select(consultation_topic))).all())
    top5 = {code for code, _ in topics.most_common(5)}
    assert top5 == {"tax", "general_admin", "social_insurance", "residence", "interpretation"}
    abandoned = sum(c.status is ConsultationStatus.abandoned for c in cases) / n
    assert 0.03 < abandoned < 0.07
    legs = (await db.scalars(select(CallLeg))).all()
    remote = {c.id for c in cases if c.language_code not in ("en", "zh", "vi", "ja")}
    assert legs and all(leg.role is CallRole.interpreter and leg.consultation_id in remote for leg in legs)
    waits = sorted((c.connected_at - c.requested_at).total_seconds() for c in cases if c.connected_at)
    assert 20 < waits[len(waits) // 2] < 60  # lognormal, median around half a minute
    assert all(c.resident_name_enc is None and c.notes_enc is None for c in cases)  # no personal data
    assert all(c.requested_at < NOW for c in cases)
