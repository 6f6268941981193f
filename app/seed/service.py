"""Idempotent seeding: insert what is missing, refresh names; never touch operator-made changes of mode."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.geography.models import Municipality, Site
from app.language.models import Language
from app.seed.data import LANGUAGES, MUNICIPALITIES, SITES, TOPICS
from app.topic.models import Topic


@dataclass(frozen=True, slots=True)
class SeedReport:
    municipalities: int
    sites: int
    languages: int
    topics: int

    @property
    def total(self) -> int:
        return self.municipalities + self.sites + self.languages + self.topics


async def seed_reference_data(session: AsyncSession) -> SeedReport:
    """Returns how many rows were added; running it twice adds nothing the second time."""
    munis = {m.code: m for m in (await session.scalars(select(Municipality))).all()}
    added_m = 0
    for order, m in enumerate(MUNICIPALITIES):
        row = munis.get(m.code)
        if row is None:
            session.add(
                Municipality(code=m.code, name_ja=m.name_ja, name_en=m.name_en, kind=m.kind, sort_order=order)
            )
            added_m += 1
        else:
            row.name_ja, row.name_en, row.kind, row.sort_order = m.name_ja, m.name_en, m.kind, order
    await session.flush()

    sites = {s.code: s for s in (await session.scalars(select(Site))).all()}
    added_s = 0
    for s in SITES:
        if s.code not in sites:
            session.add(
                Site(
                    code=s.code,
                    name_ja=s.name_ja,
                    name_en=s.name_en,
                    kind=s.kind,
                    municipality_code=s.municipality_code,
                )
            )
            added_s += 1

    languages = {lang.code: lang for lang in (await session.scalars(select(Language))).all()}
    added_l = 0
    for order, lang in enumerate(LANGUAGES):
        existing = languages.get(lang.code)
        if existing is None:
            session.add(
                Language(
                    code=lang.code,
                    native_name=lang.native_name,
                    name_ja=lang.name_ja,
                    name_en=lang.name_en,
                    service_mode=lang.service_mode,
                    sort_order=order,
                )
            )
            added_l += 1
        else:  # the service mode is policy an admin may have changed: keep it
            existing.native_name, existing.name_ja, existing.name_en = (
                lang.native_name,
                lang.name_ja,
                lang.name_en,
            )

    topics = {t.code: t for t in (await session.scalars(select(Topic))).all()}
    added_t = 0
    for order, t in enumerate(TOPICS):
        existing_topic = topics.get(t.code)
        if existing_topic is None:
            session.add(Topic(code=t.code, name_ja=t.name_ja, name_en=t.name_en, sort_order=order))
            added_t += 1
        else:
            existing_topic.name_ja, existing_topic.name_en, existing_topic.sort_order = (
                t.name_ja,
                t.name_en,
                order,
            )
    await session.flush()
    return SeedReport(added_m, added_s, added_l, added_t)
