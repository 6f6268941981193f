"""Synthetic cases with the desk's real proportions (DOMAIN.md), for demos and benchmarks.

Deterministic for a seed, a case count and a period: the same arguments give the same rows. Cases are written
with Core executemany in batches (no ORM objects), so a million cases take minutes, not hours. Synthetic cases
carry no personal data. Run against a migrated, seeded database. The Core inserts bypass the session hook that
marks changed months for the report rollup, so the load marks the hours it wrote itself: their months are
computed live until the rollup is refreshed (demo-data refreshes it at once).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import holidays
import numpy as np
import numpy.typing as npt
from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.consultation.models import CallLeg, Consultation, consultation_topic
from app.consultation.record_models import ConsultationMediaChange
from app.enums import (
    AgeBand,
    CallRole,
    Channel,
    ConsultationStatus,
    Gender,
    MediaMode,
    Outcome,
    ResidenceStatusGroup,
)
from app.geography.models import Site
from app.interpreter.models import Interpreter
from app.language.models import Language
from app.report.period import Month
from app.report.repository import cast_table
from app.report.staleness import mark_hours_stale, utc_hour

BATCH = 20_000

# Residents: ~80% Kurashiki; the rest roughly by each municipality's foreign population.
MUNICIPALITY_WEIGHTS: dict[str | None, float] = {
    "33202": 80.0,
    "33208": 4.5,
    "33205": 2.8,
    "33207": 1.6,
    "33209": 1.4,
    "33210": 1.1,
    "33216": 1.6,
    "33423": 0.9,
    "33445": 0.7,
    "33461": 0.6,
    "outside": 2.3,
    None: 2.5,
}
# Counter ~57%, phone ~38% (DOMAIN.md: ~60/40 at the start), plus satellite counters and residents' own video.
CHANNEL_WEIGHTS = {Channel.counter: 56.0, Channel.phone: 38.0, Channel.satellite: 3.5, Channel.video: 2.5}
LANGUAGE_WEIGHTS = {
    "vi": 24.0,
    "zh": 16.0,
    "en": 14.0,
    "ja": 9.0,
    "ko": 7.0,
    "pt": 6.0,
    "ne": 6.0,
    "fil": 5.5,
    "id": 4.0,
    "es": 2.5,
    "th": 2.0,
    "hi": 1.2,
    "fr": 0.6,
    "ru": 0.6,
    "uk": 0.6,
}
# National one-stop desks' top topics: tax, general procedures, social insurance, residence, interpretation.
TOPIC_WEIGHTS = {
    "tax": 15.0,
    "general_admin": 13.0,
    "social_insurance": 11.0,
    "residence": 10.5,
    "interpretation": 9.0,
    "medical": 7.0,
    "employment": 6.5,
    "childcare": 5.0,
    "welfare": 5.0,
    "education": 4.0,
    "housing": 4.0,
    "family": 3.0,
    "japanese_learning": 2.0,
    "transport": 2.0,
    "disaster": 1.0,
    "other": 2.0,
}
NATIONALITY = {
    "vi": ("VN",),
    "zh": ("CN", "TW"),
    "en": ("PH", "US", "GB", "IN", "AU", "NG"),
    "ja": ("CN", "VN", "KR", "BR", "PH"),
    "ko": ("KR",),
    "pt": ("BR",),
    "ne": ("NP",),
    "fil": ("PH",),
    "id": ("ID",),
    "es": ("PE", "BO", "ES"),
    "th": ("TH",),
    "hi": ("IN",),
    "fr": ("FR", "CD"),
    "ru": ("RU",),
    "uk": ("UA",),
}
REFERRALS = (
    "倉敷市 市民税課",
    "倉敷市 国民健康保険課",
    "岡山出入国在留管理局",
    "倉敷年金事務所",
    "ハローワーク倉敷中央",
    "倉敷市保健所",
    "法テラス岡山",
    "岡山県国際交流協会",
)
# Vendors of the remote interpreter pool and the languages each covers (for invoice reconciliation figures).
VENDORS: dict[str, tuple[str, ...]] = {
    "Demo Interpreting Co.": ("ko", "pt", "es", "ne"),
    "Setouchi Language Service": ("ne", "hi", "fil", "id", "th"),
    "Tablet Interpretation Network": ("fr", "ru", "uk", "ko", "pt", "es", "fil"),
}
MONTH_WEIGHTS = (0.9, 1.0, 1.25, 1.3, 1.0, 1.0, 1.0, 0.85, 1.0, 1.05, 1.0, 0.85)  # busy at fiscal year start


@dataclass(frozen=True, slots=True)
class GenerationReport:
    cases: int
    topics: int
    interpreter_legs: int
    media_changes: int
    first_month: str
    last_month: str


def _choice(rng: np.random.Generator, weights: dict[Any, float], size: int) -> npt.NDArray[np.int64]:
    p = np.array(list(weights.values()), dtype=np.float64)
    return rng.choice(len(p), size=size, p=p / p.sum())


def _working_days(start: date, end: date) -> list[date]:
    """Weekdays that are neither Japanese public holidays nor in the 29 Dec-3 Jan closure."""
    closed = holidays.country_holidays("JP", years=range(start.year, end.year + 1))
    days: list[date] = []
    day = start
    while day < end:
        year_end = (day.month, day.day) >= (12, 29) or (day.month, day.day) <= (1, 3)
        if day.weekday() < 5 and day not in closed and not year_end:
            days.append(day)
        day += timedelta(days=1)
    return days


def request_times(
    rng: np.random.Generator, count: int, start: datetime, end: datetime, zone: ZoneInfo
) -> npt.NDArray[np.float64]:
    """Sorted epoch seconds within desk hours (09:00-17:00 local) on working days in [start, end)."""
    days = _working_days(start.astimezone(zone).date(), end.astimezone(zone).date() + timedelta(days=1))
    if not days:
        raise ValueError("the period has no working day")
    weights = np.array([MONTH_WEIGHTS[d.month - 1] for d in days])
    opening = np.array([datetime(d.year, d.month, d.day, 9, tzinfo=zone).timestamp() for d in days])
    lo, hi = start.timestamp(), end.timestamp()
    chosen: list[npt.NDArray[np.float64]] = []
    have = 0
    while have < count:  # draw, drop what falls outside [start, end) (e.g. later today), draw again
        picks = rng.choice(len(days), size=count - have, p=weights / weights.sum())
        times = opening[picks] + rng.uniform(0, 8 * 3600, size=count - have)
        times = times[(times >= lo) & (times < hi)]
        chosen.append(times)
        have += len(times)
    return np.sort(np.concatenate(chosen))[:count]


async def _ensure_interpreters(session: AsyncSession) -> dict[str, list[int]]:
    """Synthetic interpreters per vendor (idempotent); returns language -> interpreter ids."""
    languages = {lang.code: lang for lang in (await session.scalars(select(Language))).all()}
    by_language: dict[str, list[int]] = {}
    for vendor, codes in VENDORS.items():
        for code in codes:
            name = f"{vendor} / {code}"
            interpreter = await session.scalar(select(Interpreter).where(Interpreter.display_name == name))
            if interpreter is None:
                interpreter = Interpreter(
                    display_name=name, vendor=vendor, languages=[languages[code]] if code in languages else []
                )
                session.add(interpreter)
                await session.flush()
            by_language.setdefault(code, []).append(interpreter.id)
    return by_language


def _dt(epoch: float) -> datetime:
    return datetime.fromtimestamp(round(epoch, 3), UTC)


async def generate_cases(
    session: AsyncSession,
    cases: int,
    *,
    seed: int = 1,
    start: datetime,
    end: datetime,
    zone: ZoneInfo,
    now: datetime,
) -> GenerationReport:
    """Insert `cases` synthetic consultations requested in [start, end); flushes, never commits.

    Cases whose call would end after `now` (the caller's clock) are still going on. The UTC hours of request
    are marked stale for the report rollup, so reports count the new cases at once.
    """
    if cases < 1:
        raise ValueError("cases must be at least 1")
    rng = np.random.default_rng(seed)
    times = request_times(rng, cases, start, end, zone)
    now_epoch = now.timestamp()
    sites = {s.municipality_code: s.id for s in (await session.scalars(select(Site))).all()}
    desk_site = (await session.scalar(select(Site.id).where(Site.code == "kurashiki-desk"))) or None
    remote = {
        lang.code
        for lang in (await session.scalars(select(Language))).all()
        if lang.service_mode.value != "on_site"
    }
    interpreters = await _ensure_interpreters(session)
    first_id = int(await session.scalar(select(func.coalesce(func.max(Consultation.id), 0))) or 0) + 1
    first_leg = int(await session.scalar(select(func.coalesce(func.max(CallLeg.id), 0))) or 0) + 1

    municipalities = list(MUNICIPALITY_WEIGHTS)
    satellite_municipalities = [m for m in municipalities if m in sites and m != "33202"]
    channels = list(CHANNEL_WEIGHTS)
    languages = list(LANGUAGE_WEIGHTS)
    topics = list(TOPIC_WEIGHTS)
    topic_p = np.array(list(TOPIC_WEIGHTS.values()))
    topic_p = topic_p / topic_p.sum()
    statuses = list(ResidenceStatusGroup)
    ages = [a for a in AgeBand if a is not AgeBand.not_asked]
    genders = [g for g in Gender if g is not Gender.not_asked]

    totals = {"topics": 0, "legs": 0, "changes": 0}
    requested_hours: set[datetime] = set()
    leg_id = first_leg
    for batch_start in range(0, cases, BATCH):
        size = min(BATCH, cases - batch_start)
        r = np.random.default_rng([seed, batch_start])  # per batch, so the result does not depend on memory
        requested = times[batch_start : batch_start + size]
        muni = _choice(r, MUNICIPALITY_WEIGHTS, size)
        chan = _choice(r, CHANNEL_WEIGHTS, size)
        lang = _choice(r, LANGUAGE_WEIGHTS, size)
        n_topics = r.choice([0, 1, 2, 3], size=size, p=[0.03, 0.6, 0.28, 0.09])
        fate = r.random(size)  # < 0.05 abandoned, < 0.07 fallback, < 0.08 cancelled, else answered
        wait = r.lognormal(np.log(28), 0.85, size)
        remote_extra = r.lognormal(np.log(35), 0.6, size)
        talk = r.lognormal(np.log(12 * 60), 0.55, size)
        outcome_draw = r.random(size)
        attribute_draw = r.random((size, 5))
        consult_rows: list[dict[str, Any]] = []
        topic_rows: list[dict[str, Any]] = []
        leg_rows: list[dict[str, Any]] = []
        change_rows: list[dict[str, Any]] = []
        uuids = r.bytes(16 * size)
        # Weighted sampling without replacement for every case at once (Gumbel top-k).
        topic_order = np.argsort(np.log(topic_p) - np.log(-np.log(r.random((size, len(topics))))), axis=1)[
            :, ::-1
        ]
        for i in range(size):
            cid = first_id + batch_start + i
            req = float(requested[i])
            channel = channels[int(chan[i])]
            municipality = municipalities[int(muni[i])]
            site_id: int | None = None
            if channel is Channel.counter:
                site_id = desk_site
            elif channel is Channel.satellite:
                if municipality not in satellite_municipalities:
                    municipality = satellite_municipalities[
                        int(attribute_draw[i, 4] * len(satellite_municipalities))
                    ]
                site_id = sites[municipality or ""]
            language = languages[int(lang[i])]
            is_remote = language in remote
            waited = float(wait[i]) * (1.4 if is_remote else 1.0)
            f = float(fate[i])
            status = ConsultationStatus.ended
            outcome: Outcome | None = None
            referral: str | None = None
            follow_up = False
            connected = ended = offered = None
            if f < 0.05:
                status, outcome = ConsultationStatus.abandoned, Outcome.abandoned
                ended = req + waited * 1.5
            elif f < 0.07:
                status = ConsultationStatus.fallback
                ended = req + 20.0
            elif f < 0.08:
                status = ConsultationStatus.cancelled
                ended = req + 10.0
            else:
                offered = req + min(2.0, waited / 4)
                connected = req + waited
                ended = connected + float(talk[i])
                o = float(outcome_draw[i])
                if o < 0.68:
                    outcome = Outcome.resolved
                elif o < 0.88:
                    outcome = Outcome.referred
                    referral = REFERRALS[int(o * 1000) % len(REFERRALS)]
                elif o < 0.97:
                    outcome, follow_up = Outcome.follow_up, True
            if ended is not None and ended > now_epoch:  # still going on at generation time
                status = ConsultationStatus.connected if connected is not None else ConsultationStatus.queued
                ended, outcome, referral, follow_up = None, None, None, False
                if connected is not None and connected > now_epoch:
                    connected = None
            a = attribute_draw[i]
            nationalities = NATIONALITY.get(language, ("JP",))
            consult_rows.append(
                {
                    "id": cid,
                    "public_id": str(uuid.UUID(bytes=uuids[16 * i : 16 * i + 16], version=4)),
                    "channel": channel,
                    "site_id": site_id,
                    "resident_municipality_code": municipality,
                    "language_code": language,
                    "topic_hint_code": None,
                    "status": status,
                    "urgent": bool(a[0] < 0.02),
                    "safety_dv": bool(a[0] > 0.995),
                    "safety_child": False,
                    "interpreter_gender_preference": None,
                    "requested_at": _dt(req),
                    "routed_at": _dt(req + 0.2),
                    "offered_at": _dt(offered) if offered is not None else None,
                    "connected_at": _dt(connected) if connected is not None else None,
                    "ended_at": _dt(ended) if ended is not None else None,
                    "outcome": outcome,
                    "referral_to": referral,
                    "follow_up": follow_up,
                    "nationality": nationalities[int(a[1] * len(nationalities))] if a[1] < 0.6 else None,
                    "residence_status_group": statuses[int(a[2] * len(statuses))]
                    if a[2] < 0.7
                    else ResidenceStatusGroup.not_asked,
                    "age_band": ages[int(a[3] * len(ages))] if a[3] < 0.7 else AgeBand.not_asked,
                    "gender": genders[int(a[4] * len(genders))] if a[4] < 0.7 else Gender.not_asked,
                    "created_at": _dt(req),
                    "updated_at": _dt(ended if ended is not None else req),
                }
            )
            topic_rows.extend(
                {"consultation_id": cid, "topic_code": topics[int(t)]}
                for t in topic_order[i, : int(n_topics[i])]
            )
            if is_remote and connected is not None and language in interpreters:
                pool = interpreters[language]
                joined = req + waited + float(remote_extra[i])
                left = ended - 5.0 if ended is not None else None
                if left is not None and left <= joined:
                    left = joined + 60.0
                leg_rows.append(
                    {
                        "id": leg_id,
                        "consultation_id": cid,
                        "role": CallRole.interpreter,
                        "participant_id": f"interpreter-{cid}",
                        "interpreter_id": pool[int(a[2] * len(pool))],
                        "media_mode": MediaMode.audio if channel is Channel.phone else MediaMode.video,
                        "joined_at": _dt(joined),
                        "left_at": _dt(left) if left is not None and left <= now_epoch else None,
                        "leave_reason": "call ended" if left is not None else None,
                    }
                )
                leg_id += 1
            if channel in (Channel.satellite, Channel.video) and connected is not None and a[3] > 0.9:
                change_rows.append(
                    {
                        "consultation_id": cid,
                        "at": _dt(connected + 60.0),
                        "from_media": MediaMode.video,
                        "to_media": MediaMode.audio,
                        "reason": "network",
                        "created_at": _dt(connected + 60.0),
                    }
                )
        await session.execute(insert(cast_table(Consultation)), consult_rows)
        requested_hours.update(utc_hour(row["requested_at"]) for row in consult_rows)
        if topic_rows:
            await session.execute(insert(consultation_topic), topic_rows)
        if leg_rows:
            await session.execute(insert(cast_table(CallLeg)), leg_rows)
        if change_rows:
            await session.execute(insert(cast_table(ConsultationMediaChange)), change_rows)
        totals["topics"] += len(topic_rows)
        totals["legs"] += len(leg_rows)
        totals["changes"] += len(change_rows)
    await mark_hours_stale(session, requested_hours)
    if (await session.connection()).dialect.name == "postgresql":
        # Explicit ids do not advance the sequences; fresh statistics keep the planner off nested loops.
        for statement in (
            "SELECT setval(pg_get_serial_sequence('consultation', 'id'), (SELECT max(id) FROM consultation))",
            "SELECT setval(pg_get_serial_sequence('call_leg', 'id'), (SELECT max(id) FROM call_leg))",
            "ANALYZE consultation, consultation_topic, call_leg, consultation_media_change, interpreter",
        ):
            await session.execute(text(statement))
    await session.flush()
    return GenerationReport(
        cases=cases,
        topics=totals["topics"],
        interpreter_legs=totals["legs"],
        media_changes=totals["changes"],
        first_month=str(Month.of(_dt(float(times[0])), zone)),
        last_month=str(Month.of(_dt(float(times[-1])), zone)),
    )
