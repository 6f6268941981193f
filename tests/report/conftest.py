"""A fixed, hand-written set of 12 cases (September and October 2026, desk time) whose figures are known.

Every expected figure in these tests was worked out by hand from the table below (see EXPECTED); nothing
here is generated. C7 is requested at 08:55 on 1 October in Japan, still 30 September in UTC: it must count
in October. C9 has two interpreter legs from two vendors; C11 has no municipality and no topic.

The tests run at TEST_NOW (the `clock` fixture: 18 November 2026 in Japan, the settings' zone), whatever the
wall clock says: both months are past months, so they may be rolled up, and November is the current month.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.consultation.models import CallLeg, Consultation
from app.consultation.record_models import ConsultationMediaChange
from app.enums import CallRole, Channel, ConsultationStatus, MediaMode, Outcome
from app.geography.models import Site
from app.interpreter.models import Interpreter
from app.security.crypto import PersonalDataCipher
from app.topic.models import Topic

JST = ZoneInfo("Asia/Tokyo")
PERIOD = {"from": "2026-09", "to": "2026-10"}
ALPHA, BETA = "Alpha Interpreting", "Beta Language Services"


@dataclass(frozen=True)
class Leg:
    vendor: str
    join_after: int  # seconds after the request
    seconds: int


@dataclass(frozen=True)
class HandCase:
    name: str
    municipality: str | None
    language: str
    channel: Channel
    topics: tuple[str, ...]
    requested_jst: datetime
    wait: int | None  # seconds to connection; None: never connected
    talk: int
    status: ConsultationStatus
    outcome: Outcome | None
    referral: str | None = None
    legs: tuple[Leg, ...] = ()
    fell_back_to_audio: bool = False


def _jst(*args: int) -> datetime:
    return datetime(*args, tzinfo=JST)  # type: ignore[misc]


E, A, F = ConsultationStatus.ended, ConsultationStatus.abandoned, ConsultationStatus.fallback
HAND_CASES: tuple[HandCase, ...] = (
    HandCase(
        "C1", "33202", "vi", Channel.counter, ("tax",), _jst(2026, 9, 1, 10), 10, 600, E, Outcome.resolved,
    ),
    HandCase(
        "C2", "33202", "vi", Channel.phone, ("tax", "residence"), _jst(2026, 9, 2, 11), 20, 300, E,
        Outcome.referred, "倉敷市 市民税課",
    ),
    HandCase(
        "C3", "33202", "zh", Channel.counter, ("general_admin",), _jst(2026, 9, 3, 9, 30), 30, 900, E,
        Outcome.resolved,
    ),
    HandCase(
        "C4", "33202", "ne", Channel.phone, ("residence",), _jst(2026, 9, 4, 14), 40, 1200, E,
        Outcome.follow_up, legs=(Leg(ALPHA, 55, 1130),),
    ),
    HandCase(
        "C5", "33205", "pt", Channel.satellite, ("social_insurance",), _jst(2026, 9, 10, 10), 50, 600, E,
        Outcome.resolved, legs=(Leg(BETA, 70, 540),), fell_back_to_audio=True,
    ),
    HandCase(
        "C6", "33205", "en", Channel.phone, ("tax", "social_insurance"), _jst(2026, 9, 15, 15), None, 0, A,
        Outcome.abandoned,
    ),
    HandCase(
        "C7", "33208", "vi", Channel.satellite, ("childcare",), _jst(2026, 10, 1, 8, 55), 60, 480, E,
        Outcome.resolved,
    ),
    HandCase(
        "C8", "33202", "en", Channel.counter, ("tax",), _jst(2026, 10, 5, 13), 15, 420, E, Outcome.resolved,
    ),
    HandCase(
        "C9", "33202", "ne", Channel.counter, ("medical", "tax"), _jst(2026, 10, 6, 10, 30), 25, 660, E,
        Outcome.referred, "倉敷市保健所", legs=(Leg(ALPHA, 40, 600), Leg(BETA, 600, 61)),
    ),
    HandCase(
        "C10", "33202", "vi", Channel.video, ("interpretation",), _jst(2026, 10, 7, 16), 5, 300, E,
        Outcome.resolved,
    ),
    HandCase("C11", None, "zh", Channel.phone, (), _jst(2026, 10, 8, 11), None, 0, F, None),
    HandCase(
        "C12", "33216", "ko", Channel.phone, ("welfare",), _jst(2026, 10, 30, 16, 50), 90, 600, E,
        Outcome.resolved, legs=(Leg(BETA, 120, 490),),
    ),
)  # fmt: skip

MONTHS = ["2026-09", "2026-10"]
# Worked out by hand from HAND_CASES.
EXPECTED = {
    "municipality": {
        "2026-09": {"33202": 4, "33205": 2},
        "2026-10": {"33202": 3, "33208": 1, "33216": 1, "": 1},
    },
    "language": {
        "2026-09": {"vi": 2, "zh": 1, "ne": 1, "pt": 1, "en": 1},
        "2026-10": {"vi": 2, "en": 1, "ne": 1, "zh": 1, "ko": 1},
    },
    "channel": {
        "2026-09": {"counter": 2, "phone": 3, "satellite": 1},
        "2026-10": {"satellite": 1, "counter": 2, "video": 1, "phone": 2},
    },
    "topic": {  # per topic: C2, C6 and C9 count once in each of their two topics; C11 has none ('')
        "2026-09": {"tax": 3, "residence": 2, "general_admin": 1, "social_insurance": 2},
        "2026-10": {"childcare": 1, "tax": 2, "medical": 1, "interpretation": 1, "welfare": 1, "": 1},
    },
}
EXPECTED_SERVICE = {
    "2026-09": {"cases": 6, "answered": 5, "abandoned": 1, "other": 0, "answer_rate": 83.3,
                "abandonment_rate": 16.7, "fallback_audio": 1, "interpreted": 2, "mean_talk_minutes": 12.0},
    "2026-10": {"cases": 6, "answered": 5, "abandoned": 0, "other": 1, "answer_rate": 83.3,
                "abandonment_rate": 0.0, "fallback_audio": 0, "interpreted": 2, "mean_talk_minutes": 8.2},
    "total": {"cases": 12, "answered": 10, "abandoned": 1, "other": 1, "answer_rate": 83.3,
              "abandonment_rate": 8.3, "fallback_audio": 1, "interpreted": 4, "mean_talk_minutes": 10.1},
}  # fmt: skip
# waits: Sept [10,20,30,40,50]; Oct [5,15,25,60,90]; interpreters: Sept [55,70]; Oct [40,120]
EXPECTED_WAITS = {
    "2026-09": ((5, 30.0, 46.0), (2, 62.5, 68.5)),
    "2026-10": ((5, 25.0, 78.0), (2, 80.0, 112.0)),
    "total": ((10, 27.5, 63.0), (4, 62.5, 105.0)),
}
# (vendor, language): legs, minutes, billable minutes (each leg rounded up to a whole minute)
EXPECTED_INTERPRETER = {
    (ALPHA, "ne"): (2, 28.8, 29),  # 1130 s + 600 s = 1730 s; 19 + 10 billable
    (BETA, "pt"): (1, 9.0, 9),
    (BETA, "ne"): (1, 1.0, 2),  # 61 s: 1.0 minute, billed as 2
    (BETA, "ko"): (1, 8.2, 9),  # 490 s
}
EXPECTED_VENDOR_TOTALS = {ALPHA: (2, 28.8, 29), BETA: (3, 18.2, 20)}  # Beta: 1091 s
EXPECTED_RESIDENTS = {
    "33202": (7, 58.3),
    "33205": (2, 16.7),
    "33208": (1, 8.3),
    "33216": (1, 8.3),
    "": (1, 8.3),
}

PERSONAL = {"resident_name": "Nguyen Van A", "resident_contact": "086-000-0000", "notes": "tax certificate"}


def cipher_for(settings: Settings) -> PersonalDataCipher:
    return PersonalDataCipher(settings.data_keys, settings.secret_key)


async def insert_hand_cases(db: AsyncSession, settings: Settings) -> dict[str, Consultation]:
    """The 12 cases, with interpreter legs, a fallback to audio, and personal data on every case."""
    cipher = cipher_for(settings)
    topics = {t.code: t for t in (await db.scalars(select(Topic))).all()}
    sites = {s.code: s for s in (await db.scalars(select(Site))).all()}
    interpreters = {
        vendor: Interpreter(display_name=f"{vendor} interpreter", vendor=vendor, languages=[])
        for vendor in (ALPHA, BETA)
    }
    db.add_all(interpreters.values())
    await db.flush()
    rows: dict[str, Consultation] = {}
    for case in HAND_CASES:
        requested = case.requested_jst.astimezone(UTC)
        connected = requested + timedelta(seconds=case.wait) if case.wait is not None else None
        ended = (
            connected + timedelta(seconds=case.talk)
            if connected is not None
            else requested + timedelta(seconds=120 if case.status is A else 30)
        )
        site = None
        if case.channel is Channel.counter:
            site = sites["kurashiki-desk"]
        elif case.channel is Channel.satellite:
            site = next(s for s in sites.values() if s.municipality_code == case.municipality)
        row = Consultation(
            channel=case.channel,
            site_id=site.id if site else None,
            resident_municipality_code=case.municipality,
            language_code=case.language,
            status=case.status,
            requested_at=requested,
            routed_at=requested + timedelta(seconds=1),
            offered_at=requested + timedelta(seconds=2) if connected else None,
            connected_at=connected,
            ended_at=ended,
            outcome=case.outcome,
            referral_to=case.referral,
            follow_up=case.outcome is Outcome.follow_up,
            resident_name_enc=cipher.encrypt(PERSONAL["resident_name"]),
            resident_contact_enc=cipher.encrypt(PERSONAL["resident_contact"]),
            notes_enc=cipher.encrypt(PERSONAL["notes"]),
            topics=[topics[code] for code in case.topics],
            call_legs=[],
        )
        db.add(row)
        await db.flush()
        for index, leg in enumerate(case.legs):
            joined = requested + timedelta(seconds=leg.join_after)
            db.add(
                CallLeg(
                    consultation_id=row.id,
                    role=CallRole.interpreter,
                    participant_id=f"{case.name}-interpreter-{index}",
                    interpreter_id=interpreters[leg.vendor].id,
                    media_mode=MediaMode.video,
                    joined_at=joined,
                    left_at=joined + timedelta(seconds=leg.seconds),
                )
            )
        if connected is not None:  # the counselor's own leg must not count as interpreter minutes
            db.add(
                CallLeg(
                    consultation_id=row.id,
                    role=CallRole.counselor,
                    participant_id=f"{case.name}-counselor",
                    joined_at=connected,
                    left_at=ended,
                )
            )
        if case.fell_back_to_audio:
            db.add(
                ConsultationMediaChange(
                    consultation_id=row.id,
                    at=(connected or requested) + timedelta(seconds=90),
                    from_media=MediaMode.video,
                    to_media=MediaMode.audio,
                    reason="network",
                )
            )
        rows[case.name] = row
    await db.commit()
    return rows


@pytest.fixture
async def hand_cases(db: AsyncSession, settings: Settings, auth: dict[str, dict[str, str]]) -> dict[str, str]:
    """Insert the hand-written cases (after the role accounts exist); returns name -> public id."""
    rows = await insert_hand_cases(db, settings)
    return {name: row.public_id for name, row in rows.items()}


async def get_json(client: AsyncClient, path: str, headers: dict[str, str], **params: str) -> dict:  # type: ignore[type-arg]
    response = await client.get(path, headers=headers, params={**PERIOD, **params})
    assert response.status_code == 200, response.text
    body: dict = response.json()  # type: ignore[type-arg]
    return body


def matrix_as_dict(body: dict) -> dict[str, dict[str, int]]:  # type: ignore[type-arg]
    """{month: {category: count}} without the zero cells."""
    codes = [c["code"] for c in body["categories"]]
    return {
        month: {code: n for code, n in zip(codes, row, strict=True) if n}
        for month, row in zip(body["months"], body["counts"], strict=True)
    }
